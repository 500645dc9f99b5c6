"""The task queue's tasks (django-tasks; run by `manage.py run_worker`)."""

import os
import socket

from django_tasks import task

from options.tracking import delivery


@task()
def deliver_subscription(subscription_id: int) -> int:
    """Send a subscription's due deliveries, in order; return how many were delivered."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    return delivery.deliver_pending(subscription_id, worker=worker)

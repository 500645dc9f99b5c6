"""
The task queue's worker: django-tasks-db's `db_worker`, which runs the queued tasks (webhook
deliveries), plus a sweep every `--sweep-every` seconds that queues again what a killed worker
left behind (options/tracking/delivery.py, `requeue_stalled`). Run as many as needed, on as many
machines as share the database: each task runs once, and a subscription's deliveries are sent by
one worker at a time, in order.
"""

import logging
import threading

from django.db import OperationalError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from options.tracking.delivery import requeue_stalled

logger = logging.getLogger(__name__)


class Command(DBWorkerCommand):
    help = "Run a task worker (webhook deliveries), sweeping for stalled deliveries."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-every",
            type=float,
            default=60.0,
            help="Seconds between two sweeps for deliveries a killed worker left (default: 60).",
        )

    def handle(self, *args, sweep_every: float, **options):
        stop = threading.Event()
        sweeper = threading.Thread(
            target=self.sweep, args=(sweep_every, stop), name="requeue-stalled", daemon=True
        )
        sweeper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()

    @staticmethod
    def sweep(every: float, stop: threading.Event) -> None:
        while not stop.wait(every):
            try:
                requeued = requeue_stalled()
                if requeued:
                    logger.info("Queued the deliveries of %d stalled subscriptions.", requeued)
            except OperationalError as error:  # the database is busy or away: next time
                logger.warning("Sweep for stalled deliveries failed: %s", error)
            finally:
                close_old_connections()
                connections.close_all()

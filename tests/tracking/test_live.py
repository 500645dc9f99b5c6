"""Live tracking end to end, as an analyst's pipeline sees it: gunicorn serving the API, two
real task workers (`manage.py run_worker`) and webhook receivers on loopback.

One scenario, in steps that build on each other (the setup costs most of the time):
1. subscribe to the seed topic through the API; record Padrino López's stated −2 after his
   expected +1; receive `stance.changed` and `divergence.appeared`, signed, verified with the
   `standardwebhooks` library, within seconds, each exactly once although two workers run;
2. a receiver that fails 3 times then succeeds gets exactly one successful delivery, with the
   `webhook-id` of the failed attempts;
3. the worker sending a delivery is killed (SIGKILL) while the receiver holds the request: the
   other worker sends it again once the lease expires, with the same `webhook-id`; nothing is
   lost.
"""

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from tests.fuzz import ROOT, live_server, prepare, run, throwaway_database
from tests.tracking.receiver import Receiver

TIMEOUT = 3  # each webhook request, seconds; a worker's lease is this plus 5
RETRY_SCHEDULE = "0.5,0.5,0.5,0.5"
WAIT = 30  # seconds for what should take a few


class API:
    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def request(self, method: str, path: str, body=None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/api/v1/{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def first(self, path: str) -> dict:
        [found] = self.request("GET", path)["results"]
        return found


@contextlib.contextmanager
def workers(env: dict, count: int, logs: Path):
    """`count` task workers; yields the list of their processes (killable)."""
    processes = []
    try:
        for number in range(count):
            log = (logs / f"worker{number}.log").open("w")
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        ROOT / "manage.py",
                        "run_worker",
                        "--no-reload",
                        "--no-startup-delay",
                        "--interval",
                        "0.1",
                        "--sweep-every",
                        "1",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def manage_shell(env: dict, code: str) -> str:
    return run([sys.executable, ROOT / "manage.py", "shell", "-c", code], env).stdout.strip()


def verified(received, secret: str) -> dict:
    return Webhook(secret).verify(received.body, received.headers)


@pytest.fixture(scope="module")
def service():
    workdir = Path(tempfile.mkdtemp(prefix="policytracker-live-"))
    with throwaway_database(workdir, "live") as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "true",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "POLICYTRACKER_THROTTLE_ANON": "off",
            "POLICYTRACKER_THROTTLE_USER": "off",
            "POLICYTRACKER_REQUIRE_IF_MATCH": "false",
            "POLICYTRACKER_WEBHOOK_ALLOW_PRIVATE": "true",
            "POLICYTRACKER_WEBHOOK_TIMEOUT": str(TIMEOUT),
            "POLICYTRACKER_WEBHOOK_RETRY_SCHEDULE": RETRY_SCHEDULE,
            "PYTHONUNBUFFERED": "1",
        }
        token = prepare(env)
        # The seed without Padrino López's public denunciation (deleted outside any write: no
        # change event); the test records it.
        manage_shell(
            env,
            "from options.models import Position; Position.objects.filter("
            "stakeholder__slug='vladimir-padrino-lopez', option__slug='transition-deal-amnesty',"
            " basis='stated').delete()",
        )
        with live_server(env, workdir / "server.log") as url, workers(env, 2, workdir) as procs:
            yield API(url, token), env, procs, workdir


def subscribe(api: API, receiver: Receiver, **fields) -> dict:
    topic = api.first("topics/?slug=venezuela-2019")
    return api.request(
        "POST",
        "subscriptions/",
        {"name": "Venezuela watch", "url": receiver.url, "topics": [topic["id"]], **fields},
    )


def take_position(api: API, *, stance: int, basis: str, as_of: str, **fields) -> dict:
    padrino = api.first("stakeholders/?slug=vladimir-padrino-lopez")
    deal = api.first("options/?slug=transition-deal-amnesty")
    source = api.first("sources/?slug=seed-article")
    return api.request(
        "POST",
        "positions/",
        {
            "stakeholder": padrino["id"],
            "option": deal["id"],
            "stance": stance,
            "basis": basis,
            "as_of": as_of,
            "confidence": "high",
            "source": source["id"],
            **fields,
        },
    )


def test_stance_change_divergence_retries_and_a_killed_worker(service):
    api, env, processes, workdir = service

    # 1. The done-when scenario, delivered once each by one of two workers.
    with Receiver() as receiver:
        subscription = subscribe(api, receiver)
        assert subscription["secret"].startswith("whsec_")
        started = time.monotonic()
        position = take_position(api, stance=-2, basis="stated", as_of="2019-04-30")
        received = receiver.wait_for(2, timeout=WAIT)
        elapsed = time.monotonic() - started
        payloads = [verified(r, subscription["secret"]) for r in received]
        by_type = {payload["type"]: payload["data"] for payload in payloads}
        assert set(by_type) == {"stance.changed", "divergence.appeared"}, payloads
        assert elapsed < 15, f"delivered in {elapsed:.1f} s"  # (about 1 s on an idle machine)
        changed = by_type["stance.changed"]
        assert (changed["before"]["stance"], changed["after"]["stance"]) == (1, -2)
        assert changed["data"]["sign_flipped"] is True
        assert changed["position"]["id"] == position["id"]
        assert changed["stakeholder"]["slug"] == "vladimir-padrino-lopez"
        assert changed["source"]["id"] == position["source"]["id"]
        assert by_type["divergence.appeared"]["data"]["bases"] == ["stated", "expected"]
        time.sleep(1)  # anything sent twice would arrive now
        ids = [r.headers["webhook-id"] for r in receiver.received]
        assert len(ids) == len(set(ids)) == 2, "a delivery was sent twice"

    # 2. A receiver that fails three times, then succeeds.
    with Receiver(statuses=[500, 502, 503]) as flaky:
        subscribe(api, flaky, event_types=["position.retracted"])
        take_position(api, stance=0, basis="reported", as_of="2019-05-02")  # not followed
        api.request("PATCH", f"positions/{position['id']}/", {"retracted_on": "2019-05-03"})
        [success] = flaky.wait_for(1, timeout=WAIT)
        assert [r.status for r in flaky.received] == [500, 502, 503, 200]
        assert {r.headers["webhook-id"] for r in flaky.received} == {success.headers["webhook-id"]}
        assert json.loads(success.body)["type"] == "position.retracted"

    # 3. The worker sending a delivery is killed while the receiver holds the request.
    with Receiver(delay=TIMEOUT + 2) as slow:
        subscription = subscribe(api, slow, event_types=["stance.changed"])
        take_position(api, stance=2, basis="revealed", as_of="2019-05-04")
        deadline = time.monotonic() + WAIT
        while slow.arrived == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slow.arrived == 1
        owner = manage_shell(
            env,
            "from options.models import Subscription; "
            f"print(Subscription.objects.get(pk={subscription['id']}).lease_owner)",
        )
        pid = int(owner.rsplit(":", 1)[1])
        [killed] = [p for p in processes if p.pid == pid]
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        slow.delay = 0  # the receiver is quick again: the redelivery succeeds
        # The lease (TIMEOUT + 5 s) expires, the surviving worker's sweep queues it again.
        received = slow.wait_for(2, timeout=WAIT)
        assert len({r.headers["webhook-id"] for r in slow.received}) == 1
        delivered = api.request("GET", f"deliveries/?subscription={subscription['id']}")
        [delivery] = delivered["results"]
        assert delivery["status"] == "delivered"
        assert received[-1].headers["webhook-id"] == delivery["webhook_id"]

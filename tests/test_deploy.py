"""Production serving: the read-replica router, the settings that configure it, and `make serve`
(gunicorn with whitenoise) answering on a free port."""

import gzip
import json
import os
import runpy
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connections
from django.test.utils import CaptureQueriesContext

from options.models import Position, Topic
from options.routers import PRIMARY, REPLICA, ReplicaRouter, reads_from_replica
from tests.factories import PositionFactory

ROOT = Path(settings.BASE_DIR)

# --- The read-replica router ------------------------------------------------------------------


@pytest.fixture(scope="module")
def replica_alias(django_db_setup):
    """A `replica` database beside default, as settings make one from DATABASE_REPLICA_URL: in
    the tests a mirror of default (TEST MIRROR), i.e. a second connection to the test database.

    Module-scoped, so that it exists before the tests' databases are checked; its data is what
    tests commit on default (transaction=True): a mirror takes no part in a test's transaction.
    """
    primary = connections[PRIMARY].settings_dict
    connections.settings[REPLICA] = {**primary, "TEST": {**primary["TEST"], "MIRROR": PRIMARY}}
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica_router(settings, replica_alias):
    """The router and its middleware, as settings install them with DATABASE_REPLICA_URL."""
    settings.DATABASE_ROUTERS = ["options.routers.ReplicaRouter"]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "options.middleware.ReplicaReadsMiddleware"]


def databases_used(send) -> tuple[int, str]:
    """The status of the response to `send()`, and which databases it queried: "replica",
    "default", or both ("default+replica")."""
    with (
        CaptureQueriesContext(connections[PRIMARY]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = send()
    used = [alias for alias, queries in ((PRIMARY, primary), (REPLICA, replica)) if len(queries)]
    return response.status_code, "+".join(used)


@pytest.fixture
def position():
    return PositionFactory()


# One test: each transactional test costs a flush of the database.
@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_analysis_requests_read_from_the_replica_and_all_else_uses_the_primary(
    replica_router, api_client, editor_client, position
):
    option, stakeholder = position.option, position.stakeholder
    topic = option.topic
    analyses = [
        f"/api/v1/topics/{topic.pk}/stance-matrix/?as_of=2019-05-01",
        f"/api/v1/topics/{topic.pk}/forecast/?as_of=2019-05-01",
        f"/api/v1/topics/{topic.pk}/timeline/",
        f"/api/v1/options/{option.pk}/forecast/?as_of=2019-05-01",
        f"/api/v1/stakeholders/{stakeholder.pk}/positions/history/",
        f"/topics/{topic.slug}/?as_of=2019-05-01",
        f"/topics/{topic.slug}/stance-matrix.svg?as_of=2019-05-01",
    ]
    other_reads = [
        "/api/v1/topics/",
        f"/api/v1/topics/{topic.pk}/",
        "/api/v1/positions/",
        f"/api/v1/positions/{position.pk}/history/",
    ]

    analysed = {url: databases_used(lambda url=url: api_client.get(url)) for url in analyses}
    head = databases_used(lambda: api_client.head(analyses[0]))
    # What the replica holds is what was written on the primary.
    matrix = api_client.get(analyses[0]).json()
    read = {url: databases_used(lambda url=url: api_client.get(url)) for url in other_reads}
    created = databases_used(
        lambda: editor_client.post(
            "/api/v1/sources/", {"slug": "a-report", "title": "A report", "kind": "report"}
        )
    )
    # A write request reads too (the position, its relations): from the primary.
    changed = databases_used(
        lambda: editor_client.patch(f"/api/v1/positions/{position.pk}/", {"stance": -1})
    )

    assert analysed == {url: (200, REPLICA) for url in analyses}
    assert head == (200, REPLICA)
    assert [row["stakeholder"]["id"] for row in matrix["rows"]] == [stakeholder.pk]
    assert read == {url: (200, PRIMARY) for url in other_reads}
    assert created == (201, PRIMARY)
    assert changed == (200, PRIMARY)


def test_the_router_keeps_accounts_writes_and_migrations_on_the_primary():
    router = ReplicaRouter()
    marked = reads_from_replica.set(True)  # as in an analysis request
    try:
        in_analysis = {
            "read a position": router.db_for_read(Position),
            "read a user": router.db_for_read(User),
            "write a position": router.db_for_write(Position),
        }
    finally:
        reads_from_replica.reset(marked)
    from_replica, from_primary = Topic(), Topic()
    from_replica._state.db, from_primary._state.db = REPLICA, PRIMARY

    assert in_analysis == {
        "read a position": REPLICA,
        "read a user": PRIMARY,  # a token just made works at once, whatever the lag
        "write a position": PRIMARY,
    }
    assert router.db_for_read(Position) == PRIMARY  # outside analysis requests
    assert router.allow_relation(from_replica, from_primary) is True
    assert [router.allow_migrate(db, "options") for db in (PRIMARY, REPLICA)] == [True, False]


# --- Settings -------------------------------------------------------------------------------


def settings_with(monkeypatch, **environ: str) -> dict:
    """The settings module's names, evaluated with `environ` instead of the database variables
    of this process."""
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL", "DATABASE_CONN_MAX_AGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "policytracker" / "settings.py"))


def test_database_replica_url_adds_the_replica_and_its_router(monkeypatch):
    names = settings_with(
        monkeypatch,
        DATABASE_URL="postgres://app@primary.internal:5432/policytracker",
        DATABASE_REPLICA_URL="postgres://reader:secret@replica.internal:5433/policytracker",
        DATABASE_CONN_MAX_AGE="60",
    )

    assert names["DATABASES"]["replica"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "policytracker",
        "USER": "reader",
        "PASSWORD": "secret",
        "HOST": "replica.internal",
        "PORT": 5433,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": False,
        "TEST": {"MIRROR": "default"},
    }
    assert names["DATABASES"]["default"]["HOST"] == "primary.internal"
    assert names["DATABASE_ROUTERS"] == ["options.routers.ReplicaRouter"]


def test_without_database_replica_url_there_is_one_database_and_no_router(monkeypatch):
    names = settings_with(monkeypatch, DATABASE_REPLICA_URL="")

    assert list(names["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in names


# --- make serve -------------------------------------------------------------------------------

# The variables of this process that would change what `make serve` does.
OURS = ("DJANGO_", "POLICYTRACKER_", "DATABASE_", "REDIS_URL", "MAKE", "MFLAGS")
OURS += ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS", "FORWARDED_ALLOW_IPS")
# The requirements are installed: make must not reinstall them.
INSTALLED = ".venv/bin/.installed"


def clean_environ(**env: str) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(OURS)},
        "PYTHONUNBUFFERED": "1",
        **env,
    }


def make(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-o", INSTALLED, *args],
        cwd=ROOT,
        env=clean_environ(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "make serve: serving in production needs DJANGO_DEBUG=false, DJANGO_SECRET_KEY"),
        (
            {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "too-short"},
            "make serve: DJANGO_SECRET_KEY must be set to a long random value",
        ),
    ],
)
def test_make_serve_says_what_to_set_before_it_starts(env, message):
    result = make("serve", **env)

    assert result.returncode != 0
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, **headers: str) -> tuple[int, Message, bytes]:
    """GET `url` without following redirects: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if get(f"{url}/api/v1/health/")[0] == 200:
                return
        except OSError:  # not listening yet
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer:\n{log.read_text()}")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """What `make serve` runs, on a free port, a throwaway SQLite database and static folder:
    its commands as make prints them (-n), run here with one worker and two shortcuts to stay
    fast: no migrate (the health check needs no table) and collectstatic without the large
    apps' files. Yields the server's URL, STATIC_ROOT and log file; stops it afterwards."""
    workdir = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = clean_environ(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
    )
    printed = make("-n", "serve", "HOST=127.0.0.1", f"PORT={port}", "WORKERS=1")
    assert printed.returncode == 0, printed.stderr
    commands = printed.stdout.replace("\\\n", " ").splitlines()
    preflight, migrate, collectstatic, gunicorn = commands
    assert "manage.py migrate" in migrate  # before gunicorn starts
    for command in (preflight, collectstatic + " -i drf_spectacular_sidecar -i admin -i flags"):
        done = subprocess.run(["sh", "-c", command], cwd=ROOT, env=env, capture_output=True)
        assert done.returncode == 0, done.stderr.decode()

    log = workdir / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            ["sh", "-c", gunicorn],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its workers
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server, log)
        yield url, workdir / "static", log
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def logged(log: Path, text: str) -> str:
    """The line of the server's log that holds `text` (waiting a little for it)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [line for line in log.read_text().splitlines() if text in line]
        if lines:
            return lines[-1]
        time.sleep(0.05)
    pytest.fail(f"{text!r} is not in the server's log:\n{log.read_text()}")


def test_make_serve_answers_the_health_check_and_logs_the_request_id(served):
    url, _, log = served

    status, headers, body = get(f"{url}/api/v1/health/")

    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", "version": "0.1.0"}
    access = logged(log, f"request_id={headers['X-Request-ID']}")
    assert '"GET /api/v1/health/ HTTP/1.1" 200' in access


def test_make_serve_serves_hashed_static_files_for_ever(served):
    url, static_root, _ = served
    name = "rest_framework/css/default.css"
    hashed = json.loads((static_root / "staticfiles.json").read_text())["paths"][name]
    original = (static_root / name).read_bytes()
    # Behind the proxy on this machine, which says the request came over HTTPS.
    https = {"X-Forwarded-Proto": "https"}

    status, headers, body = get(f"{url}/static/{hashed}", **https, **{"Accept-Encoding": "gzip"})
    plain_status, plain_headers, _ = get(f"{url}/static/{name}", **https)
    over_http = get(f"{url}/static/{hashed}")

    assert hashed != name
    assert status == 200
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == original
    # The name without its hash may change content at the next release: cached a minute.
    assert (plain_status, plain_headers["Cache-Control"]) == (200, "max-age=60, public")
    # Without the proxy's word, production redirects to HTTPS.
    redirect = url.replace("http://", "https://", 1) + f"/static/{hashed}"
    assert (over_http[0], over_http[1]["Location"]) == (301, redirect)


class FakeArbiter:
    """What gunicorn hands `when_ready`: its settings and its log."""

    def __init__(self, workers: int):
        self.cfg = type("Config", (), {"workers": workers})()
        self.warnings = []
        self.log = type("Log", (), {"warning": lambda _, *args: self.warnings.append(args)})()


@pytest.mark.parametrize(
    ("workers", "redis_url", "warned"),
    [(3, "", True), (3, "redis://127.0.0.1:6379/0", False), (1, "", False)],
)
def test_gunicorn_warns_when_several_workers_would_each_throttle_on_their_own(
    monkeypatch, workers, redis_url, warned
):
    monkeypatch.setenv("REDIS_URL", redis_url)
    config = runpy.run_path(str(ROOT / "policytracker" / "gunicorn.conf.py"))
    arbiter = FakeArbiter(workers)
    config["when_ready"](arbiter)
    assert bool(arbiter.warnings) == warned
    if warned:
        message = arbiter.warnings[0][0] % arbiter.warnings[0][1:]
        assert "3 workers and no REDIS_URL" in message and "3 times" in message

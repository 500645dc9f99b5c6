"""Fuzz the API against its committed schema on a live server: `make fuzz` (part of `make test`).

    .venv/bin/python -m tests.fuzz [extra schemathesis options, e.g. --include-path-regex topics]

1. A throwaway database: a temporary SQLite file, or, when DATABASE_URL names a PostgreSQL
   database `<name>`, a database `<name>_fuzz` next to it, created now and dropped at the end.
2. `migrate`, `load_seed`, an editor (in the `editors` group) and an API token for them.
3. A real server: gunicorn with 2 workers on a free loopback port, throttling off (thousands of
   requests a minute from one address), If-Match optional (the default), persistent database
   connections, and DEBUG on as in development, so that a server error logs its traceback (to
   the log shown on failure) instead of Django's terse production 500. Nothing else about the
   answers depends on DEBUG.
4. `schemathesis run docs/openapi.yaml --url <server>`, configured by schemathesis.toml (every
   phase and every check; the seed and the number of examples are there), with the checks of
   tests/fuzz_checks.py, among them the strict validation of every response by the test suite's
   validator (tests/contract.py, openapi-core). Its exit status is this script's.

The server, the database and the temporary files are removed whatever happens.
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCHEMA = ROOT / "docs" / "openapi.yaml"
CONFIG = ROOT / "schemathesis.toml"
EDITOR = "fuzz-editor"
SERVER_WORKERS = 2
STARTUP_SECONDS = 60


def log(message: str) -> None:
    print(f"[fuzz] {message}", flush=True)


def run(command: list, env: dict, **options) -> subprocess.CompletedProcess:
    """Run a setup command in the project; stop with its output if it fails."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        **options,
    )
    if result.returncode != 0:
        sys.exit(
            f"`{' '.join(map(str, command))}` exited {result.returncode}\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


def with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def throwaway_database(workdir: Path, purpose: str = "fuzz") -> Iterator[str]:
    """The DATABASE_URL of an empty database, named for its `purpose`, gone after the block."""
    url = os.environ.get("DATABASE_URL", "")
    if not is_postgres(url):
        # SQLite (the default, and whatever DATABASE_URL names otherwise): a file of our own.
        yield f"sqlite:///{workdir / f'{purpose}.sqlite3'}"
        return

    import psycopg
    from psycopg import sql

    name = f"{urlsplit(url).path.lstrip('/') or 'policytracker'}_{purpose}"
    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    # Connected to the maintenance database: one cannot drop the database one is connected to.
    maintenance = with_database_name(url, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(statement)  # left over by an interrupted run
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    log(f"database {name} created")
    try:
        yield with_database_name(url, name)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(statement)
        log(f"database {name} dropped")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(env: dict) -> str:
    """Migrate, load the seed, create the editor; return the editor's new API token."""
    manage = [sys.executable, ROOT / "manage.py"]
    run([*manage, "migrate", "--no-input"], env)
    run([*manage, "load_seed"], env)
    run(
        [
            *manage,
            "shell",
            "-c",
            "from django.contrib.auth.models import Group, User; "
            f"editor = User.objects.create_user({EDITOR!r}); "
            "editor.groups.add(Group.objects.get(name='editors'))",
        ],
        env,
    )
    # create_api_token prints the key alone on standard output.
    return run([*manage, "create_api_token", EDITOR], env).stdout.strip()


def wait_until_healthy(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited ({server.returncode}) while starting")
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url}/api/v1/health/ in {STARTUP_SECONDS} s")


@contextlib.contextmanager
def live_server(env: dict, server_log: Path) -> Iterator[str]:
    """gunicorn serving the project on a free loopback port; its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with server_log.open("w") as output:
        server = subprocess.Popen(
            [
                BIN / "gunicorn",
                "policytracker.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(SERVER_WORKERS),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                # No control socket in ~/.gunicorn, which another server there would share.
                "--no-control-socket",
                # No limit on the request line: schemathesis repeats filter parameters into URLs
                # longer than gunicorn's 4,094 bytes, which gunicorn answers with an HTML 414 before
                # the application sees them. The fuzz tests the application; in production the
                # proxy in front sets the limit (docs/deploy.md).
                "--limit-request-line",
                "0",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(url, server)
        log(f"gunicorn ({SERVER_WORKERS} workers) serving {url}")
        yield url
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log("server stopped")


# Django's warning for each 4xx answer ("Bad Request: /api/v1/…"): thousands of them in a run.
CLIENT_ERROR_LINE = re.compile(
    r"^(?:.* request_id=\S+ )?(?!Internal Server Error|Service Unavailable)[A-Z][A-Za-z ]+: /\S*$"
)


def server_errors(log: str) -> str:
    """The server's log without the lines that say a request got a 4xx: what is left is
    gunicorn's own lines and the tracebacks of server errors."""
    return "\n".join(line for line in log.splitlines() if not CLIENT_ERROR_LINE.match(line))


def main(extra_arguments: list[str]) -> int:
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="policytracker-fuzz-"))
    server_log = workdir / "server.log"
    status = 1
    try:
        with throwaway_database(workdir) as database_url:
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                # Each worker keeps its connection: with PostgreSQL, a new one per request would
                # cost more than most requests.
                "DATABASE_CONN_MAX_AGE": "600",
                "DJANGO_DEBUG": "true",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "POLICYTRACKER_THROTTLE_ANON": "off",
                "POLICYTRACKER_THROTTLE_USER": "off",
                "POLICYTRACKER_REQUIRE_IF_MATCH": "false",
                "POLICYTRACKER_PUBLIC_READ": "true",
                "PYTHONUNBUFFERED": "1",
            }
            token = prepare(env)
            log(f"seeded {database_url.split('@')[-1]}, token for {EDITOR} ready")
            with live_server(env, server_log) as url:
                fuzz_started = time.monotonic()
                result = subprocess.run(
                    [
                        BIN / "schemathesis",
                        "--config-file",
                        CONFIG,
                        "run",
                        SCHEMA,
                        "--url",
                        url,
                        *extra_arguments,
                    ],
                    cwd=ROOT,
                    env={
                        **os.environ,
                        "POLICYTRACKER_FUZZ_URL": url,
                        "POLICYTRACKER_FUZZ_TOKEN": token,
                        # Hypothesis's files (Unicode tables…) in the temporary folder, not in
                        # the project.
                        "HYPOTHESIS_STORAGE_DIRECTORY": str(workdir / "hypothesis"),
                    },
                    check=False,
                )
                status = result.returncode
                log(f"schemathesis took {time.monotonic() - fuzz_started:.0f} s")
    finally:
        if status != 0 and server_log.exists():
            print(
                "--- the server's log, but for its one-line warnings about 4xx answers", flush=True
            )
            print(server_errors(server_log.read_text(errors="replace"))[-20000:], flush=True)
        shutil.rmtree(workdir, ignore_errors=True)
        log(f"done in {time.monotonic() - started:.0f} s, exit status {status}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

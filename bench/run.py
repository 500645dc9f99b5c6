"""
`python -m bench.run`: measure the API's scenarios against their baselines; write
bench/results.json and bench/results.md (bench/results-pg.* on PostgreSQL). See bench/README.md.

    python -m bench.run [--size default|million|small|tiny] [--database sqlite|postgres] [--http]
                        [--requests N] [--seconds S] [--output DIR] [--data-dir DIR]
                        [--prepare-only]

In-process (Django's test client, one thread): each scenario and its baselines are requested in
turn, round-robin, N times (or until the scenario's time budget is spent, at least 10 times), so
that noise hits them alike. Over HTTP (--http): gunicorn with 4 workers on a free loopback port,
driven by wrk for S seconds per URL.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/"
POSTGRES_DATABASE = "policytracker_bench"
WORKERS = 4
SLOW_HTTP_REQUESTS = 10  # fewer answers than this in S seconds: measured again, alone
MIN_REQUESTS = 10
WARM_UP = 3
# Time budget of one scenario in-process (all its variants), past which it stops early.
SCENARIO_BUDGET_SECONDS = 40.0
# The page sizes at which list queries are counted, as multiples of the scenarios' page size.
PAGE_SIZE_FACTORS = (0.1, 1, 5)
DEEP_PAGE = 1000
LIST_SCENARIOS = ("positions-list", "positions-filtered", "stakeholders-search")


class BenchError(Exception):
    pass


STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


# --- The database -----------------------------------------------------------------------------


def database_url(database: str, size: str, data_dir: Path) -> str:
    """SQLite: a file per size under `data_dir`. PostgreSQL: the server of BENCH_DATABASE_URL,
    or of DATABASE_URL when it is a PostgreSQL one (else the local one), database
    `policytracker_bench` (`policytracker_bench_<size>` for the other sizes)."""
    if database == "sqlite":
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(data_dir / f'{size}.sqlite3').resolve()}"
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not server.startswith(("postgres://", "postgresql://")):
        server = DEFAULT_POSTGRES_URL
    name = POSTGRES_DATABASE if size == "default" else f"{POSTGRES_DATABASE}_{size}"
    parts = urlsplit(server)
    return parts._replace(path=f"/{name}").geturl()


def create_postgres_database(url: str) -> None:
    """Create the database of `url` if it is missing (connected to the server's `postgres`)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(server, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                log(f"Creating the database {name}")
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        raise BenchError(
            f"Cannot reach PostgreSQL at {parts._replace(path='/').geturl()} ({error}). Start it "
            "(e.g. `pg_ctlcluster 15 main start`) or set BENCH_DATABASE_URL."
        ) from error


def setup_django(database: str, size: str, data_dir: Path) -> str:
    """Point the settings at the benchmark's database, then set Django up. Returns the URL."""
    url = database_url(database, size, data_dir)
    if database == "postgres":
        create_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    return url


# --- Measuring in-process ---------------------------------------------------------------------


def timed_get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return elapsed


def count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return len(context.captured_queries)


def summarize(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    count = len(ordered)
    return {
        "requests": count,
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[math.ceil(0.95 * count) - 1] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "req_per_s": round(count / sum(ordered), 1),
    }


def round_robin(client, urls: dict[str, str], requests: int, budget: float) -> dict[str, dict]:
    """Request each URL in turn, `requests` times (fewer past `budget` seconds, at least
    MIN_REQUESTS), after WARM_UP untimed rounds. Returns each URL's summary."""
    for _ in range(min(WARM_UP, requests)):
        for url in urls.values():
            timed_get(client, url)
    timings: dict[str, list[float]] = {name: [] for name in urls}
    started = time.perf_counter()
    for done in range(1, requests + 1):
        for name, url in urls.items():
            timings[name].append(timed_get(client, url))
        if done >= MIN_REQUESTS and time.perf_counter() - started > budget:
            break
    return {name: summarize(values) for name, values in timings.items()}


def first_difference(left, right, path: str = "", *, shared_only: bool = False) -> str | None:
    """Where two JSON values first differ, e.g. `results[3].stakeholder.display: 'a' != 'b'`.

    With `shared_only`, an object's keys that only `left` has are not compared: `right` (the
    floor) may leave out a field the API (`left`) gained, but may not answer one it lacks."""
    if isinstance(left, dict) and isinstance(right, dict):
        if shared_only:
            if right.keys() - left.keys():
                return f"{path or '.'}: keys {sorted(right.keys() - left.keys())} in one only"
            keys = [key for key in left if key in right]
        elif left.keys() != right.keys():
            return f"{path or '.'}: keys {sorted(left.keys() ^ right.keys())} in one only"
        else:
            keys = list(left)
        for key in keys:
            found = first_difference(
                left[key], right[key], f"{path}.{key}", shared_only=shared_only
            )
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items != {len(right)}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}[{index}]", shared_only=shared_only)
            if found:
                return found
        return None
    if left != right or type(left) is not type(right):
        return f"{path}: {left!r} != {right!r}"
    return None


def without_page_position(url: str) -> str:
    """`url` without its `offset` or `cursor` query parameter."""
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query) if name not in PAGE_POSITION]
    return urlunsplit(parts._replace(query=urlencode(query)))


PAGE_POSITION = {"offset", "cursor"}


def compare_floor(client, scenario, *, exact: bool = True) -> dict:
    """Whether the floor answers exactly what the API answers (the order of keys aside), or
    where it first differs. Not `exact`: the same values for the fields both answer, and no
    field the API lacks (`make test`: a field added to a serializer need not be added to the
    floor at once; `make bench`, whose ratios need the same work on both sides, is exact)."""
    api = json.loads(client.get(scenario.api).content)
    floor = json.loads(client.get(scenario.floor).content)
    # A page's `next` and `previous` links lead to the floor's own pages: compare them as if
    # they led to the API's. The floor's links page by offset, the API's by cursor where it
    # can: compare them without either.
    api_path, floor_path = urlsplit(scenario.api).path, urlsplit(scenario.floor).path
    for link in ("next", "previous"):
        if isinstance(floor, dict) and floor.get(link):
            floor[link] = without_page_position(floor[link].replace(floor_path, api_path, 1))
        if isinstance(api, dict) and api.get(link):
            api[link] = without_page_position(api[link])
    difference = first_difference(api, floor, shared_only=not exact)
    return {"equal": difference is None, "difference": difference}


def ratio(value: float, baseline: float | None) -> float | None:
    return round(value / baseline, 3) if baseline else None


def with_ratios(results: dict[str, dict]) -> dict[str, dict]:
    floor = results.get("floor", {}).get("median_ms")
    naive = results.get("naive", {}).get("median_ms")
    for result in results.values():
        result["x_floor"] = ratio(result["median_ms"], floor)
        result["x_naive"] = ratio(result["median_ms"], naive)
    return results


def in_process(scenarios, requests: int) -> dict:
    from django.test import Client

    client = Client()
    results = {}
    for scenario in scenarios:
        urls = scenario.variants()
        log(f"  in-process: {scenario.name} ({', '.join(urls)})")
        queries = {name: count_queries(client, url) for name, url in urls.items()}
        check = compare_floor(client, scenario) if scenario.floor else None
        if check and not check["equal"]:
            log(f"  WARNING: the floor of {scenario.name} differs: {check['difference']}")
        measured = with_ratios(round_robin(client, urls, requests, SCENARIO_BUDGET_SECONDS))
        for name, result in measured.items():
            result["queries"] = queries[name]
            result["url"] = urls[name]
        results[scenario.name] = {
            "title": scenario.title,
            "detail": scenario.detail,
            "variants": measured,
            "floor_check": check,
        }
    return results


def with_query(url: str, **params) -> str:
    from rest_framework.utils.urls import replace_query_param

    for key, value in params.items():
        url = replace_query_param(url, key, value)
    return url


def query_counts(scenarios, page: int) -> dict:
    """Queries per request of the list scenarios at several page sizes, and of the analysis
    endpoints on inputs of different sizes (their counts should not change)."""
    from django.test import Client

    client = Client()
    by_name = {scenario.name: scenario for scenario in scenarios}
    page_sizes = [max(1, round(page * factor)) for factor in PAGE_SIZE_FACTORS]
    log(f"  in-process: queries per request at page sizes {page_sizes}")
    counts = {}
    for name in LIST_SCENARIOS:
        counts[name] = {
            f"limit={size}": count_queries(client, with_query(by_name[name].api, limit=size))
            for size in page_sizes
        }
    matrix = by_name["stance-matrix"]
    all_kinds = re.sub(r"&stakeholder_kind=[a-z_]+", "", matrix.api)
    counts["stance-matrix"] = {
        f"{matrix.info['rows']} rows": count_queries(client, matrix.api),
        f"{matrix.info['all_rows']} rows": count_queries(client, all_kinds),
    }
    forecast = by_name["topic-forecast"]
    counts["topic-forecast"] = {
        "topic 1": count_queries(client, forecast.api),
        "topic 2": count_queries(client, forecast.info["other_topic_url"]),
    }
    timeline = by_name["timeline-page"]
    counts["timeline-page"] = {
        f"limit={size}": count_queries(
            client, with_query(timeline.info["event_page_url"], limit=size)
        )
        for size in page_sizes
    }
    return counts


def as_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def deep_pages(requests: int, page: int) -> dict:
    """Positions page DEEP_PAGE (or the last page, on a smaller dataset) against page 1, by
    offset, for the API and the floor; and by cursor when the API offers one."""
    from django.test import Client

    from options.models import Position

    client = Client()
    count = Position.objects.count()
    offset = min((DEEP_PAGE - 1) * page, max(0, (count - 1) // page * page))
    number = offset // page + 1
    urls = {
        "api page 1": f"/api/v1/positions/?limit={page}",
        f"api page {number}": f"/api/v1/positions/?limit={page}&offset={offset}",
        "floor page 1": f"/bench/floor/positions/?limit={page}",
        f"floor page {number}": f"/bench/floor/positions/?limit={page}&offset={offset}",
    }
    offset_pages = client.get(urls[f"api page {number}"]).status_code == 200
    if not offset_pages:  # the API pages by cursor only
        del urls[f"api page {number}"]
    first = json.loads(client.get(urls["api page 1"]).content)
    cursor = "cursor=" in (first.get("next") or "")
    cursor_note = (
        "available: measured by following `next` from page 1"
        if cursor
        else "missing: the positions list offers only limit/offset pages (no `cursor` in `next`)"
    )
    if cursor:
        url, walked, started = urls["api page 1"], 1, time.perf_counter()
        while walked < number and url and time.perf_counter() - started < 300:
            url = json.loads(client.get(url).content)["next"]
            url = as_path(url) if url else None
            walked += 1
        if url:
            urls[f"api cursor page {walked}"] = url
    log(f"  in-process: deep pages ({', '.join(urls)})")
    results = round_robin(client, urls, requests, SCENARIO_BUDGET_SECONDS)
    for name, result in results.items():
        result["url"] = urls[name]
    return {
        "page": number,
        "page_size": page,
        "offset": offset,
        "positions": count,
        "offset_pages": offset_pages,
        "cursor": cursor,
        "cursor_note": cursor_note,
        "results": results,
    }


# --- Measuring over HTTP ----------------------------------------------------------------------


def find_wrk() -> tuple[str | None, str]:
    """wrk's path, installing Debian's package when missing and running as root; or None and
    why not."""
    path = shutil.which("wrk")
    if path:
        return path, ""
    if os.geteuid() != 0:
        return None, "wrk is missing and this is not root: `apt-get install wrk`, then rerun."
    log("Installing wrk (Debian package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    installed = subprocess.run(
        "apt-get update -qq && apt-get install -y -qq wrk",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
    )
    path = shutil.which("wrk")
    if path:
        return path, ""
    return None, f"could not install wrk: {installed.stderr.strip()[-300:]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise BenchError(f"gunicorn did not answer within {timeout} s")


def check_ok(url: str) -> None:
    """Fail loudly unless `url` answers 200: wrk would time error answers as fast ones."""
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            status, body = response.status, b""
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    if status != 200:
        raise BenchError(f"GET {url} answered {status} over HTTP: {body[:300]!r}")


def run_wrk(wrk: str, url: str, seconds: float, connections: int) -> dict:
    command = [
        wrk,
        "--threads",
        str(min(2, connections)),  # wrk wants a connection per thread at least
        "--connections",
        str(connections),
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "--latency",
        "--script",
        str(BENCH_DIR / "wrk_report.lua"),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^BENCH_JSON (.*)$", output, re.MULTILINE)
    if not match:
        raise BenchError(f"wrk printed no summary:\n{output}")
    report = json.loads(match[1])
    rate = re.search(r"Requests/sec:\s*([0-9.]+)", output)
    return {
        "requests": report["requests"],
        "median_ms": round(report["p50_us"] / 1000, 3),
        "p95_ms": round(report["p95_us"] / 1000, 3),
        "p99_ms": round(report["p99_us"] / 1000, 3),
        "max_ms": round(report["max_us"] / 1000, 3),
        "req_per_s": float(rate[1])
        if rate
        else round(report["requests"] / report["duration_us"] * 1e6, 1),
        "non_2xx": report["non_2xx"],
        "socket_errors": report["socket_errors"],
        "connections": connections,
        "seconds": max(1, round(seconds)),
    }


def over_http(scenarios, seconds: float, database_url_: str) -> dict:
    wrk, why_not = find_wrk()
    if not wrk:
        log(f"\n!!! SKIPPING THE HTTP LAYER: {why_not}\n")
        return {"skipped": why_not}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url_,
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "policytracker.wsgi:application",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]
    log(f"  http: gunicorn --workers {WORKERS} on {base}")
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    results = {}
    warnings = []
    try:
        wait_until_up(base, server)
        for scenario in scenarios:
            measured = {}
            for name, url in scenario.variants().items():
                log(f"  http: {scenario.name} {name} ({seconds:g} s)")
                check_ok(base + url)
                run_wrk(wrk, base + url, 1, WORKERS)  # warm every worker up
                result = run_wrk(wrk, base + url, seconds, WORKERS)
                if result["requests"] < SLOW_HTTP_REQUESTS:
                    # wrk counts only the answers that come within the time: too slow an
                    # endpoint for S seconds under load. Measured alone, for longer.
                    longer = max(3 * seconds, 30)
                    log(f"  http: {scenario.name} {name} again, 1 connection ({longer:g} s)")
                    result = run_wrk(wrk, base + url, longer, 1)
                if result["non_2xx"] or result["socket_errors"]:
                    warning = (
                        f"{scenario.title} ({name}): {result['non_2xx']} error answers and "
                        f"{result['socket_errors']} socket errors out of {result['requests']}: "
                        "its figures measure errors, not the endpoint"
                    )
                    log(f"  WARNING: {warning}")
                    warnings.append(warning)
                measured[name] = result
            results[scenario.name] = {"title": scenario.title, "variants": with_ratios(measured)}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return {
        "server": f"gunicorn {WORKERS} sync workers, 127.0.0.1",
        "workers": WORKERS,
        "warnings": warnings,
        "load": f"wrk, 2 threads, {WORKERS} connections, {seconds:g} s per URL after 1 s warm-up",
        "scenarios": results,
    }


# --- Targets ----------------------------------------------------------------------------------


def evaluate_targets(results: dict, vendor: str) -> list[dict]:
    """The issue's targets, each with what was measured and whether it is met (None: cannot be
    told, e.g. a feature that does not exist yet)."""
    measured = results["in_process"]
    targets = []

    def add(scenario, target, figure, met):
        targets.append({"scenario": scenario, "target": target, "measured": figure, "met": met})

    positions = measured["positions-list"]["variants"]
    api = positions["api"]
    add(
        "positions-list",
        "≤ 1.5× floor (median, in-process)",
        f"{api['x_floor']:.2f}× floor ({api['median_ms']:.1f} vs {positions['floor']['median_ms']:.1f} ms)",
        api["x_floor"] <= 1.5,
    )
    speedup = positions["naive"]["median_ms"] / api["median_ms"]
    add(
        "positions-list",
        "≥ 5× faster than naive (median, in-process)",
        f"{speedup:.2f}× faster ({api['median_ms']:.1f} vs {positions['naive']['median_ms']:.1f} ms)",
        speedup >= 5,
    )
    for name, counts in results["query_counts"].items():
        values = list(counts.values())
        shown = ", ".join(f"{label}: {count}" for label, count in counts.items())
        if name in LIST_SCENARIOS:
            add(
                name,
                "queries per request ≤ 4, whatever the page size",
                shown,
                max(values) <= 4 and len(set(values)) == 1,
            )
        else:
            add(
                name,
                "queries per request constant in the input's size",
                shown,
                len(set(values)) == 1,
            )
    for name in ("stance-matrix", "topic-forecast"):
        median = measured[name]["variants"]["api"]["median_ms"]
        if vendor == "sqlite":
            add(
                name,
                "≤ 50 ms median on SQLite",
                f"{median:.1f} ms ({measured[name]['detail']})",
                median <= 50,
            )
    deep = results["deep_pages"]
    page_1 = deep["results"]["api page 1"]["median_ms"]
    if deep["offset_pages"]:
        page_n = deep["results"][f"api page {deep['page']}"]["median_ms"]
        add(
            "deep-pages",
            f"page {DEEP_PAGE:,} no slower than 2× page 1 (offset)",
            f"page {deep['page']:,}: {page_n:.1f} ms, page 1: {page_1:.1f} ms "
            f"({page_n / page_1:.2f}×)",
            page_n <= 2 * page_1,
        )
    cursor_pages = [key for key in deep["results"] if key.startswith("api cursor page")]
    if cursor_pages:
        cursor_ms = deep["results"][cursor_pages[0]]["median_ms"]
        add(
            "deep-pages",
            "cursor pagination available, deep page ≤ 2× page 1",
            f"{cursor_pages[0]}: {cursor_ms:.1f} ms ({cursor_ms / page_1:.2f}×)",
            cursor_ms <= 2 * page_1,
        )
    else:
        add("deep-pages", "cursor pagination available", deep["cursor_note"], None)
    return targets


# --- Putting it together ----------------------------------------------------------------------


def machine(database_url_: str) -> dict:
    import django
    import rest_framework
    from django.db import connection

    cpu_model = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        cpu_model = found[1].strip() if found else ""
    except OSError:
        pass
    if connection.vendor == "sqlite":
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if commit and changed:
        commit += " with uncommitted changes"
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "djangorestframework": rest_framework.VERSION,
        "database": database,
        "database_url": re.sub(r"//[^@/]*@", "//", database_url_),
        "commit": commit,
    }


def dataset() -> dict:
    from options import models

    return {
        name: model.objects.count()
        for name, model in [
            ("topics", models.Topic),
            ("stakeholders", models.Stakeholder),
            ("options", models.PolicyOption),
            ("positions", models.Position),
            ("position disputes", models.PositionDispute),
            ("sanction measures", models.SanctionMeasure),
            ("events", models.Event),
        ]
    }


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--size", choices=["default", "million", "small", "tiny"], default="default"
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--http", action="store_true", help="Also measure over HTTP (gunicorn + wrk)."
    )
    parser.add_argument("--requests", type=int, default=100, help="Requests per URL in-process.")
    parser.add_argument("--seconds", type=float, default=10, help="Seconds per URL over HTTP.")
    parser.add_argument("--output", type=Path, default=BENCH_DIR, help="Where results.* go.")
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / ".data", help="SQLite files.")
    parser.add_argument(
        "--prepare-only", action="store_true", help="Prepare the database, measure nothing."
    )
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        url = setup_django(args.database, args.size, args.data_dir)
        from django.db import connection

        from bench import data, report

        log(f"Preparing the {args.size} dataset on {connection.vendor}")
        preparation = data.prepare(args.size, stdout=sys.stderr)
        log(f"Prepared: {preparation}")
        if args.prepare_only:
            return 0
        page = data.PAGE_BY_SIZE.get(args.size, data.PAGE)
        scenarios = data.scenarios(page)
        results = {
            "meta": {
                **machine(url),
                "size": args.size,
                "dataset": dataset(),
                "preparation": preparation,
                "requests_per_url": args.requests,
                "load_average_before": [round(load, 2) for load in os.getloadavg()],
                "settings": "bench.settings: throttling off, DEBUG off, persistent connections",
            },
            "scenarios": {
                s.name: {"title": s.title, "detail": s.detail, **s.variants()} for s in scenarios
            },
        }
        log("Measuring in-process")
        results["in_process"] = in_process(scenarios, args.requests)
        results["query_counts"] = query_counts(scenarios, page)
        results["deep_pages"] = deep_pages(args.requests, page)
        results["targets"] = evaluate_targets(results, connection.vendor)
        if args.http:
            log("Measuring over HTTP")
            # gunicorn's workers open their own connections.
            connection.close()
            results["http"] = over_http(scenarios, args.seconds, url)
        results["meta"]["load_average_after"] = [round(load, 2) for load in os.getloadavg()]
        results["meta"]["duration_seconds"] = round(time.perf_counter() - started, 1)
    except BenchError as error:
        log(f"bench: {error}")
        return 1
    suffix = ("" if args.database == "sqlite" else "-pg") + (
        "" if args.size == "default" else f"-{args.size}"
    )
    args.output.mkdir(parents=True, exist_ok=True)
    json_path = args.output / f"results{suffix}.json"
    markdown_path = args.output / f"results{suffix}.md"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    markdown_path.write_text(report.markdown(results))
    log(f"Wrote {json_path} and {markdown_path} in {results['meta']['duration_seconds']} s")
    unmet = [t for t in results["targets"] if t["met"] is False]
    log(f"Targets: {sum(t['met'] is True for t in results['targets'])} met, {len(unmet)} not met")
    return 0


if __name__ == "__main__":
    sys.exit(main())

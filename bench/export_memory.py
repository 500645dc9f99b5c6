"""
`python -m bench.export_memory`: how much memory a gunicorn worker takes to stream the CSV export
of every position (`GET /api/v1/positions/export.csv`). Run by hand; see bench/README.md,
"CSV export memory".

    python -m bench.export_memory [--database sqlite|postgres] [--size default|small|tiny]
                                  [--database-url URL] [--query QUERY] [--interval SECONDS]

It starts gunicorn with bench.settings and one sync worker on the benchmark's database (the one
`python -m bench.run` prepares, or any other given by --database-url), warms the worker up with
an export that keeps no position, then downloads the whole export, reading it a megabyte at a
time and counting its rows with the csv module. Meanwhile it samples the worker's resident
memory (VmRSS in /proc/<pid>/status) every few milliseconds. It reports the worker's memory
before, its peak (the kernel's own high-water mark, VmHWM, which no sampling can miss), the
rows, the megabytes and the seconds (and those to the first byte), and checks that every
position came. Linux only (/proc).
"""

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bench.run import BENCH_DIR, ROOT, database_url, free_port, log, wait_until_up

EXPORT = "/api/v1/positions/export.csv"
NO_POSITION = "as_of_before=0001-01-01"  # the warm-up's filter: the header row alone
READ_SIZE = 1 << 20


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (resident at most, so far) of process `pid`, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(value.split()[0])
    return values


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`: gunicorn's workers, for its master."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:  # gone meanwhile
            continue
        for line in status.splitlines():
            if line.startswith("PPid:"):
                if int(line.split()[1]) == pid:
                    found.append(int(entry.name))
                break
    return found


class Sampler(threading.Thread):
    """Samples the resident memory of a process until stopped; keeps the highest."""

    def __init__(self, pid: int, interval: float):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb, self.samples = 0, 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak_kb = max(self.peak_kb, memory_kb(self.pid)["VmRSS"])
            self.samples += 1
            time.sleep(self.interval)

    def stop(self):
        self.done.set()
        self.join()


class CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read from `stream`."""

    def __init__(self, stream):
        self.stream, self.bytes = stream, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = self.stream.readinto(buffer)
        self.bytes += count
        return count


def download(url: str) -> dict:
    """GET the export at `url`, a megabyte at a time; count its rows (the header row aside)."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        first_byte = time.perf_counter() - started
        counted = CountingReader(response)
        text = io.TextIOWrapper(
            io.BufferedReader(counted, READ_SIZE), encoding="utf-8-sig", newline=""
        )
        reader = csv.reader(text)
        header = next(reader)
        rows = sum(1 for _ in reader)
    return {
        "header": header,
        "rows": rows,
        "megabytes": round(counted.bytes / 1e6, 1),
        "seconds": round(time.perf_counter() - started, 2),
        "first_byte_seconds": round(first_byte, 2),
    }


def with_query(url: str, query: str, extra: str) -> str:
    """`url` with the query string `query` (`?…` or empty) and the parameters `extra` after it."""
    return f"{url}{query}{'&' if query else '?'}{extra}"


def count_positions(base: str, query: str) -> int:
    """How many positions the export should give: the list's `count`, over HTTP."""
    with urllib.request.urlopen(
        with_query(f"{base}/api/v1/positions/", query, "limit=1")
    ) as answer:
        return json.load(answer)["count"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.export_memory", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--size", choices=["default", "small", "tiny"], default="default")
    parser.add_argument(
        "--database-url",
        help="Any other database, e.g. postgres://postgres@127.0.0.1:5432/policytracker_bench_1m "
        "(instead of --database and --size).",
    )
    parser.add_argument("--query", default="", help="Filters for the export, e.g. ?basis=stated.")
    parser.add_argument("--interval", type=float, default=0.01, help="Seconds between samples.")
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / ".data", help="SQLite files.")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    url = args.database_url or database_url(args.database, args.size, args.data_dir)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        log(f"No database at {url}: prepare it with `python -m bench.run --prepare-only`.")
        return 1
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "policytracker.wsgi:application",
        "--workers",
        "1",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        # A sync worker is killed after this long in one request: longer than any export.
        "--timeout",
        "1200",
    ]
    log(f"gunicorn, 1 worker, on {base}; database {url}")
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_until_up(base, server)
        (worker,) = children(server.pid)
        expected = count_positions(base, args.query)
        warm_up = download(with_query(f"{base}{EXPORT}", args.query, NO_POSITION))
        before = memory_kb(worker)
        log(f"Worker {worker}: {before['VmRSS'] / 1024:.1f} MB before; exporting {expected} rows")
        sampler = Sampler(worker, args.interval)
        sampler.start()
        try:
            result = download(f"{base}{EXPORT}{args.query}")
        finally:
            sampler.stop()
        after = memory_kb(worker)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = {
        "database": url.split("@")[-1],
        "query": args.query,
        "rows": result["rows"],
        "expected_rows": expected,
        "megabytes": result["megabytes"],
        "seconds": result["seconds"],
        "first_byte_seconds": result["first_byte_seconds"],
        "rows_per_second": round(result["rows"] / result["seconds"]),
        "worker_rss_before_mb": round(before["VmRSS"] / 1024, 1),
        "worker_rss_peak_mb": round(after["VmHWM"] / 1024, 1),
        "worker_rss_peak_sampled_mb": round(sampler.peak_kb / 1024, 1),
        "worker_rss_after_mb": round(after["VmRSS"] / 1024, 1),
        "samples": sampler.samples,
    }
    print(json.dumps(report, indent=2))
    if warm_up["rows"] != 0 or result["rows"] != expected:
        log(f"Expected {expected} rows (and none in the warm-up): the export is incomplete.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

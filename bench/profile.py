"""
`python -m bench.profile`: where the time of one scenario goes, in-process, by cProfile.

    python -m bench.profile [--size default] [--database sqlite] [--url URL] [--requests N]
                            [--sort tottime|cumulative] [--top N]

By default the positions list, page of 100: the functions that take the most time of their own
(`tottime`), over N requests after a warm-up. The database is bench/run.py's (prepared if needed).
"""

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path

from bench.run import BENCH_DIR, setup_django


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument(
        "--size", choices=["default", "million", "small", "tiny"], default="default"
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--url", default="/api/v1/positions/?limit=100")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--sort", choices=["tottime", "cumulative"], default="tottime")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / ".data")
    args = parser.parse_args(argv)

    setup_django(args.database, args.size, args.data_dir)
    from django.test import Client

    from bench import data

    data.prepare(args.size, stdout=io.StringIO())
    client = Client()
    for _ in range(3):
        assert client.get(args.url).status_code == 200
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        client.get(args.url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    print(f"GET {args.url} × {args.requests}, sorted by {args.sort}")
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

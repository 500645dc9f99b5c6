"""
`python -m bench.compare --base REV`: the analysis endpoints of this working tree against those
of an earlier revision, on the same data, measured in the same run: how much slower or faster a
change made them. (bench.run measures one revision against floors; a change to the analysis has
no floor to compare with, only its own past.)

    python -m bench.compare --base REV [--size default|small|tiny] [--rounds N] [--requests N]
                            [--output FILE] [--data-dir DIR]

The base revision is checked out into a temporary git worktree (bench/.compare/), and each side
prepares its own SQLite database from the same generator seed (`bench.run --prepare-only`,
which the base must have: the base's in its own tree, this tree's in `--data-dir`, bench/.data/
by default). Then the
rounds alternate, base then this tree, each a fresh process that times every analysis scenario
`--requests` times after a warm-up: the CPU time a request takes in-process (process_time, which
other work on a shared machine disturbs less than the wall clock), keeping each side's fastest.
The report gives both and their ratio, which is what to read.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / ".compare"
SCENARIOS = ("stance-matrix", "topic-forecast", "timeline-page")

# Run by each side in its own tree: prints {scenario: fastest CPU ms} as JSON.
TIMER = """
import json, os, sys, time
import django
django.setup()
from django.test import Client
from bench import data
names, requests = sys.argv[1].split(","), int(sys.argv[2])
client = Client()
best = {}
for scenario in data.scenarios():
    if scenario.name not in names:
        continue
    for _ in range(2):
        assert client.get(scenario.api).status_code == 200, scenario.api
    times = []
    for _ in range(requests):
        started = time.process_time()
        client.get(scenario.api)
        times.append(time.process_time() - started)
    best[scenario.name] = min(times) * 1000
print(json.dumps(best))
"""


def run(command: list[str], *, cwd: Path, env: dict | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"{' '.join(command)} failed in {cwd}:\n{result.stderr[-3000:]}")
    return result.stdout


def side_environment(tree: Path, data_dir: Path, size: str) -> dict:
    """The environment in which `tree`'s code reads its own prepared database."""
    database = (data_dir / f"{size}.sqlite3").resolve()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONPATH": str(tree),
        "DATABASE_URL": f"sqlite:///{database}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--base", required=True, help="The revision to compare with.")
    parser.add_argument("--size", default="default")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=7)
    parser.add_argument("--output", type=Path, help="Also write the results here, as JSON.")
    parser.add_argument(
        "--data-dir", type=Path, default=BENCH_DIR / ".data", help="This tree's SQLite files."
    )
    args = parser.parse_args()

    base_tree = WORK_DIR / "base"
    if base_tree.exists():
        run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT)
    WORK_DIR.mkdir(exist_ok=True)
    run(["git", "worktree", "add", "--detach", str(base_tree), args.base], cwd=ROOT)
    revision = run(["git", "rev-parse", "--short", args.base], cwd=ROOT).strip()
    try:
        sides = {"base": base_tree, "this tree": ROOT}
        data_dirs = {"base": base_tree / "bench" / ".data", "this tree": args.data_dir.resolve()}
        environments = {}
        for name, tree in sides.items():
            print(f"preparing {name} ({tree})", file=sys.stderr, flush=True)
            env = {**os.environ, "PYTHONPATH": str(tree)}
            env.pop("DATABASE_URL", None)
            prepare = ["--size", args.size, "--data-dir", str(data_dirs[name]), "--prepare-only"]
            run([sys.executable, "-m", "bench.run", *prepare], cwd=tree, env=env)
            environments[name] = side_environment(tree, data_dirs[name], args.size)
        best: dict[str, dict[str, float]] = {name: {} for name in sides}
        for round_ in range(1, args.rounds + 1):
            for name, tree in sides.items():
                output = run(
                    [sys.executable, "-c", TIMER, ",".join(SCENARIOS), str(args.requests)],
                    cwd=tree,
                    env=environments[name],
                )
                for scenario, milliseconds in json.loads(output).items():
                    previous = best[name].get(scenario, float("inf"))
                    best[name][scenario] = min(previous, milliseconds)
            print(f"round {round_} of {args.rounds} done", file=sys.stderr, flush=True)
    finally:
        run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT)

    results = {
        "base": revision,
        "size": args.size,
        "database": "sqlite",
        "date": time.strftime("%Y-%m-%d"),
        "load_average": os.getloadavg(),
        "fastest_cpu_ms": best,
        "ratio": {s: best["this tree"][s] / best["base"][s] for s in SCENARIOS},
    }
    print(f"{'scenario':16s} {'base ' + revision:>14s} {'this tree':>10s} {'ratio':>6s}")
    for scenario in SCENARIOS:
        print(
            f"{scenario:16s} {best['base'][scenario]:11.1f} ms {best['this tree'][scenario]:7.1f}"
            f" ms {results['ratio'][scenario]:6.2f}"
        )
    if args.output:
        args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

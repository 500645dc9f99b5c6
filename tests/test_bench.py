"""The benchmark harness (bench/): the floor baseline answers what the API answers, so that the
ratios to it are honest, and a tiny run writes a result for every scenario.

The benchmarks themselves never run here (`make bench`); this keeps their harness from rotting.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from bench import data, run

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [
    "positions-list",
    "positions-filtered",
    "stakeholders-search",
    "option-detail",
    "stance-matrix",
    "topic-forecast",
    "timeline-page",
]


@pytest.mark.django_db
def test_the_floor_answers_what_the_api_answers(settings):
    settings.ROOT_URLCONF = "bench.urls"
    call_command("generate_synthetic_data", seed=data.SEED, stdout=None, **data.SIZES["tiny"])
    data.add_extras()
    client = Client()

    scenarios = [scenario for scenario in data.scenarios(page=20) if scenario.floor]

    assert [scenario.name for scenario in scenarios] == SCENARIOS[:4]
    for scenario in scenarios:
        assert run.compare_floor(client, scenario, exact=False) == {
            "equal": True,
            "difference": None,
        }
        # Not vacuous: the pages hold positions with disputes, stakeholders with affiliations,
        # an option with measures.
        body = json.loads(client.get(scenario.floor).content)
        assert body.get("results", body.get("measures"))
    page = json.loads(client.get(scenarios[0].floor).content)
    assert any(position["disputes"] for position in page["results"])
    assert page["next"].endswith("/bench/floor/positions/?limit=20&offset=20")


def test_the_floor_may_leave_out_a_field_the_api_gained_but_not_answer_one_it_lacks():
    api = {"results": [{"id": 1, "region": "Andes", "stakeholder": {"display": "A"}}]}
    floor = {"results": [{"id": 1, "stakeholder": {"display": "A"}}]}

    assert run.first_difference(api, floor, shared_only=True) is None
    assert run.first_difference(api, floor) == ".results[0]: keys ['region'] in one only"
    assert (
        run.first_difference(floor, api, shared_only=True)
        == ".results[0]: keys ['region'] in one only"
    )


def test_a_difference_from_the_api_is_reported_with_its_place():
    api = {"results": [{"id": 1, "stakeholder": {"display": "A"}}]}
    floor = {"results": [{"id": 1, "stakeholder": {"display": "B"}}]}

    assert run.first_difference(api, api) is None
    assert run.first_difference(api, floor) == ".results[0].stakeholder.display: 'A' != 'B'"


def test_a_tiny_run_reports_every_scenario_with_numbers(tmp_path):
    """The whole harness, in a fresh SQLite database under tmp_path (the committed results are
    left alone), in-process only."""
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--size",
        "tiny",
        "--requests",
        "2",
        "--output",
        str(tmp_path),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr

    results = json.loads((tmp_path / "results-tiny.json").read_text())
    assert list(results["in_process"]) == SCENARIOS
    for name, scenario in results["in_process"].items():
        variants = scenario["variants"]
        expected = {"api", "floor", "naive"} if name in SCENARIOS[:4] else {"api"}
        assert set(variants) == expected, name
        for result in variants.values():
            assert result["requests"] == 2
            assert result["median_ms"] > 0 and result["p95_ms"] >= result["median_ms"]
            assert result["req_per_s"] > 0 and result["queries"] >= 1
        if "floor" in variants:
            # Reported, exact (make bench); whether it holds is the first test's, on shared fields.
            assert set(scenario["floor_check"]) == {"equal", "difference"}
            assert variants["api"]["x_floor"] > 0 and variants["api"]["x_naive"] > 0
    assert {target["scenario"] for target in results["targets"]} >= {
        "positions-list",
        "stance-matrix",
        "topic-forecast",
        "deep-pages",
    }
    assert results["meta"]["dataset"]["positions"] == data.SIZES["tiny"]["positions"]
    markdown = (tmp_path / "results-tiny.md").read_text()
    assert "| Positions list | API |" in markdown and "## Targets" in markdown


def test_a_tiny_comparison_with_a_revision_reports_every_analysis_scenario(tmp_path):
    """bench.compare against the committed revision, in SQLite databases under tmp_path (the
    base's in a worktree the tool removes afterwards)."""
    output = tmp_path / "compare.json"
    command = [
        *(sys.executable, "-m", "bench.compare", "--base", "HEAD", "--size", "tiny"),
        *("--rounds", "1", "--requests", "1"),
        *("--output", str(output), "--data-dir", str(tmp_path / "data")),
    ]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert finished.returncode == 0, finished.stderr

    results = json.loads(output.read_text())
    analyses = ["stance-matrix", "topic-forecast", "timeline-page"]
    for side in ("base", "this tree"):
        assert sorted(results["fastest_cpu_ms"][side]) == sorted(analyses)
        assert all(ms > 0 for ms in results["fastest_cpu_ms"][side].values())
    assert sorted(results["ratio"]) == sorted(analyses)
    assert not (ROOT / "bench" / ".compare" / "base").exists()

"""KTAB's Spatial Model of Politics (options/analysis/smp.py) against KTAB's own runs, KTAB's CSV
files (options/analysis/ktab_csv.py) and `manage.py run_smp`. The references and how they were
made: tests/data/ktab/README.md."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from options.analysis import smp
from options.analysis.ktab_csv import (
    format_ktab_csv,
    parse_ktab_csv,
    read_ktab_csv,
    write_ktab_csv,
)
from options.analysis.smp import SMPError, SMPInput, SMPParameters, smp_run

DATA = Path(__file__).resolve().parent.parent / "data" / "ktab"
TOLERANCE = 1e-6

# scenario → KTAB's reference run (smpc, default parameters)
REFERENCES = {
    "dummyData_3Dim": "dummyData_3Dim",
    "dummyData_3Dim-no-final-comma": "dummyData_3Dim",
    "SOE-Policy": "SOE-Policy",
    "SOE-Pol-Comp": "SOE-Pol-Comp",
    "SOE-Competitive": "SOE-Competitive",
    "SOE-Competitive-reversed": "SOE-Competitive-reversed",
    "dummyData_6Dim": "dummyData_6Dim",
    "dummyData-a040": "dummyData-a040",
    "dummyData-a080": "dummyData-a080",
    "dummyData-a160": "dummyData-a160",
}

# smpc on dummyData_3Dim with one option changed (an XML scenario's ModelParameters): KTAB's
# option → the field of SMPParameters and its enum; KTAB's names of the values → ours
OPTIONS = {
    "VotingRule": ("voting_rule", smp.VotingRule),
    "VictoryProbModel": ("victory_model", smp.VPModel),
    "PCEModel": ("pce_model", smp.PCEModel),
    "BigRAdjust": ("risk_adjust", smp.BigRAdjust),
    "BigRRange": ("risk_range", smp.BigRRange),
    "ThirdPartyCommit": ("third_party", smp.ThirdPartyCommit),
    "InterVecBrgn": ("interpolation", smp.InterVecBrgn),
}
VALUE_NAMES = {
    "PropBin": "PROP_BIN",
    "PropCbc": "PROP_CBC",
    "ASymProsp": "ASYM_PROSP",
    "MarkovIncentive": "MARKOV_INCENTIVE",
    "MarkovUniform": "MARKOV_UNIFORM",
    "TwoThirds": "TWO_THIRDS",
    "NoCommit": "NO_COMMIT",
    "FullCommit": "FULL_COMMIT",
    "S2PMax": "S2PMAX",
}


def reference(name: str) -> dict:
    return json.loads((DATA / f"{name}.positions.json").read_text())


def scenario(name: str) -> SMPInput:
    return read_ktab_csv(DATA / f"{name}.csv")


def max_difference(positions, expected) -> float:
    return float(np.max(np.abs(np.array(positions) - np.array(expected))))


@pytest.mark.parametrize("name", list(REFERENCES))
def test_matches_ktab(name):
    expected = reference(REFERENCES[name])
    history = smp_run(scenario(name))
    assert history.rounds == expected["rounds"]
    assert len(history.positions) == expected["rounds"] + 1
    assert list(history.actors) == expected["actors"]
    assert list(history.dimensions) == expected["dimensions"]
    assert np.array(history.positions).shape == np.array(expected["positions"]).shape
    assert max_difference(history.positions, expected["positions"]) <= TOLERANCE


def option_cases():
    for path in sorted((DATA / "options").glob("dummyData_3Dim__*.positions.json")):
        variant = path.name.removeprefix("dummyData_3Dim__").removesuffix(".positions.json")
        key, value = variant.split("-")
        field, enum = OPTIONS[key]
        yield pytest.param(path, {field: enum[VALUE_NAMES.get(value, value.upper())]}, id=variant)


@pytest.mark.parametrize(("path", "options"), list(option_cases()))
def test_options_match_ktab(path, options):
    expected = json.loads(path.read_text())
    history = smp_run(scenario("dummyData_3Dim"), SMPParameters(**options))
    assert history.rounds == expected["rounds"]
    assert max_difference(history.positions, expected["positions"]) <= TOLERANCE


def test_every_option_has_a_reference():
    assert len(list(option_cases())) == 20


def test_full_risk_adjustment_stops_as_ktab_does():
    """smpc refuses it: h's estimates of the utilities would be the actors' own."""
    params = SMPParameters(risk_adjust=smp.BigRAdjust.FULL)
    with pytest.raises(SMPError, match="Estimate of change in utility by h"):
        smp_run(scenario("dummyData_3Dim"), params)


def test_the_first_state_is_the_input_and_moves_are_on_ktabs_grid():
    """KTAB rounds a bargain's coordinates to 4 decimals on its 0–1 scale."""
    inp = scenario("SOE-Pol-Comp")
    positions = np.array(smp_run(inp).positions)
    assert np.array_equal(positions[0], np.array(inp.positions) / 100 * 100)
    moved = positions[1:][positions[1:] != positions[0]]
    assert moved.size
    assert np.allclose(moved * 100, np.round(moved * 100), atol=1e-8, rtol=0)
    assert ((0 <= positions) & (positions <= 100)).all()


@pytest.mark.parametrize("name", ["dummyData_3Dim", "SOE-Policy", "SOE-Competitive"])
def test_stopping_rule(name):
    """Stop at the first round from 2 on that moves less than 2 % of round 1 (+1e-4)."""
    states = np.array(smp_run(scenario(name)).positions) / 100

    def moved(t):
        return np.linalg.norm(states[t] - states[t - 1], axis=1).sum()

    ratios = [moved(t) / (moved(1) + 1e-4) for t in range(1, len(states))]
    assert all(ratio >= 0.02 for ratio in ratios[1:-1])
    assert ratios[-1] < 0.02


def test_identical_actors_stay_and_stop_after_two_rounds():
    """KTAB's risk attitudes are NaN here (p_max = p_min), so nobody challenges: no move, and
    the stopping rule ends the run at round 2 (KTAB's smpc runs the same two rounds)."""
    inp = SMPInput(["A", "B", "C"], ["x", "y"], [10, 10, 10], [[40, 60]] * 3, [[50, 30]] * 3)
    history = smp_run(inp)
    assert history.rounds == 2
    assert history.positions == [[[40.0, 60.0]] * 3] * 3


def test_actors_on_one_point_stay_whatever_their_weights():
    inp = SMPInput(
        ["A", "B", "C", "D"],
        ["x", "y"],
        [10, 20, 35, 5],
        [[40, 60]] * 4,
        [[50, 30], [20, 70], [10, 5], [90, 10]],
    )
    history = smp_run(inp)
    assert history.rounds == 2
    assert all(state == [[40.0, 60.0]] * 4 for state in history.positions)


@pytest.mark.parametrize("factor", [10.0, 0.37])
@pytest.mark.parametrize("name", ["dummyData_3Dim", "SOE-Policy"])
def test_capabilities_scale_invariance(name, factor):
    """Only the ratios of capabilities matter (KTAB gives the same bit for bit on these two)."""
    inp = scenario(name)
    scaled = SMPInput(
        inp.actors,
        inp.dimensions,
        [c * factor for c in inp.capabilities],
        inp.positions,
        inp.saliences,
    )
    expected = reference(name)
    history = smp_run(scaled)
    assert history.rounds == expected["rounds"]
    assert max_difference(history.positions, expected["positions"]) <= TOLERANCE


def test_actor_order_matters_only_through_ktabs_own_order():
    """Relabelling the actors relabels the history on most inputs, but not on all: KTAB sums
    votes in actor order, and SOE-Competitive reversed ends elsewhere, in KTAB as here."""
    inp = scenario("dummyData_3Dim")
    order = [3, 0, 6, 2, 5, 1, 4]
    shuffled = SMPInput(
        [inp.actors[i] for i in order],
        inp.dimensions,
        [inp.capabilities[i] for i in order],
        [inp.positions[i] for i in order],
        [inp.saliences[i] for i in order],
    )
    positions = np.array(smp_run(shuffled).positions)
    assert np.array_equal(positions, np.array(reference("dummyData_3Dim")["positions"])[:, order])
    forward, backward = reference("SOE-Competitive"), reference("SOE-Competitive-reversed")
    reordered = np.array(backward["positions"])[:, ::-1]
    assert max_difference(forward["positions"], reordered) > 1


THREE = {
    "actors": ["A", "B", "C"],
    "dimensions": ["x"],
    "capabilities": [10, 20, 30],
    "positions": [[40], [50], [10]],
    "saliences": [[50], [60], [10]],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"actors": ["A", "B"], "capabilities": [1, 2], "positions": [[1], [2]]}, "at least 3"),
        ({"capabilities": [10, 0, 10]}, "B: a capability must be positive"),
        ({"capabilities": [10, -1, 10]}, "B: a capability must be within"),
        ({"positions": [[40], [101], [10]]}, "B: a position must be within"),
        ({"saliences": [[50], [0], [10]]}, "B: the saliences must add up to more than 0"),
        ({"positions": [[40, 1], [50, 1], [10, 1]]}, "Expected 3 capabilities"),
        # 57.6 + 7.2 + 35.2 is 100 for KTAB's reader, but 1.0000000000000002 in its model, which
        # stops (an exception in a thread: smpc aborts)
        (
            {
                "dimensions": ["x", "y", "z"],
                "positions": [[1, 2, 3]] * 3,
                "saliences": [[57.6, 7.2, 35.2], [1, 2, 3], [4, 5, 6]],
            },
            r"sj must be in the range",
        ),
    ],
)
def test_input_errors(change, message):
    with pytest.raises(SMPError, match=message):
        smp_run(SMPInput(**(THREE | change)))


# ---------------------------------------------------------------------------------------------
# KTAB's CSV files

GOOD = """Scen,"A scenario, with a comma",3,2,
Actor,Description,Power, Pos A,Sal A,Pos B,Sal B,
A1,First,10,20,30,40,50,
A2,"Second, quoted",20.5,0,100,100,0,
A3,,1e1,50,10,50,10,
"""


def test_reads_ktab_csv():
    inp = parse_ktab_csv(GOOD)
    assert inp.name == "Scen"
    assert inp.description == "A scenario, with a comma"
    assert inp.actors == ("A1", "A2", "A3")
    assert inp.actor_descriptions == ("First", "Second, quoted", "")
    assert inp.dimensions == (" Pos A", "Pos B")  # KTAB keeps the space
    assert inp.capabilities == (10.0, 20.5, 10.0)
    assert inp.positions == ((20.0, 40.0), (0.0, 100.0), (50.0, 50.0))
    assert inp.saliences == ((30.0, 50.0), (100.0, 0.0), (10.0, 10.0))


def test_reads_crlf_trailing_blank_lines_and_no_final_commas():
    text = GOOD.replace(",\n", "\n").replace("\n", "\r\n") + "\r\n,,,,\r\n\r\n"
    assert parse_ktab_csv(text) == parse_ktab_csv(GOOD)
    assert (
        scenario("dummyData_3Dim-no-final-comma").positions == scenario("dummyData_3Dim").positions
    )


@pytest.mark.parametrize("name", ["dummyData_3Dim", "SOE-Pol-Comp", "dummyData-a040"])
def test_csv_round_trip(name, tmp_path):
    inp = scenario(name)
    write_ktab_csv(inp, tmp_path / "x.csv")
    assert read_ktab_csv(tmp_path / "x.csv") == inp
    odd = SMPInput(
        ['Quote "q"', "Comma, c", "Plain"],
        ['Dim "1", first'],
        [1, 2, 3],
        [[1], [2], [3]],
        [[4], [5], [6]],
        name="n, n",
        description='"d"',
        actor_descriptions=["", "d, d", '"'],
    )
    assert parse_ktab_csv(format_ktab_csv(odd)) == odd


def lines_with(line: int, text: str) -> str:
    lines = GOOD.split("\n")
    lines[line - 1] = text
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Line 1: blank, but the scenario line"),
        ("Scen,Desc,3\n", "Line 1: the scenario line needs 4 fields"),
        (lines_with(1, "Scen,Desc,three,2,"), "Line 1: the number of actors .* not 'three'"),
        (lines_with(1, "Scen,Desc,2,2,"), "Line 1: KTAB takes 3 to 250 actors, not 2"),
        (lines_with(1, "Scen,Desc,251,2,"), "Line 1: KTAB takes 3 to 250 actors, not 251"),
        (lines_with(1, "Scen,Desc,3,0,"), "Line 1: there must be at least one dimension"),
        (lines_with(2, "Actor,Description,Power,A,Sal A"), "Line 2: the header .* found 5"),
        (lines_with(3, "A1,First,10,20,30,40"), "Line 3: actor 1 of 3 .* found 6"),
        (lines_with(4, "A2,Second,ten,0,100,100,0"), "Line 4: the capability .* not 'ten'"),
        (lines_with(4, "A2,Second,12abc,0,100,100,0"), "Line 4: the capability .* '12abc'"),
        (lines_with(4, "A2,Second,-3,0,100,100,0"), "Line 4: the capability must be within"),
        (lines_with(5, "A3,,10,50,10,x,10"), r"Line 5: the position on 'Pos B' \(field 6\)"),
        (lines_with(5, "A3,,10,101,10,50,10"), "Line 5: the position in field 4 is not in"),
        (lines_with(5, "A3,,10,50,60,50,50"), "Line 5: the saliences add up to more than 100"),
        (lines_with(5, "A3,,10,50,10,50,-1"), "Line 5: the salience in field 7 is not in"),
        (lines_with(4, ""), "Line 4: blank, but actor 2 of 3"),
        (lines_with(3, ",First,10,20,30,40,50"), "Line 3: an actor's name must have 1 to 25"),
        (lines_with(3, "A" * 26 + ",First,10,20,30,40,50"), "Line 3: an actor's name"),
        ("\n".join(GOOD.split("\n")[:4]), "Line 5: the file ends here, but actor 3 of 3"),
        (GOOD + "A4,Fourth,1,2,3,4,5\n", "Line 6: line 1 declares 3 actors, but more lines"),
    ],
)
def test_csv_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_ktab_csv(text)


def test_csv_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_ktab_csv(tmp_path / "missing.csv")
    (tmp_path / "latin1.csv").write_bytes(GOOD.replace("First", "Prémier").encode("latin-1"))
    with pytest.raises(ValueError, match="not UTF-8"):
        read_ktab_csv(tmp_path / "latin1.csv")


# ---------------------------------------------------------------------------------------------
# manage.py run_smp


def run_smp(*args) -> str:
    out = io.StringIO()
    call_command("run_smp", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("name", ["dummyData_3Dim", "SOE-Policy"])
def test_command_prints_the_reference_shape(name):
    printed = run_smp(str(DATA / f"{name}.csv"))
    assert printed.endswith("\n") and printed.count("\n") == 1
    got, expected = json.loads(printed), reference(name)
    assert list(got) == ["actors", "dimensions", "rounds", "positions"] == list(expected)
    assert got["actors"] == expected["actors"]
    assert got["dimensions"] == expected["dimensions"]
    assert got["rounds"] == expected["rounds"]
    assert max_difference(got["positions"], expected["positions"]) <= TOLERANCE
    # the same text as KTAB's reference file: numbers at full precision, the same layout
    assert printed.rstrip("\n") == (DATA / f"{name}.positions.json").read_text()


def test_command_errors(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.csv"):
        run_smp(str(tmp_path / "missing.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text(lines_with(4, "A2,Second,ten,0,100,100,0"))
    with pytest.raises(CommandError, match="bad.csv: Line 4: the capability"):
        run_smp(str(bad))
    zero = tmp_path / "zero.csv"
    zero.write_text(lines_with(4, "A2,Second,0,0,100,100,0"))
    with pytest.raises(CommandError, match="the model stops: A2: a capability must be positive"):
        run_smp(str(zero))


# ---------------------------------------------------------------------------------------------
# Independent of Django


def test_smp_module_runs_without_django(tmp_path):
    """options/analysis/smp.py loads by its path, outside the project, and imports no Django."""
    path = Path(smp.__file__)
    code = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("smp_alone", {str(path)!r})
module = importlib.util.module_from_spec(spec)
sys.modules["smp_alone"] = module
spec.loader.exec_module(module)
inp = module.SMPInput(["A", "B", "C"], ["x"], [10, 20, 30], [[10], [50], [90]], [[50], [60], [70]])
history = module.smp_run(inp)
assert not any(m == "django" or m.startswith(("django.", "options")) for m in sys.modules), [
    m for m in sys.modules if m.startswith(("django", "options"))
]
print(history.rounds, history.positions[-1])
"""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    rounds = int(result.stdout.split()[0])
    inp = SMPInput(["A", "B", "C"], ["x"], [10, 20, 30], [[10], [50], [90]], [[50], [60], [70]])
    assert rounds == smp_run(inp).rounds >= 2

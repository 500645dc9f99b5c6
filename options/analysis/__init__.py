"""
Analysis: where everyone stood on a topic's options as of a date (matrix), which way each option
is likely to go and how sure that is (forecast), and how it all unfolded (timeline, history).
The rules are written up in docs/analysis.md, with the seed topic as their worked example.

- asof.py: what was known as of a date (positions, disputes, retractions, capabilities, ties);
- evidence.py: which position stands among the bases, divergence, evidence weights;
- changes.py: changes of a stakeholder's effective stance, whatever the bases;
- matrix.py, forecast.py (with actors.py and intervals.py), timeline.py, history.py.

Each entry point reads with a fixed number of queries, whatever the size of the topic.
"""

from options.analysis.asof import ANY_BASIS
from options.analysis.evidence import BASES
from options.analysis.forecast import (
    UNIT_ACTORS,
    UNIT_ALL,
    UNITS,
    Forecast,
    option_forecast,
    topic_forecast,
)
from options.analysis.history import stakeholder_position_history
from options.analysis.matrix import MatrixCell, StanceMatrix, stance_matrix_build
from options.analysis.timeline import Timeline, TimelineEntry, timeline_build

__all__ = [
    "ANY_BASIS",
    "BASES",
    "UNITS",
    "UNIT_ACTORS",
    "UNIT_ALL",
    "Forecast",
    "MatrixCell",
    "StanceMatrix",
    "Timeline",
    "TimelineEntry",
    "option_forecast",
    "stakeholder_position_history",
    "stance_matrix_build",
    "timeline_build",
    "topic_forecast",
]

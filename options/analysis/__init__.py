"""
Analysis: where everyone stood on a topic's options as of a date (matrix), which way each option
is likely to go and how sure that is (forecast), and how it all unfolded (timeline, history).
The rules are written up in docs/analysis.md, with the seed topic as their worked example.

- asof.py: what was known as of a date (positions, disputes, retractions, capabilities, ties);
- evidence.py: which position stands among the bases, divergence, evidence weights;
- changes.py: changes of a stakeholder's effective stance, whatever the bases;
- snapshot.py: what the matrix and the forecast read of a topic, read once;
- matrix.py, forecast.py (with actors.py, intervals.py and weighted.py), timeline.py, history.py;
- scenarios.py: what-if changes applied to a snapshot in memory; sensitivity.py: who could swing
  an option;
- smp.py (with smp_kernel.py): KTAB's Spatial Model of Politics, a bargaining simulation, and
  ktab_csv.py, KTAB's CSV format; independent of Django.

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

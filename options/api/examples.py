"""
Real examples for the documentation of the analysis endpoints: what the server answers on the
seed data (the Venezuela 2019 fixture, loaded into an empty database by `make run`).

Each example's response is stored in `examples/<name>.json`. `tests/api/test_examples.py` checks
that the server still gives exactly that answer; after a deliberate change, rewrite them with
`UPDATE_API_EXAMPLES=1 pytest tests/api/test_examples.py`, then `make schema`.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from drf_spectacular.utils import OpenApiExample

EXAMPLES_DIR = Path(__file__).parent / "examples"
# The address `make run` serves on; the stored responses' links point there.
SERVER = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class SeedExample:
    name: str
    summary: str
    request: str
    # For a paged list, the example is one item (drf-spectacular wraps it in the page).
    first_item: bool = False

    @property
    def path(self) -> Path:
        return EXAMPLES_DIR / f"{self.name}.json"

    def openapi(self) -> OpenApiExample:
        return OpenApiExample(
            self.summary,
            value=json.loads(self.path.read_text(encoding="utf-8")),
            description=f"`GET {self.request}` on the seed data (Venezuela 2019)."
            + (" The first item of the page." if self.first_item else ""),
            response_only=True,
        )


STANCE_MATRIX = SeedExample(
    "stance-matrix",
    "Where everyone stood on 1 May 2019",
    "/api/v1/topics/1/stance-matrix/?as_of=2019-05-01",
)
OPTION_FORECAST = SeedExample(
    "option-forecast",
    "Support for a US military intervention on 1 May 2019",
    "/api/v1/options/4/forecast/?as_of=2019-05-01",
)
TOPIC_FORECAST = SeedExample(
    "topic-forecast",
    "Every option of the Venezuela crisis on 1 May 2019",
    "/api/v1/topics/1/forecast/?as_of=2019-05-01",
)
TIMELINE_EVENT = SeedExample(
    "timeline-event",
    "An event",
    "/api/v1/topics/1/timeline/?from=2019-04-30&to=2019-04-30&limit=1&offset=12",
    first_item=True,
)
TIMELINE_POSITION = SeedExample(
    "timeline-position",
    "A position that changes a stance across bases",
    "/api/v1/topics/1/timeline/?from=2019-04-30&to=2019-04-30&limit=1&offset=17",
    first_item=True,
)
TIMELINE_DISPUTE = SeedExample(
    "timeline-dispute",
    "A dispute",
    "/api/v1/topics/1/timeline/?from=2019-05-01&to=2019-05-01&limit=1&offset=2",
    first_item=True,
)
POSITION_HISTORY = SeedExample(
    "position-history",
    "The defence minister on the transition deal",
    "/api/v1/stakeholders/4/positions/history/?option=transition-deal-amnesty",
)

ALL = [
    STANCE_MATRIX,
    OPTION_FORECAST,
    TOPIC_FORECAST,
    TIMELINE_EVENT,
    TIMELINE_POSITION,
    TIMELINE_DISPUTE,
    POSITION_HISTORY,
]

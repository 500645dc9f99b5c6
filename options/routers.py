"""
Read replicas: the analysis endpoints read from a replica, everything else uses the primary.

With `DATABASE_REPLICA_URL` set, settings add a `replica` database and install
`ReplicaRouter`. `ReplicaReadsMiddleware` (options/middleware.py) marks a request as one whose
reads may go to the replica when it is a GET or HEAD of one of `REPLICA_VIEWS`: the stance
matrix, the forecasts, the timeline, a stakeholder's position history, and the pages that show
the same (the topic list, a topic's page and its SVG, a stakeholder's page). Those read the
tracked data (the `options` app) from the replica. Everything else reads and writes the primary (`default`): every other request, every
write, and accounts, API tokens and sessions always, so that a token works the moment it is
made, whatever the replica's lag.

A replica lags behind the primary (by well under a second when healthy): an analysis may not
yet show a change made a moment ago. docs/deploy.md says more.
"""

from contextvars import ContextVar

from django.db.models import Model

PRIMARY = "default"
REPLICA = "replica"

# The URL names (resolver_match.view_name) whose GET and HEAD requests read from the replica.
REPLICA_VIEWS = frozenset(
    {
        "api:topic-stance-matrix",
        "api:topic-forecast",
        "api:topic-timeline",
        "api:policyoption-forecast",
        "api:stakeholder-position-history",
        "topic-list",
        "topic-page",
        "topic-stance-matrix-svg",
        "stakeholder-page",
    }
)
# The apps whose models those requests read from the replica.
REPLICA_APP_LABELS = frozenset({"options"})

# True while a request of REPLICA_VIEWS runs (set by ReplicaReadsMiddleware).
reads_from_replica: ContextVar[bool] = ContextVar("reads_from_replica", default=False)


class ReplicaRouter:
    """Sends the reads of the tracked data in an analysis request to `replica`, everything else
    to `default`; migrations run on `default` only (the replica copies its schema)."""

    def db_for_read(self, model: type[Model], **hints) -> str:
        if reads_from_replica.get() and model._meta.app_label in REPLICA_APP_LABELS:
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: type[Model], **hints) -> str:
        # Even for an object read from the replica: the replica is read-only.
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool | None:
        # Both hold the same data: an object read from one may refer to one from the other.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == PRIMARY

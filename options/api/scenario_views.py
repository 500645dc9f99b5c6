"""
What-if scenarios on a topic: run one (nothing is written). Thin: the changes are applied and the
forecasts computed in options/analysis/scenarios.py.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from options import models
from options.analysis import scenarios
from options.analysis.snapshot import topic_snapshot
from options.api.permissions import PublicRead
from options.api.serializers.scenarios import (
    ScenarioOutcomeSerializer,
    ScenarioRunSerializer,
)


def scenario_answer(*, topic: models.Topic, query: dict) -> dict:
    """Run the scenario `query` (as the run request's serializer reads it) on `topic`; a 400
    naming the change (by its index) that cannot apply to the topic."""
    snapshot = topic_snapshot(topic_id=topic.id, as_of=query["as_of"])
    try:
        outcome = scenarios.scenario_run(
            snapshot, query["changes"], basis=query["basis"], unit=query["unit"]
        )
    except scenarios.ScenarioError as error:
        raise ValidationError(
            {"changes": {str(error.index): {error.field: [error.message]}}}
        ) from None
    return {"topic": topic, "outcome": outcome, **query}


class ScenarioRunView(generics.GenericAPIView):
    """What if? The forecast of every option of the topic before and after hypothetical
    changes, applied in order: a stakeholder's stance, salience or capability set (on an
    option, or on all), a stakeholder dropped, a hypothetical one added (with its capability
    and positions), an option's status changed. Nothing is written: the data and the audit
    trail are as they were.

    Each option gives its figures `before` and `after`, the `difference`, and `moved_by`: the
    stakeholders the changes name, each with how far its own changes alone move the weighted
    mean, who moved it most first (a hypothetical stakeholder has a negative `id`). A stance
    set keeps the evidence weight of the position that stood (a what-if moves the stance, not
    the evidence); counted by independent actors (`unit=actors`), a stakeholder folded into
    another (a minister into their state) moves nothing unless its whole is changed too.
    `stance_matrix_after` is the matrix with the changes, hypothetical cells marked."""

    queryset = models.Topic.objects.all()
    permission_classes = [PublicRead]
    serializer_class = ScenarioRunSerializer
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="What if: the forecast before and after hypothetical changes",
        request=ScenarioRunSerializer,
        responses=ScenarioOutcomeSerializer,
    )
    def post(self, request, pk: int):
        topic = self.get_object()
        query = self.get_serializer(data=request.data)
        query.is_valid(raise_exception=True)
        answer = scenario_answer(topic=topic, query=query.validated_data)
        return Response(
            ScenarioOutcomeSerializer(answer, context=self.get_serializer_context()).data
        )

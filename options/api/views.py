"""
Views of the REST API: one declarative viewset per collection (NetBox style). Their docstrings
become the descriptions in the OpenAPI schema, so they are written for the reader of the docs.
"""

from django.db import connection
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

import policytracker
from options import models
from options.api import filters, serializers
from options.api.permissions import PublicRead

AFFILIATIONS = models.Affiliation.objects.select_related("subject", "object", "source")
MEASURES = models.SanctionMeasure.objects.select_related(
    "option", "imposing_authority", "target", "source"
)


class TopicViewSet(viewsets.ModelViewSet):
    """Topics are the policy questions inside a crisis ("How to resolve Venezuela's 2019
    presidential crisis?"). Each has policy options, events and stakeholders' influence."""

    queryset = models.Topic.objects.prefetch_related("sources", "options")
    serializer_class = serializers.TopicSerializer
    filterset_class = filters.TopicFilterSet
    search_fields = ["title", "question", "description", "slug"]
    ordering_fields = ["title", "slug", "country", "created", "updated"]


class StakeholderViewSet(viewsets.ModelViewSet):
    """Stakeholders are everyone whose position matters: people, states, government bodies,
    parties, armed forces, blocs, communities, organizations and media. A stakeholder comes with
    its affiliations: ties in which it is the subject (`affiliations`) or the object
    (`incoming_affiliations`). Search looks in the name, the aliases and the description."""

    queryset = models.Stakeholder.objects.prefetch_related(
        "sources",
        Prefetch("affiliations", queryset=AFFILIATIONS),
        Prefetch("incoming_affiliations", queryset=AFFILIATIONS),
    )
    serializer_class = serializers.StakeholderSerializer
    filterset_class = filters.StakeholderFilterSet
    search_fields = ["name", "aliases", "description", "slug"]
    ordering_fields = ["name", "slug", "kind", "country", "created", "updated"]


class AffiliationViewSet(viewsets.ModelViewSet):
    """Affiliations are dated ties between two stakeholders: the subject is a member of, leads,
    holds a post in (with a `role` such as "Defence Minister"), is allied with, or backs the
    object."""

    queryset = AFFILIATIONS
    serializer_class = serializers.AffiliationSerializer
    filterset_class = filters.AffiliationFilterSet
    search_fields = ["subject__name", "object__name", "role", "quote", "notes"]
    ordering_fields = ["start_date", "end_date", "kind", "subject__name", "created", "updated"]


class PolicyOptionViewSet(viewsets.ModelViewSet):
    """Policy options are the courses of action on a topic: sanctions, negotiations (through a
    `venue`, the bloc or group that hosts them), military intervention, transition deals… with
    who proposes them, who would act, and whom they target. A sanctions option lists its
    measures."""

    queryset = models.PolicyOption.objects.select_related(
        "topic", "proposer", "venue"
    ).prefetch_related("actors", "targets", "sources", Prefetch("measures", queryset=MEASURES))
    serializer_class = serializers.PolicyOptionSerializer
    filterset_class = filters.PolicyOptionFilterSet
    search_fields = ["title", "description", "slug"]
    ordering_fields = ["title", "slug", "kind", "status", "start_date", "created", "updated"]


class SanctionMeasureViewSet(viewsets.ModelViewSet):
    """Sanction measures detail a sanctions option: the measure type, the imposing authority,
    the legal basis, the programme code, the target and the dates it was threatened, listed,
    took effect and ended."""

    queryset = MEASURES
    serializer_class = serializers.SanctionMeasureSerializer
    filterset_class = filters.SanctionMeasureFilterSet
    search_fields = ["legal_basis", "programme_code", "description", "target__name"]
    ordering_fields = [
        "threatened_date",
        "listed_date",
        "effective_date",
        "end_date",
        "created",
        "updated",
    ]


class SourceViewSet(viewsets.ModelViewSet):
    """Sources are where facts come from: news reports, analyses, official statements,
    interviews, social media, reports. `cited_in` names the source through which one is known
    second hand; `web_url` is where it can be read."""

    queryset = models.Source.objects.select_related("cited_in")
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilterSet
    search_fields = ["title", "publisher", "author", "notes", "slug"]
    ordering_fields = ["published", "title", "publisher", "created", "updated"]


class PositionViewSet(viewsets.ModelViewSet):
    """Positions are one stakeholder's stance on one option at a date, with evidence.

    `stance` runs from −2 (strongly oppose) to +2 (strongly support). `basis` says how it is
    known: `stated` publicly, `reported` by someone else (`reported_by`), `expected` (an
    analyst's or a party's expectation, e.g. a private commitment) or `revealed` by what the
    stakeholder did. A stakeholder's positions form a history: the newest one with `as_of` on
    or before a date, per basis, is its position as of that date."""

    queryset = models.Position.objects.select_related(
        "stakeholder", "option__topic", "reported_by", "source"
    ).prefetch_related(
        Prefetch(
            "disputes",
            queryset=models.PositionDispute.objects.select_related("disputed_by", "source"),
        )
    )
    serializer_class = serializers.PositionSerializer
    filterset_class = filters.PositionFilterSet
    search_fields = ["stakeholder__name", "option__title", "quote", "summary", "notes"]
    ordering_fields = [
        "as_of",
        "stance",
        "salience",
        "stakeholder__name",
        "option__title",
        "created",
        "updated",
    ]


class EventViewSet(viewsets.ModelViewSet):
    """Events are dated happenings on a topic, with their participants (and roles), related
    options, sources, and how certain they are: `confirmed`, `claimed`, `disputed` or `denied`,
    with who claims (`claimed_by`) and who denies (`denied_by`)."""

    queryset = models.Event.objects.select_related("topic").prefetch_related(
        Prefetch(
            "participations",
            queryset=models.EventParticipant.objects.select_related("stakeholder"),
        ),
        "options",
        "sources",
        "claimed_by",
        "denied_by",
    )
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilterSet
    search_fields = ["title", "description", "location", "slug"]
    ordering_fields = ["date", "title", "certainty", "created", "updated"]


class InfluenceViewSet(viewsets.ModelViewSet):
    """Influences are a stakeholder's capability (0–100) to shape a topic's outcome as of a date,
    with the rationale and source: the weights of the support forecast."""

    queryset = models.Influence.objects.select_related("stakeholder", "topic", "source")
    serializer_class = serializers.InfluenceSerializer
    filterset_class = filters.InfluenceFilterSet
    search_fields = ["stakeholder__name", "rationale"]
    ordering_fields = ["as_of", "capability", "stakeholder__name", "created", "updated"]


class HealthView(APIView):
    """Whether the service can reach its database, and its version. Answers 503 when the
    database is unreachable."""

    permission_classes = [PublicRead]

    @extend_schema(
        summary="Check the service's health",
        responses={
            200: serializers.HealthSerializer,
            503: OpenApiResponse(serializers.HealthSerializer, description="Database down."),
        },
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database_ok = True
        except Exception:  # any failure to reach the database means "unreachable"
            database_ok = False
        body = {
            "status": "ok" if database_ok else "unavailable",
            "database": "ok" if database_ok else "unreachable",
            "version": policytracker.__version__,
        }
        return Response(
            body, status=status.HTTP_200_OK if database_ok else status.HTTP_503_SERVICE_UNAVAILABLE
        )

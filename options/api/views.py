"""
Views of the REST API: one declarative viewset per collection (NetBox style). Their docstrings
become the descriptions in the OpenAPI schema, so they are written for the reader of the docs.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from options import analysis, models
from options.analysis.sensitivity import sensitivity
from options.api import csv_export, examples, filters, serializers
from options.api.bulk import BulkCreateMixin
from options.api.conditional import ConditionalWritesMixin
from options.api.errors import ProblemSerializer
from options.api.filter_backends import (
    allowed_query_parameters,
    read_query,
    reject_unknown_query_parameters,
)
from options.api.history_views import HistoryMixin
from options.api.pagination import LimitOffsetPagination
from options.api.renderers import ORJSONRenderer
from options.api.serializers import analysis as analysis_serializers
from options.api.serializers import forecast as forecast_serializers
from options.api.serializers import sensitivity as sensitivity_serializers
from options.api.serializers.reading import read_queryset

# Analysis endpoints are read-only computations: no filters, and pages only where they list.
ANALYSIS_ACTION = {"methods": ["get"], "filter_backends": [], "pagination_class": None}


class CollectionViewSet(
    BulkCreateMixin, HistoryMixin, ConditionalWritesMixin, viewsets.ModelViewSet
):
    """The base of every collection: CRUD, the audit trail, ETags and If-Match."""


# What each collection's serializer shows, read along (options/api/serializers/reading.py).
AFFILIATIONS = read_queryset(serializers.AffiliationSerializer)
POSITIONS = read_queryset(serializers.PositionSerializer)
EVENTS = read_queryset(serializers.EventSerializer)


class TopicViewSet(CollectionViewSet):
    """Topics are the policy questions inside a crisis ("How to resolve Venezuela's 2019
    presidential crisis?"). Each has policy options, events and stakeholders' influence."""

    queryset = read_queryset(serializers.TopicSerializer)
    serializer_class = serializers.TopicSerializer
    filterset_class = filters.TopicFilterSet
    search_fields = ["title", "question", "description", "slug"]
    ordering_fields = ["title", "slug", "country", "created", "updated"]

    def get_queryset(self):
        if self.action in {"stance_matrix", "forecast", "timeline"}:
            # The analyses show the topic in brief: its sources and options are not needed.
            return models.Topic.objects.all()
        return super().get_queryset()

    @extend_schema(
        summary="Where everyone stood, as of a date",
        parameters=[analysis_serializers.StanceMatrixQuerySerializer],
        responses=analysis_serializers.StanceMatrixSerializer,
        examples=[examples.STANCE_MATRIX.openapi()],
    )
    @action(detail=True, url_path="stance-matrix", **ANALYSIS_ACTION)
    def stance_matrix(self, request, pk=None):
        """Stakeholders × the topic's options, as of `as_of`: only what was known by that date
        counts. A date known only to the month or year counts from the start of its interval
        (a position of "April 2019" counts from 1 April), and the cell says `timing_uncertain`
        while `as_of` lies inside the interval. A position is `disputed` or `retracted` only if
        that happened by `as_of`.

        Each cell is the stakeholder's newest position on the option on the basis asked for; with
        `basis=any` (the default), the one that stands by evidence rank: the stakeholder's own
        deed (`revealed`) and word (`stated`) outrank what others report (`reported`), which
        outranks what is expected (`expected`); a lower-ranked position replaces a higher-ranked
        one only if it is newer and at least as confident. `stances` gives every basis's stance;
        `divergences` every pair of bases on opposite sides or two or more steps apart (the
        defence minister expected to back the deal who denounced it), and `divergent` says
        whether there is any. `evidence_weight` is what the forecast weighs the position by.
        Empty cells are null. Rows are the stakeholders with at least one position in the
        matrix, by name; columns the topic's options, by title."""
        topic = self.get_object()
        query = read_query(analysis_serializers.StanceMatrixQuerySerializer, request)
        matrix = analysis.stance_matrix_build(
            topic_id=topic.id,
            as_of=query["as_of"],
            basis=query["basis"],
            stakeholder_kinds=query["stakeholder_kind"],
        )
        data = {"topic": topic, **vars(matrix)}
        serializer = analysis_serializers.StanceMatrixSerializer(
            data, context=self.get_serializer_context()
        )
        return Response(serializer.data)

    @extend_schema(
        summary="Forecast every option of the topic",
        parameters=[analysis_serializers.ForecastQuerySerializer],
        responses=forecast_serializers.TopicForecastSerializer,
        examples=[examples.TOPIC_FORECAST.openapi()],
    )
    @action(detail=True, url_path="forecast", **ANALYSIS_ACTION)
    def forecast(self, request, pk=None):
        """The support forecast of every option of the topic as of `as_of` (see the option
        forecast for how each is computed). First the **ranked** options, by weighted mean,
        highest first: those still open (proposed, threatened, in force or suspended) whose
        figures rest on at least `method.ranking.min_actors` actors holding at least
        `method.ranking.min_coverage` of the topic's rated capability. Then the others, each
        with its `unranked_reason`, by weighted mean (options nobody weighs on last)."""
        topic = self.get_object()
        query = read_query(analysis_serializers.ForecastQuerySerializer, request)
        forecasts = analysis.topic_forecast(
            topic_id=topic.id, as_of=query["as_of"], basis=query["basis"], unit=query["unit"]
        )
        data = {
            "topic": topic,
            **query,
            "method": forecast_serializers.ForecastMethodSerializer.current(),
            "forecasts": forecasts,
        }
        serializer = forecast_serializers.TopicForecastSerializer(
            data, context=self.get_serializer_context()
        )
        return Response(serializer.data)

    @extend_schema(
        summary="The topic's events, positions, disputes and retractions in date order",
        parameters=[analysis_serializers.TimelineQuerySerializer],
        responses=analysis_serializers.TimelineEntrySerializer(many=True),
        examples=[
            examples.TIMELINE_EVENT.openapi(),
            examples.TIMELINE_POSITION.openapi(),
            examples.TIMELINE_DISPUTE.openapi(),
        ],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="timeline",
        filter_backends=[],
        pagination_class=LimitOffsetPagination,
    )
    def timeline(self, request, pk=None):
        """Events, positions taken, disputes of positions and retractions on the topic, in date
        order (on a date: events, positions, disputes, retractions), paged. Every entry cites
        its sources (the event's `sources`; the position's `source`; the dispute's `source`).

        A position or retraction entry gives the stakeholder's effective position on the option
        just before it (`previous`: stance, basis and date, whatever the basis) and whether the
        effective stance changed (`stance_changed`): the defence minister going from an expected
        +1 to a stated −2 is a change. A position entry also says whether it became the one that
        stands (`effective`: a newer but weaker guess does not). `to` keeps what was known by
        that date (a month-precision date from the start of its month); `from` what may have
        happened on or after it. `stakeholder` keeps those stakeholders' positions (taken,
        disputed or retracted), their disputes of others' positions, and the events they took
        part in, claimed or denied."""
        topic = self.get_object()
        query = read_query(analysis_serializers.TimelineQuerySerializer, request, paged=True)
        stakeholder_ids = list(
            models.Stakeholder.objects.filter(slug__in=query["stakeholder"]).values_list(
                "id", flat=True
            )
        )
        if query["stakeholder"] and not stakeholder_ids:
            raise ValidationError({"stakeholder": ["No stakeholder with these slugs."]})
        entries = analysis.timeline_build(
            topic_id=topic.id,
            date_from=query.get("from"),
            date_to=query.get("to"),
            stakeholder_ids=stakeholder_ids,
            read_positions=POSITIONS,
            read_events=EVENTS,
        )
        page = self.paginate_queryset(entries)
        serializer = analysis_serializers.TimelineEntrySerializer(
            page, many=True, context=self.get_serializer_context()
        )
        return self.get_paginated_response(serializer.data)


class StakeholderViewSet(CollectionViewSet):
    """Stakeholders are everyone whose position matters: people, states, government bodies,
    parties, armed forces, blocs, communities, organizations and media. A stakeholder comes with
    its affiliations: ties in which it is the subject (`affiliations`) or the object
    (`incoming_affiliations`). Search looks in the name, the aliases and the description."""

    # Its affiliations both ways in one query (StakeholderQuerySet.with_affiliations).
    queryset = read_queryset(
        serializers.StakeholderSerializer,
        models.Stakeholder.objects.with_affiliations(AFFILIATIONS),
        read_elsewhere=("affiliations", "incoming_affiliations"),
    )
    serializer_class = serializers.StakeholderSerializer
    filterset_class = filters.StakeholderFilterSet
    search_fields = ["name", "aliases", "description", "slug"]
    ordering_fields = ["name", "slug", "kind", "country", "created", "updated"]

    @extend_schema(
        summary="A stakeholder's positions over time",
        parameters=[analysis_serializers.HistoryQuerySerializer],
        responses=analysis_serializers.PositionHistorySerializer,
        examples=[examples.POSITION_HISTORY.openapi()],
    )
    @action(
        detail=True, url_path="positions/history", url_name="position-history", **ANALYSIS_ACTION
    )
    def position_history(self, request, pk=None):
        """The stakeholder's positions over time: one series per option, every basis, oldest
        first. Each entry gives the stakeholder's effective position on the option just before
        it (`previous`, whatever its basis), whether the effective stance changed, and whether
        the position became the one that stands (`effective`); `changes` counts the changes.
        `option` (slug) or `option_id` keep only those options."""
        stakeholder = self.get_object()
        query = read_query(analysis_serializers.HistoryQuerySerializer, request)
        option_ids = list(query["option_id"])
        if query["option"]:
            option_ids += models.PolicyOption.objects.filter(slug__in=query["option"]).values_list(
                "id", flat=True
            )
            if not option_ids:
                raise ValidationError({"option": ["No option with these slugs."]})
        series = analysis.stakeholder_position_history(
            stakeholder_id=stakeholder.id, option_ids=option_ids, read_positions=POSITIONS
        )
        data = {"stakeholder": stakeholder, "series": series}
        return Response(
            analysis_serializers.PositionHistorySerializer(
                data, context=self.get_serializer_context()
            ).data
        )


class AffiliationViewSet(CollectionViewSet):
    """Affiliations are dated ties between two stakeholders: the subject is a member of, leads,
    holds a post in (with a `role` such as "Defence Minister"), is allied with, or backs the
    object."""

    queryset = AFFILIATIONS
    serializer_class = serializers.AffiliationSerializer
    filterset_class = filters.AffiliationFilterSet
    search_fields = ["subject__name", "object__name", "role", "quote", "notes"]
    ordering_fields = ["start_date", "end_date", "kind", "subject__name", "created", "updated"]


class PolicyOptionViewSet(CollectionViewSet):
    """Policy options are the courses of action on a topic: sanctions, negotiations (through a
    `venue`, the bloc or group that hosts them), military intervention, transition deals… with
    who proposes them, who would act, and whom they target. A sanctions option lists its
    measures."""

    queryset = read_queryset(serializers.PolicyOptionSerializer)
    serializer_class = serializers.PolicyOptionSerializer
    filterset_class = filters.PolicyOptionFilterSet
    search_fields = ["title", "description", "slug"]
    ordering_fields = ["title", "slug", "kind", "status", "start_date", "created", "updated"]

    def get_queryset(self):
        if self.action in {"forecast", "sensitivity"}:
            # The analyses show the option in brief: its related objects are not needed.
            return models.PolicyOption.objects.all()
        return super().get_queryset()

    @extend_schema(
        summary="Forecast the option's support",
        parameters=[analysis_serializers.ForecastQuerySerializer],
        responses=forecast_serializers.OptionForecastSerializer,
        examples=[examples.OPTION_FORECAST.openapi()],
    )
    @action(detail=True, url_path="forecast", **ANALYSIS_ACTION)
    def forecast(self, request, pk=None):
        """Which way the option is likely to go as of `as_of`, by the weighted stances of the
        actors with a position on it then (one each, picked as in the stance matrix), with what
        the figures rest on (`breakdown`) and how sure they are (`interval`). docs/analysis.md
        works an example through.

        - **Actors** (`unit=actors`, the default): a stakeholder that is part of another with
          its own position on the option (a member of it, a post holder or leader in it: the
          Secretary of State in the United States, a member state in its bloc) is folded into it
          and not counted again; `unit=all` counts everyone on their own.
        - **Weight** = capability × salience × evidence weight. Capability is the actor's
          rating on the option as of the date, else on the topic; salience the position's.
          A missing one counts as `method.defaults`, and every actor using a default is listed
          in `defaulted`. The evidence weight is the product of the factors in
          `method.evidence_factors`: the position's confidence, its source's reliability grade,
          whether it was disputed by then; a retracted position weighs nothing.
        - `weighted_mean` is Σ weight × stance / Σ weight; `weighted_median` the stance at which
          the cumulative weight passes half, the midpoint of two stances where it reaches
          exactly half; the shares split the weight by the sign of the stance.
        - `interval`: the central `level` share of seeded Monte Carlo draws over what is
          uncertain (stances by confidence, capability and salience, whether each position
          holds at all by its evidence weight); the same request gives the same answer.
        - `coverage`: the share of the topic's rated capability held by stakeholders with a
          position on the option. `blocs`: for each bloc whose members hold positions, the
          share of their capability on the bloc's side. `pivotal`: the actors whose removal
          alone would flip the sign of the mean or the median, with how far it moves the mean.
        - `ranked` and `unranked_reason` say whether the topic forecast ranks the option."""
        option = self.get_object()
        query = read_query(analysis_serializers.ForecastQuerySerializer, request)
        forecast = analysis.option_forecast(
            option=option, as_of=query["as_of"], basis=query["basis"], unit=query["unit"]
        )
        serializer = forecast_serializers.OptionForecastSerializer(
            forecast, context=self.get_serializer_context()
        )
        return Response(serializer.data)

    @extend_schema(
        summary="Who could swing the option",
        parameters=[analysis_serializers.ForecastQuerySerializer],
        responses=sensitivity_serializers.SensitivitySerializer,
    )
    @action(detail=True, url_path="sensitivity", **ANALYSIS_ACTION)
    def sensitivity(self, request, pk=None):
        """Who could swing the option as of `as_of`, answered for every actor counted in its
        forecast (same `basis` and `unit`): how far the weighted mean moves if the actor's
        stance moves one step either way (`mean_if_up`, `mean_if_down`; its `weight_share` is
        the size of a step), and the nearest stance at which the actor alone would flip the
        sign of the mean (`flip_to`, `steps_to_flip`). `smallest_flips` names the actors that
        flip it in the fewest steps: the exhaustive answer to "who could swing this?", where
        the forecast's `pivotal` only asks whether removing an actor would. An actor folded
        into another (`unit=actors`) is not listed: its whole counts for it."""
        option = self.get_object()
        query = read_query(analysis_serializers.ForecastQuerySerializer, request)
        forecast = analysis.option_forecast(
            option=option, as_of=query["as_of"], basis=query["basis"], unit=query["unit"]
        )
        serializer = sensitivity_serializers.SensitivitySerializer(
            sensitivity(forecast), context=self.get_serializer_context()
        )
        return Response(serializer.data)


class SanctionMeasureViewSet(CollectionViewSet):
    """Sanction measures detail a sanctions option: the measure type, the imposing authority,
    the legal basis, the programme code, the target and the dates it was threatened, listed,
    took effect and ended."""

    queryset = read_queryset(serializers.SanctionMeasureSerializer)
    serializer_class = serializers.SanctionMeasureSerializer
    filterset_class = filters.SanctionMeasureFilterSet
    search_fields = ["legal_basis", "programme_code", "description", "quote", "target__name"]
    ordering_fields = [
        "threatened_date",
        "listed_date",
        "effective_date",
        "end_date",
        "created",
        "updated",
    ]


class SourceViewSet(CollectionViewSet):
    """Sources are where facts come from: news reports, analyses, official statements,
    interviews, social media, reports. `cited_in` names the source through which one is known
    second hand; `web_url` is where it can be read."""

    queryset = read_queryset(serializers.SourceSerializer)
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilterSet
    search_fields = ["title", "publisher", "author", "notes", "slug"]
    ordering_fields = ["published", "title", "publisher", "created", "updated"]


class PositionViewSet(CollectionViewSet):
    """Positions are one stakeholder's stance on one option at a date, with evidence.

    `stance` runs from −2 (strongly oppose) to +2 (strongly support). `basis` says how it is
    known: `stated` publicly, `reported` by someone else (`reported_by`), `expected` (an
    analyst's or a party's expectation, e.g. a private commitment) or `revealed` by what the
    stakeholder did. A stakeholder's positions form a history: the newest one with `as_of` on
    or before a date, per basis, is its position as of that date."""

    queryset = POSITIONS
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

    @extend_schema(
        summary="Export positions as CSV",
        operation_id="positions_export_csv",
        filters=True,
        parameters=[csv_export.CONTENT_DISPOSITION_HEADER],
        responses={
            (200, csv_export.CSVRenderer.media_type): OpenApiResponse(
                OpenApiTypes.STR, description="The CSV file."
            ),
            (406, ORJSONRenderer.media_type): OpenApiResponse(
                ProblemSerializer,
                description="The `Accept` header leaves out `text/csv`, the file's format.",
            ),
        },
    )
    def export_csv(self, request):
        """Every position the list would give, with the same filters, `search` and `ordering`
        (without pages), as a CSV file for a spreadsheet or for the admin's import. The file is
        streamed as it is read from the database: a million positions download in the memory of
        a few thousand.

        A header row, then one row per position: `id`; `stakeholder`, `topic`, `option`,
        `reported_by` and `source` by slug (the columns the admin's import takes; an option's
        slug is unique within its topic only); `stance` (−2 … 2) and `stance_label`; `basis`;
        `as_of` (YYYY-MM-DD) and `as_of_precision`; `salience` (empty when unknown);
        `confidence`; `quote`, `summary` and `notes`; `retracted_on` (YYYY-MM-DD, empty when not
        retracted) and `retracted_precision`;
        `created` and `updated` (UTC, ISO 8601, as in JSON) and `version`.

        UTF-8 with a byte order mark (without it Excel garbles accented names), comma-separated,
        quoted as RFC 4180 says, CRLF line ends. A `quote`, `summary` or `notes` that begins with
        `=`, `+`, `-`, `@`, a tab or a carriage return, which a spreadsheet would run as a
        formula, is written with an apostrophe before it (OWASP's advice against CSV
        injection), and so is one that begins with apostrophes before one of those: strip it
        when reading the file as data (the admin's import does). Numbers and slugs are written
        as they are. Sent as an attachment named after the day, `positions-YYYY-MM-DD.csv`; errors
        are JSON problem details, as everywhere."""
        reject_unknown_query_parameters(request, allowed_query_parameters(self))
        positions = self.filter_queryset(self.get_queryset())
        return csv_export.positions_response(positions, head=request.method == "HEAD")


# The CSV export's address ends in its file name, as the other exports' do (options/api/urls.py):
# a route of its own rather than the router's, which would end it with a slash.
position_export_csv = PositionViewSet.as_view(
    {"get": "export_csv"}, pagination_class=None, renderer_classes=[csv_export.CSVRenderer]
)


class EventViewSet(CollectionViewSet):
    """Events are dated happenings on a topic, with their participants (and roles), related
    options, sources, and how certain they are: `confirmed`, `claimed`, `disputed` or `denied`,
    with who claims (`claimed_by`) and who denies (`denied_by`)."""

    queryset = EVENTS
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilterSet
    search_fields = ["title", "description", "location", "slug"]
    ordering_fields = ["date", "title", "certainty", "created", "updated"]


class InfluenceViewSet(CollectionViewSet):
    """Influences are a stakeholder's capability (0–100) to shape a topic's outcome as of a date,
    with the rationale and source: the weights of the support forecast."""

    queryset = read_queryset(serializers.InfluenceSerializer)
    serializer_class = serializers.InfluenceSerializer
    filterset_class = filters.InfluenceFilterSet
    search_fields = ["stakeholder__name", "rationale"]
    ordering_fields = ["as_of", "capability", "stakeholder__name", "created", "updated"]

"""
The `floor` baseline: the least work that produces the same JSON as the real endpoint.

Plain Django views: one `.values_list()` query per kind of row, with the related objects' labels
joined, a page envelope built by hand, and orjson. They answer exactly what the API answers
(bench/run.py and tests/test_bench.py compare the two) and nothing else: they validate nothing,
check no permission and take only the query parameters of the benchmark's scenarios.

What a floor view knows of the API (the brief objects' `display` is the model's `__str__`: a
stakeholder's name, an option's, topic's or source's title; `version` where the API's serializer
lists it) is what the comparison checks.
"""

import orjson
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from rest_framework.utils.urls import remove_query_param, replace_query_param

from options import models
from options.api import serializers

MAX_LIMIT = 500  # as options.api.pagination.LimitOffsetPagination
DEFAULT_LIMIT = 50
STANCE_LABELS = {stance.value: stance.label for stance in models.Position.Stance}
_PK = 987654321  # stands for the id in a reversed URL


def _with_version(serializer_class, columns: tuple[str, ...]) -> tuple[str, ...]:
    """`columns`, and `version` last when the API shows it (its ETag). The rows are read as
    `(…, updated, *version)`: `version` is then [] or [the version]."""
    return (*columns, "version") if "version" in serializer_class.Meta.fields else columns


def json_response(data) -> HttpResponse:
    # OPT_UTC_Z: "…Z" for UTC datetimes, as DRF writes them.
    return HttpResponse(
        orjson.dumps(data, option=orjson.OPT_UTC_Z), content_type="application/json"
    )


class Urls:
    """Absolute detail URLs, reversed once per request rather than once per object."""

    def __init__(self, request):
        self.request = request
        self.templates: dict[str, tuple[str, str]] = {}

    def __call__(self, view_name: str, pk: int) -> str:
        try:
            prefix, suffix = self.templates[view_name]
        except KeyError:
            url = self.request.build_absolute_uri(reverse(view_name, args=[_PK]))
            prefix, _, suffix = url.rpartition(str(_PK))
            self.templates[view_name] = prefix, suffix
        return f"{prefix}{pk}{suffix}"

    def stakeholder(self, pk, slug, name, kind) -> dict | None:
        if pk is None:
            return None
        url = self("api:stakeholder-detail", pk)
        return {"id": pk, "url": url, "slug": slug, "display": name, "kind": kind}

    def source(self, pk, slug, title) -> dict | None:
        if pk is None:
            return None
        return {"id": pk, "url": self("api:source-detail", pk), "slug": slug, "display": title}

    def option(self, pk, slug, title) -> dict:
        return {
            "id": pk,
            "url": self("api:policyoption-detail", pk),
            "slug": slug,
            "display": title,
        }

    def topic(self, pk, slug, title) -> dict:
        return {"id": pk, "url": self("api:topic-detail", pk), "slug": slug, "display": title}


def _version(version: list) -> dict:
    return {"version": version[0]} if version else {}


def _number(request, name: str, default: int) -> int:
    value = request.GET.get(name)
    return int(value) if value else default


def page(request, queryset, build) -> HttpResponse:
    """A limit/offset page of `queryset` as the API gives it: `count`, `next`, `previous`, and
    `results` made by `build(queryset_slice)`."""
    limit = min(_number(request, "limit", DEFAULT_LIMIT), MAX_LIMIT)
    offset = _number(request, "offset", 0)
    count = queryset.count()
    results = build(queryset[offset : offset + limit]) if count and offset <= count else []
    url = request.build_absolute_uri()
    next_url = previous_url = None
    if offset + limit < count:
        next_url = replace_query_param(
            replace_query_param(url, "limit", limit), "offset", offset + limit
        )
    if offset > 0:
        previous_url = replace_query_param(url, "limit", limit)
        if offset - limit <= 0:
            previous_url = remove_query_param(previous_url, "offset")
        else:
            previous_url = replace_query_param(previous_url, "offset", offset - limit)
    return json_response(
        {"count": count, "next": next_url, "previous": previous_url, "results": results}
    )


# --- Positions ----------------------------------------------------------------------------------

POSITION_COLUMNS = (
    "id",
    "stakeholder_id",
    "stakeholder__slug",
    "stakeholder__name",
    "stakeholder__kind",
    "option_id",
    "option__slug",
    "option__title",
    "option__topic_id",
    "option__topic__slug",
    "option__topic__title",
    "stance",
    "basis",
    "reported_by_id",
    "reported_by__slug",
    "reported_by__name",
    "reported_by__kind",
    "as_of",
    "as_of_precision",
    "salience",
    "confidence",
    "source_id",
    "source__slug",
    "source__title",
    "quote",
    "summary",
    "notes",
    "retracted_on",
    "retracted_precision",
    "created",
    "updated",
)
POSITION_COLUMNS = _with_version(serializers.PositionSerializer, POSITION_COLUMNS)
DISPUTE_COLUMNS = (
    "position_id",
    "id",
    "disputed_by_id",
    "disputed_by__slug",
    "disputed_by__name",
    "disputed_by__kind",
    "date",
    "date_precision",
    "source_id",
    "source__slug",
    "source__title",
    "quote",
    "notes",
)


def positions(request) -> HttpResponse:
    """`/api/v1/positions/` with the filters `stakeholder` (slug), `basis`, `as_of_after` and
    `as_of_before`. Three queries: the count, the page, the page's disputes."""
    queryset = models.Position.objects.all()
    if stakeholders := request.GET.getlist("stakeholder"):
        queryset = queryset.filter(stakeholder__slug__in=stakeholders)
    if bases := request.GET.getlist("basis"):
        queryset = queryset.filter(basis__in=bases)
    if after := request.GET.get("as_of_after"):
        queryset = queryset.filter(as_of__gte=after)
    if before := request.GET.get("as_of_before"):
        queryset = queryset.filter(as_of__lte=before)
    urls = Urls(request)

    def build(rows) -> list[dict]:
        results = []
        for (
            pk,
            stakeholder_id,
            stakeholder_slug,
            stakeholder_name,
            stakeholder_kind,
            option_id,
            option_slug,
            option_title,
            topic_id,
            topic_slug,
            topic_title,
            stance,
            basis,
            reported_by_id,
            reported_by_slug,
            reported_by_name,
            reported_by_kind,
            as_of,
            as_of_precision,
            salience,
            confidence,
            source_id,
            source_slug,
            source_title,
            quote,
            summary,
            notes,
            retracted_on,
            retracted_precision,
            created,
            updated,
            *version,
        ) in rows.values_list(*POSITION_COLUMNS):
            results.append(
                {
                    "id": pk,
                    "url": urls("api:position-detail", pk),
                    "stakeholder": urls.stakeholder(
                        stakeholder_id, stakeholder_slug, stakeholder_name, stakeholder_kind
                    ),
                    "option": urls.option(option_id, option_slug, option_title),
                    "topic": urls.topic(topic_id, topic_slug, topic_title),
                    "stance": stance,
                    "stance_label": STANCE_LABELS[stance],
                    "basis": basis,
                    "reported_by": urls.stakeholder(
                        reported_by_id, reported_by_slug, reported_by_name, reported_by_kind
                    ),
                    "as_of": as_of,
                    "as_of_precision": as_of_precision,
                    "salience": salience,
                    "confidence": confidence,
                    "source": urls.source(source_id, source_slug, source_title),
                    "quote": quote,
                    "summary": summary,
                    "notes": notes,
                    "retracted": retracted_on is not None,
                    "retracted_on": retracted_on,
                    "retracted_precision": retracted_precision,
                    "disputes": [],
                    "created": created,
                    "updated": updated,
                    **_version(version),
                }
            )
        by_id = {result["id"]: result for result in results}
        disputes = models.PositionDispute.objects.filter(position_id__in=by_id)
        for (
            position_id,
            pk,
            disputed_by_id,
            disputed_by_slug,
            disputed_by_name,
            disputed_by_kind,
            date,
            date_precision,
            source_id,
            source_slug,
            source_title,
            quote,
            notes,
        ) in disputes.values_list(*DISPUTE_COLUMNS):
            by_id[position_id]["disputes"].append(
                {
                    "id": pk,
                    "disputed_by": urls.stakeholder(
                        disputed_by_id, disputed_by_slug, disputed_by_name, disputed_by_kind
                    ),
                    "date": date,
                    "date_precision": date_precision,
                    "source": urls.source(source_id, source_slug, source_title),
                    "quote": quote,
                    "notes": notes,
                }
            )
        return results

    return page(request, queryset, build)


# --- Stakeholders -------------------------------------------------------------------------------

STAKEHOLDER_COLUMNS = (
    "id",
    "slug",
    "name",
    "kind",
    "country",
    "aliases",
    "description",
    "wikidata_id",
    "opensanctions_id",
    "created",
    "updated",
)
STAKEHOLDER_COLUMNS = _with_version(serializers.StakeholderSerializer, STAKEHOLDER_COLUMNS)
SEARCH_FIELDS = ("name", "aliases", "description", "slug")  # as the API's StakeholderViewSet
AFFILIATION_COLUMNS = (
    "id",
    "subject_id",
    "subject__slug",
    "subject__name",
    "subject__kind",
    "kind",
    "object_id",
    "object__slug",
    "object__name",
    "object__kind",
    "role",
    "start_date",
    "end_date",
    "source_id",
    "source__slug",
    "source__title",
    "quote",
    "notes",
    "created",
    "updated",
)
AFFILIATION_COLUMNS = _with_version(serializers.AffiliationSerializer, AFFILIATION_COLUMNS)


def stakeholders(request) -> HttpResponse:
    """`/api/v1/stakeholders/?search=`: each term in the name, aliases, description or slug.
    Four queries: the count, the page, the page's sources, its affiliations both ways."""
    queryset = models.Stakeholder.objects.all()
    for term in request.GET.get("search", "").replace(",", " ").split():
        condition = Q()
        for field in SEARCH_FIELDS:
            condition |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(condition)
    urls = Urls(request)

    def build(rows) -> list[dict]:
        results = {}
        for (
            pk,
            slug,
            name,
            kind,
            country,
            aliases,
            description,
            wikidata_id,
            opensanctions_id,
            created,
            updated,
            *version,
        ) in rows.values_list(*STAKEHOLDER_COLUMNS):
            results[pk] = {
                "id": pk,
                "url": urls("api:stakeholder-detail", pk),
                "slug": slug,
                "name": name,
                "kind": kind,
                "country": country,
                "aliases": aliases,
                "description": description,
                "wikidata_id": wikidata_id,
                "opensanctions_id": opensanctions_id,
                "sources": [],
                "affiliations": [],
                "incoming_affiliations": [],
                "created": created,
                "updated": updated,
                **_version(version),
            }
        Through = models.Stakeholder.sources.through
        sources = (
            Through.objects.filter(stakeholder_id__in=results)
            .order_by("-source__published", "source__title")
            .values_list("stakeholder_id", "source_id", "source__slug", "source__title")
        )
        for stakeholder_id, source_id, source_slug, source_title in sources:
            results[stakeholder_id]["sources"].append(
                urls.source(source_id, source_slug, source_title)
            )
        affiliations = models.Affiliation.objects.filter(
            Q(subject_id__in=results) | Q(object_id__in=results)
        )
        for row in affiliations.values_list(*AFFILIATION_COLUMNS):
            affiliation = _affiliation(urls, *row)
            if row[1] in results:
                results[row[1]]["affiliations"].append(affiliation)
            if row[6] in results:
                results[row[6]]["incoming_affiliations"].append(affiliation)
        return list(results.values())

    return page(request, queryset, build)


def _affiliation(
    urls,
    pk,
    subject_id,
    subject_slug,
    subject_name,
    subject_kind,
    kind,
    object_id,
    object_slug,
    object_name,
    object_kind,
    role,
    start_date,
    end_date,
    source_id,
    source_slug,
    source_title,
    quote,
    notes,
    created,
    updated,
    *version,
) -> dict:
    return {
        "id": pk,
        "url": urls("api:affiliation-detail", pk),
        "subject": urls.stakeholder(subject_id, subject_slug, subject_name, subject_kind),
        "kind": kind,
        "object": urls.stakeholder(object_id, object_slug, object_name, object_kind),
        "role": role,
        "start_date": start_date,
        "end_date": end_date,
        "source": urls.source(source_id, source_slug, source_title),
        "quote": quote,
        "notes": notes,
        "created": created,
        "updated": updated,
        **_version(version),
    }


# --- Option detail ------------------------------------------------------------------------------

OPTION_COLUMNS = (
    "id",
    "topic_id",
    "topic__slug",
    "topic__title",
    "slug",
    "title",
    "kind",
    "status",
    "proposer_id",
    "proposer__slug",
    "proposer__name",
    "proposer__kind",
    "venue_id",
    "venue__slug",
    "venue__name",
    "venue__kind",
    "start_date",
    "end_date",
    "description",
    "created",
    "updated",
)
OPTION_COLUMNS = _with_version(serializers.PolicyOptionSerializer, OPTION_COLUMNS)
MEASURE_COLUMNS = (
    "id",
    "measure_type",
    "imposing_authority_id",
    "imposing_authority__slug",
    "imposing_authority__name",
    "imposing_authority__kind",
    "legal_basis",
    "programme_code",
    "target_id",
    "target__slug",
    "target__name",
    "target__kind",
    "threatened_date",
    "listed_date",
    "effective_date",
    "end_date",
    "description",
    "source_id",
    "source__slug",
    "source__title",
    "quote",
    "created",
    "updated",
)
MEASURE_COLUMNS = _with_version(serializers.SanctionMeasureSerializer, MEASURE_COLUMNS)


def option(request, pk: int) -> HttpResponse:
    """`/api/v1/options/{id}/`, with its sanction measures. Five queries: the option (topic,
    proposer and venue joined), its actors, targets, sources and measures."""
    try:
        (
            pk,
            topic_id,
            topic_slug,
            topic_title,
            slug,
            title,
            kind,
            status,
            proposer_id,
            proposer_slug,
            proposer_name,
            proposer_kind,
            venue_id,
            venue_slug,
            venue_name,
            venue_kind,
            start_date,
            end_date,
            description,
            created,
            updated,
            *version,
        ) = models.PolicyOption.objects.values_list(*OPTION_COLUMNS).get(pk=pk)
    except models.PolicyOption.DoesNotExist:
        raise Http404 from None
    urls = Urls(request)
    brief_option = urls.option(pk, slug, title)

    def people(field: str) -> list[dict]:
        Through = getattr(models.PolicyOption, field).through
        rows = (
            Through.objects.filter(policyoption_id=pk)
            .order_by("stakeholder__name")
            .values_list(
                "stakeholder_id", "stakeholder__slug", "stakeholder__name", "stakeholder__kind"
            )
        )
        return [urls.stakeholder(*row) for row in rows]

    Sources = models.PolicyOption.sources.through
    sources = (
        Sources.objects.filter(policyoption_id=pk)
        .order_by("-source__published", "source__title")
        .values_list("source_id", "source__slug", "source__title")
    )
    measures = []
    for (
        measure_id,
        measure_type,
        authority_id,
        authority_slug,
        authority_name,
        authority_kind,
        legal_basis,
        programme_code,
        target_id,
        target_slug,
        target_name,
        target_kind,
        threatened_date,
        listed_date,
        effective_date,
        measure_end_date,
        measure_description,
        source_id,
        source_slug,
        source_title,
        quote,
        measure_created,
        measure_updated,
        *measure_version,
    ) in models.SanctionMeasure.objects.filter(option_id=pk).values_list(*MEASURE_COLUMNS):
        measures.append(
            {
                "id": measure_id,
                "url": urls("api:sanctionmeasure-detail", measure_id),
                "option": brief_option,
                "measure_type": measure_type,
                "imposing_authority": urls.stakeholder(
                    authority_id, authority_slug, authority_name, authority_kind
                ),
                "legal_basis": legal_basis,
                "programme_code": programme_code,
                "target": urls.stakeholder(target_id, target_slug, target_name, target_kind),
                "threatened_date": threatened_date,
                "listed_date": listed_date,
                "effective_date": effective_date,
                "end_date": measure_end_date,
                "description": measure_description,
                "source": urls.source(source_id, source_slug, source_title),
                "quote": quote,
                "created": measure_created,
                "updated": measure_updated,
                **_version(measure_version),
            }
        )
    return json_response(
        {
            "id": pk,
            "url": brief_option["url"],
            "topic": urls.topic(topic_id, topic_slug, topic_title),
            "slug": slug,
            "title": title,
            "kind": kind,
            "status": status,
            "proposer": urls.stakeholder(proposer_id, proposer_slug, proposer_name, proposer_kind),
            "actors": people("actors"),
            "targets": people("targets"),
            "venue": urls.stakeholder(venue_id, venue_slug, venue_name, venue_kind),
            "start_date": start_date,
            "end_date": end_date,
            "description": description,
            "sources": [urls.source(*row) for row in sources],
            "measures": measures,
            "created": created,
            "updated": updated,
            **_version(version),
        }
    )

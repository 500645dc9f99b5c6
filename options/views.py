"""
The read-only pages: the list of topics; a topic as of a date (the stance matrix as a grid with
what each cell rests on, the forecast per option with its interval, coverage and defaults, and
the timeline); the stance matrix alone as SVG, for reports; and one stakeholder's positions over
time. Each page reads with a fixed number of queries, whatever the size of the topic.

Every date is shown as precisely as it is known (`precise_date`): a position dated "April 2019"
is shown as "Apr 2019", never as the day it is stored under. What the pages draw is worked out
in options/figures.py.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from rest_framework import exceptions

from options import analysis
from options.api.authentication import TokenAuthentication
from options.api.serializers import EventSerializer, PositionSerializer
from options.api.serializers.reading import read_queryset
from options.figures import (
    STANCE_COLOURS,
    ForecastChart,
    HistoryItem,
    MatrixPicture,
    change_note,
    matrix_grid,
    timeline_page,
)
from options.models import (
    Affiliation,
    Event,
    PolicyOption,
    Position,
    Stakeholder,
    Topic,
)

# Positions and events with their related objects read along, as the API reads them; but whole
# rows (`defer(None)`): the pages also link each source's web address, which no brief form shows.
POSITIONS = read_queryset(PositionSerializer).defer(None)
EVENTS = read_queryset(EventSerializer).defer(None)


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="As of"
    )
    basis = forms.ChoiceField(
        required=False,
        choices=[(analysis.ANY_BASIS, "Any basis"), *Position.Basis.choices],
        label="Basis",
    )

    def clean_as_of(self) -> datetime.date:
        return self.cleaned_data["as_of"] or timezone.localdate()

    def clean_basis(self) -> str:
        return self.cleaned_data["basis"] or analysis.ANY_BASIS


# --- Pages ------------------------------------------------------------------------------------------


def _public_read_or_login(request) -> HttpResponse | None:
    """None if the request may read the pages; else the answer that refuses it.

    Reading may be public (POLICYTRACKER_PUBLIC_READ); if not, a signed-in browser reads, and
    so does a script with an API token (`Authorization: Token <key>`, as the API takes it: the
    SVG is embedded in reports built by scripts). Without credentials, a redirect to the login
    page; with a bad token, 401, as the API answers (429 past the failed tokens' rate).
    """
    if settings.POLICYTRACKER_PUBLIC_READ or request.user.is_authenticated:
        return None
    try:
        authenticated = TokenAuthentication().authenticate(request)
    except exceptions.Throttled as refused:
        response = HttpResponse(refused.detail, status=429, content_type="text/plain")
        response["Retry-After"] = str(refused.wait)
        return response
    except exceptions.AuthenticationFailed as refused:
        response = HttpResponse(refused.detail, status=401, content_type="text/plain")
        response["WWW-Authenticate"] = TokenAuthentication().authenticate_header(request)
        return response
    if authenticated is not None:
        request.user = authenticated[0]
        return None
    return redirect_to_login(request.get_full_path())


def _read_as_of(request) -> tuple[AsOfForm, datetime.date, str]:
    form = AsOfForm(request.GET)
    if form.is_valid():
        return form, form.cleaned_data["as_of"], form.cleaned_data["basis"]
    return form, timezone.localdate(), analysis.ANY_BASIS


def _count(rows, *, by: str, distinct: str = "pk") -> Coalesce:
    """The number of `rows` (a queryset filtered on OuterRef), as a subquery."""
    counted = rows.order_by().values(by).annotate(n=Count(distinct, distinct=True)).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def topic_list(request):
    """Every topic, with how much the tracker knows about it. One query."""
    if redirect := _public_read_or_login(request):
        return redirect
    positions = Position.objects.filter(option__topic=OuterRef("pk"))
    newest = positions.order_by("-as_of", "-id")
    topics = Topic.objects.defer("description").annotate(
        option_count=_count(PolicyOption.objects.filter(topic=OuterRef("pk")), by="topic"),
        position_count=_count(positions, by="option__topic"),
        stakeholder_count=_count(positions, by="option__topic", distinct="stakeholder"),
        event_count=_count(Event.objects.filter(topic=OuterRef("pk")), by="topic"),
        newest_position=Subquery(newest.values("as_of")[:1]),
        newest_position_precision=Subquery(newest.values("as_of_precision")[:1]),
    )
    return render(request, "options/topic_list.html", {"topics": topics})


def topic_page(request, slug):
    """The topic as of a date: the stance matrix, the forecast and the timeline."""
    if redirect := _public_read_or_login(request):
        return redirect
    topic = get_object_or_404(Topic, slug=slug)
    form, as_of, basis = _read_as_of(request)
    matrix = analysis.stance_matrix_build(topic_id=topic.id, as_of=as_of, basis=basis)
    forecasts = analysis.topic_forecast(
        topic_id=topic.id, as_of=as_of, basis=basis, options=matrix.options
    )
    timeline = analysis.timeline_build(
        topic_id=topic.id, date_to=as_of, read_positions=POSITIONS, read_events=EVENTS
    )
    context = {
        "topic": topic,
        "form": form,
        "as_of": as_of,
        "basis": basis,
        "matrix": matrix,
        "grid": matrix_grid(matrix),
        "forecast_chart": ForecastChart(forecasts),
        "timeline": timeline_page(timeline, request.GET.get("timeline_page"), as_of),
        "stance_legend": [
            (stance, Position.Stance(stance).label, STANCE_COLOURS[stance])
            for stance in range(-2, 3)
        ],
    }
    return render(
        request, "options/topic_page.html", context, status=200 if form.is_valid() else 400
    )


def stance_matrix_svg(request, slug):
    """The stance matrix as an SVG picture, for embedding in reports."""
    if redirect := _public_read_or_login(request):
        return redirect
    topic = get_object_or_404(Topic, slug=slug)
    form, as_of, basis = _read_as_of(request)
    matrix = analysis.stance_matrix_build(topic_id=topic.id, as_of=as_of, basis=basis)
    context = {"topic": topic, "as_of": as_of, "basis": basis, "svg": MatrixPicture(matrix)}
    return render(
        request,
        "options/stance_matrix.svg",
        context,
        content_type="image/svg+xml; charset=utf-8",
        status=200 if form.is_valid() else 400,
    )


def stakeholder_page(request, slug):
    """One stakeholder's positions over time, option by option, grouped by topic. Four queries:
    the stakeholder, its affiliations both ways, its positions and their disputes."""
    if redirect := _public_read_or_login(request):
        return redirect
    affiliations = Affiliation.objects.select_related("subject", "object").only(
        "id",
        "subject_id",
        "object_id",
        "kind",
        "role",
        "start_date",
        "end_date",
        "subject__id",
        "subject__slug",
        "subject__name",
        "object__id",
        "object__slug",
        "object__name",
    )
    stakeholder = get_object_or_404(Stakeholder.objects.with_affiliations(affiliations), slug=slug)
    histories = analysis.stakeholder_position_history(
        stakeholder_id=stakeholder.id, read_positions=POSITIONS
    )
    by_topic: dict[int, dict] = {}
    for history in histories:
        topic = history.option.topic
        group = by_topic.setdefault(topic.id, {"topic": topic, "options": []})
        group["options"].append(
            {
                "option": history.option,
                "history": history,
                "entries": [
                    HistoryItem(entry, change_note(entry.change, entry.position.id))
                    for entry in history.entries
                ],
            }
        )
    topics = sorted(by_topic.values(), key=lambda group: (group["topic"].title, group["topic"].id))
    context = {
        "stakeholder": stakeholder,
        "topics": topics,
        "position_count": sum(len(history.entries) for history in histories),
        "affiliations": sorted(
            stakeholder.prefetched_affiliations, key=lambda a: (a.kind, a.object.name)
        ),
        "incoming_affiliations": sorted(
            stakeholder.prefetched_incoming_affiliations, key=lambda a: (a.kind, a.subject.name)
        ),
    }
    return render(request, "options/stakeholder_page.html", context)

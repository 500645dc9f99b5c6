"""
The read-only topic page: the stance matrix as a coloured grid, the forecast per option as a bar
chart, and the timeline, as of a date; and the matrix alone as SVG, for reports.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from options import services
from options.models import Position, Source, Topic

# −2 red … +2 green, readable with dark text.
STANCE_COLOURS = {-2: "#c0392b", -1: "#f1948a", 0: "#d5d8dc", 1: "#82e0aa", 2: "#1e8449"}
STANCE_TEXT_COLOURS = {-2: "#ffffff", -1: "#1b1b1b", 0: "#1b1b1b", 1: "#1b1b1b", 2: "#ffffff"}


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="As of"
    )
    basis = forms.ChoiceField(
        required=False,
        choices=[(services.ANY_BASIS, "Any basis"), *Position.Basis.choices],
        label="Basis",
    )

    def clean_as_of(self) -> datetime.date:
        return self.cleaned_data["as_of"] or timezone.localdate()

    def clean_basis(self) -> str:
        return self.cleaned_data["basis"] or services.ANY_BASIS


@dataclass(frozen=True)
class GridCell:
    """A matrix cell as the page and the SVG draw it."""

    cell: services.MatrixCell | None
    source: Source | None

    @property
    def stance(self) -> int | None:
        return self.cell.position.stance if self.cell else None

    @property
    def colour(self) -> str:
        return STANCE_COLOURS[self.stance] if self.cell else "#ffffff"

    @property
    def text_colour(self) -> str:
        return STANCE_TEXT_COLOURS[self.stance] if self.cell else "#1b1b1b"

    @property
    def label(self) -> str:
        if not self.cell:
            return ""
        return f"{self.stance:+d}".replace("-", "−") if self.stance else "0"

    @property
    def source_url(self) -> str:
        if self.source is None:
            return ""
        return self.source.url or reverse("api:source-detail", args=[self.source.pk])

    @property
    def title(self) -> str:
        """The tooltip: what the cell stands for, in words."""
        if not self.cell:
            return "No position"
        position = self.cell.position
        text = (
            f"{Position.Stance(position.stance).label} ({position.basis}, "
            f"{position.as_of:%d %b %Y}, {position.confidence} confidence)"
        )
        if len(self.cell.stances) > 1:
            text += " · " + ", ".join(f"{b} {s:+d}" for b, s in self.cell.stances.items())
        if self.cell.divergent:
            text += " · divergent"
        if self.source:
            text += f" · source: {self.source.title}"
        return text


def _grid(matrix: services.StanceMatrix) -> list[tuple]:
    """Rows of (stakeholder, [GridCell…]) with each cell's source, in one query."""
    source_ids = {cell.position.source_id for row in matrix.rows for cell in row.cells if cell}
    sources = Source.objects.in_bulk(source_ids)
    return [
        (
            row.stakeholder,
            [
                GridCell(cell, sources.get(cell.position.source_id) if cell else None)
                for cell in row.cells
            ],
        )
        for row in matrix.rows
    ]


def _public_read_or_login(request):
    if settings.POLICYTRACKER_PUBLIC_READ or request.user.is_authenticated:
        return None
    return redirect_to_login(request.get_full_path())


def _read_as_of(request) -> tuple[AsOfForm, datetime.date, str]:
    form = AsOfForm(request.GET)
    if form.is_valid():
        return form, form.cleaned_data["as_of"], form.cleaned_data["basis"]
    return form, timezone.localdate(), services.ANY_BASIS


def topic_page(request, slug):
    """The topic as of a date: the stance matrix, the forecast and the timeline."""
    if redirect := _public_read_or_login(request):
        return redirect
    topic = get_object_or_404(Topic, slug=slug)
    form, as_of, basis = _read_as_of(request)
    matrix = services.stance_matrix_build(topic_id=topic.id, as_of=as_of, basis=basis)
    forecasts = services.topic_forecast(topic_id=topic.id, as_of=as_of, basis=basis)
    timeline = services.timeline_build(topic_id=topic.id, date_to=as_of)
    context = {
        "topic": topic,
        "form": form,
        "as_of": as_of,
        "basis": basis,
        "matrix": matrix,
        "grid": _grid(matrix),
        "forecast_chart": ForecastChart(forecasts),
        "timeline": timeline,
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
    matrix = services.stance_matrix_build(topic_id=topic.id, as_of=as_of, basis=basis)
    context = {"topic": topic, "as_of": as_of, "basis": basis, "svg": MatrixPicture(matrix)}
    return render(
        request,
        "options/stance_matrix.svg",
        context,
        content_type="image/svg+xml; charset=utf-8",
        status=200 if form.is_valid() else 400,
    )


class MatrixPicture:
    """The geometry of the SVG stance matrix."""

    cell_size = 44
    label_width = 230
    header_height = 170
    margin = 12

    def __init__(self, matrix: services.StanceMatrix):
        self.options = matrix.options
        self.rows = []
        for row_index, (stakeholder, cells) in enumerate(_grid(matrix)):
            y = self.header_height + row_index * self.cell_size
            placed = [
                (self.label_width + column * self.cell_size, cell)
                for column, cell in enumerate(cells)
            ]
            self.rows.append((y, stakeholder, placed))
        self.columns = [
            (self.label_width + index * self.cell_size + self.cell_size // 2, option)
            for index, option in enumerate(self.options)
        ]
        # Wide enough for the legend line, whatever the number of options.
        self.width = max(self.label_width + len(self.options) * self.cell_size + self.margin, 720)
        self.height = self.header_height + len(self.rows) * self.cell_size + 40
        self.legend_y = self.height - 18


class ForecastChart:
    """The geometry of the forecast bar chart: one bar per option, the weight split into
    oppose / neutral / support, and the weighted mean as a marker on a −2 … +2 scale."""

    label_width = 260
    bar_width = 360
    row_height = 34

    def __init__(self, forecasts: list[services.Forecast]):
        self.bars = []
        for index, forecast in enumerate(forecasts):
            y = 10 + index * self.row_height
            segments = []
            x = self.label_width
            for share, colour in (
                (forecast.oppose_share, STANCE_COLOURS[-2]),
                (forecast.neutral_share, STANCE_COLOURS[0]),
                (forecast.support_share, STANCE_COLOURS[2]),
            ):
                width = round((share or 0) * self.bar_width, 1)
                segments.append((x, width, colour))
                x += width
            mean_x = None
            if forecast.weighted_mean is not None:
                mean_x = round(
                    self.label_width + (forecast.weighted_mean + 2) / 4 * self.bar_width, 1
                )
            self.bars.append((y, forecast, segments, mean_x))
        self.width = self.label_width + self.bar_width + 170
        self.height = 20 + len(forecasts) * self.row_height
        self.centre_x = self.label_width + self.bar_width / 2

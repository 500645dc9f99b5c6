"""
How the pages show the analysis: a stance matrix cell's colour, marks and words; the geometry of
the SVG matrix and of the forecast chart; the notes on the timeline and in a stakeholder's
history saying what each position did to the effective stance. Every date is written as
precisely as it is known ("Apr 2019" for a position dated to the month).
"""

import datetime
import math
from dataclasses import dataclass

from django.urls import reverse

from options import analysis
from options.analysis.changes import EffectiveChange
from options.dates import DAY, format_date, timing_uncertain
from options.models import Affiliation, PolicyOption, Position, Source, Stakeholder
from options.templatetags.stances import BASIS_LETTERS, signed_text, stance_words

# −2 red … +2 green, readable with dark text.
STANCE_COLOURS = {-2: "#c0392b", -1: "#f1948a", 0: "#d5d8dc", 1: "#82e0aa", 2: "#1e8449"}
STANCE_TEXT_COLOURS = {-2: "#ffffff", -1: "#1b1b1b", 0: "#1b1b1b", 1: "#1b1b1b", 2: "#ffffff"}
DARK_TEXT = "#1b1b1b"
# How much white a low-confidence cell's colour is mixed with, and a retracted one's.
LOW_CONFIDENCE_FADE = 0.55
RETRACTED_FADE = 0.8

# The marks a cell may carry (the legends explain them).
DIVERGENT_MARK, LOW_CONFIDENCE_MARK, DISPUTED_MARK, UNCERTAIN_MARK = "≠", "?", "⚑", "~"
BASIS_LEGEND = "S stated · R reported (by others) · E expected · V revealed (inferred from deeds)"

TIMELINE_PAGE_SIZE = 100


def _mix_with_white(colour: str, share: float) -> str:
    """`colour` (#rrggbb) with `share` of white mixed in."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in channels)


def _source_url(source) -> str:
    if source is None:
        return ""
    return source.url or reverse("api:source-detail", args=[source.pk])


def _candidate_text(candidate) -> str:
    """An effective position in brief: "expected +1", "stated −2 (retracted)"."""
    text = f"{candidate.basis} {signed_text(candidate.stance)}"
    return text + " (retracted)" if candidate.retracted else text


# --- The stance matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    """A matrix cell as the page and the SVG draw it: the stance, and the marks saying what it
    rests on (basis, confidence, dispute, retraction, uncertain timing, divergent bases)."""

    cell: analysis.MatrixCell | None
    source: Source | None
    as_of: datetime.date | None = None  # the date the matrix looks from
    option: PolicyOption | None = None  # the cell's column

    @property
    def position(self):
        return self.cell.position if self.cell else None

    @property
    def stance(self) -> int | None:
        return self.cell.position.stance if self.cell else None

    @property
    def basis_letter(self) -> str:
        return BASIS_LETTERS.get(self.position.basis, "?") if self.cell else ""

    @property
    def low_confidence(self) -> bool:
        return bool(self.cell) and self.position.confidence == Position.Confidence.LOW

    @property
    def disputed(self) -> bool:
        return bool(self.cell) and self.position.disputed

    @property
    def retracted(self) -> bool:
        return bool(self.cell) and self.position.retracted

    @property
    def timing_uncertain(self) -> bool:
        return bool(self.cell) and self.cell.timing_uncertain

    @property
    def divergent(self) -> bool:
        return bool(self.cell) and self.cell.divergent

    @property
    def colour(self) -> str:
        if not self.cell:
            return "#ffffff"
        colour = STANCE_COLOURS[self.stance]
        if self.retracted:
            return _mix_with_white(colour, RETRACTED_FADE)
        if self.low_confidence:
            return _mix_with_white(colour, LOW_CONFIDENCE_FADE)
        return colour

    @property
    def text_colour(self) -> str:
        if not self.cell:
            return DARK_TEXT
        if self.retracted or self.low_confidence:
            return DARK_TEXT
        return STANCE_TEXT_COLOURS[self.stance]

    @property
    def label(self) -> str:
        return signed_text(self.stance) if self.cell else ""

    @property
    def marks(self) -> str:
        """The marks shown in the cell's top right corner."""
        if not self.cell:
            return ""
        marks = [
            (self.divergent, DIVERGENT_MARK),
            (self.disputed, DISPUTED_MARK),
            (self.low_confidence, LOW_CONFIDENCE_MARK),
            (self.timing_uncertain, UNCERTAIN_MARK),
        ]
        return "".join(mark for shown, mark in marks if shown)

    @property
    def css_classes(self) -> str:
        flags = [
            ("divergent", self.divergent),
            ("disputed", self.disputed),
            ("retracted", self.retracted),
            ("low-confidence", self.low_confidence),
            ("uncertain", self.timing_uncertain),
        ]
        return " ".join(["cell", *(name for name, shown in flags if shown)])

    @property
    def source_url(self) -> str:
        return _source_url(self.source)

    @property
    def date_text(self) -> str:
        if not self.cell:
            return ""
        return format_date(self.position.as_of, self.position.as_of_precision)

    @property
    def title(self) -> str:
        """The tooltip: everything the marks say, in words."""
        if not self.cell:
            return "No position"
        position = self.position
        parts = [
            f"{stance_words(position.stance)} ({signed_text(position.stance)}), "
            f"{position.basis}, as of {self.date_text}",
            f"{position.confidence} confidence",
        ]
        if self.timing_uncertain and self.as_of:
            parts.append(
                f"timing uncertain: dated only {self.date_text}, so it may not yet have been "
                f"taken on {format_date(self.as_of, DAY)}"
            )
        if self.disputed:
            parts.append("disputed: someone denies it")
        if self.retracted:
            retracted_on = format_date(position.retracted_on, position.retracted_precision)
            parts.append(f"retracted {retracted_on}: it no longer counts")
        if len(self.cell.stances) > 1:
            parts.append(
                "bases: " + ", ".join(f"{b} {signed_text(s)}" for b, s in self.cell.stances.items())
            )
        for divergence in self.cell.divergences:
            (first, second), (x, y) = divergence.bases, divergence.stances
            parts.append(f"diverges: {first} {signed_text(x)} vs {second} {signed_text(y)}")
        parts.append(f"evidence weight {self.cell.evidence_weight:.2f}")
        if self.source:
            grade = Source.Reliability(position.reliability).label
            parts.append(f"source: {self.source.title} (grade {grade})")
        return " · ".join(parts)


def matrix_grid(matrix: analysis.StanceMatrix) -> list[tuple]:
    """Rows of (stakeholder, [GridCell…]) with each cell's source, in one query."""
    source_ids = {cell.position.source_id for row in matrix.rows for cell in row.cells if cell}
    sources = Source.objects.only("id", "slug", "title", "url").in_bulk(source_ids)
    return [
        (
            row.stakeholder,
            [
                GridCell(
                    cell,
                    sources.get(cell.position.source_id) if cell else None,
                    matrix.as_of,
                    option,
                )
                for cell, option in zip(row.cells, matrix.options, strict=True)
            ],
        )
        for row in matrix.rows
    ]


class MatrixPicture:
    """The geometry of the SVG stance matrix."""

    cell_size = 48
    label_width = 230
    header_height = 230  # room for the option titles, slanted
    margin = 110  # room for the last option title's slant
    legend_line = 15

    def __init__(self, matrix: analysis.StanceMatrix):
        self.options = matrix.options
        self.rows = []
        for row_index, (stakeholder, cells) in enumerate(matrix_grid(matrix)):
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
        # Wide enough for the legend, whatever the number of options.
        self.width = max(self.label_width + len(self.options) * self.cell_size + self.margin, 760)
        legend = [
            "Stance: −2 strongly oppose (red) … 0 neutral (grey) … +2 strongly support (green).",
            "Letter top left, the basis: " + BASIS_LEGEND + ".",
            f"{DIVERGENT_MARK} bases diverge (dashed purple border) · {LOW_CONFIDENCE_MARK} low "
            f"confidence (faded) · {DISPUTED_MARK} disputed: someone denies it",
            "struck through: retracted by the date · "
            f"{UNCERTAIN_MARK} timing uncertain, dotted border (dated only to a month or year "
            "that includes the date).",
        ]
        top = self.header_height + len(self.rows) * self.cell_size + 26
        self.legend = [(top + index * self.legend_line, text) for index, text in enumerate(legend)]
        self.height = top + len(legend) * self.legend_line + 4


# --- The forecast ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastRow:
    """One option's forecast as the page draws it: the shares of the weight as a band, and the
    weighted mean with its interval (a whisker) on the −2 … +2 scale below it."""

    forecast: analysis.Forecast
    rank: int | None
    segments: list[tuple]  # (x, width, colour, what it is)
    mean_x: float | None
    interval_x: tuple[float, float] | None

    @property
    def defaulted_capability(self) -> list[Stakeholder]:
        return self._defaulted("capability")

    @property
    def defaulted_salience(self) -> list[Stakeholder]:
        return self._defaulted("salience")

    def _defaulted(self, what: str) -> list[Stakeholder]:
        forecast = self.forecast
        return [
            forecast.stakeholders[entry.stakeholder_id]
            for entry in forecast.breakdown
            if what in entry.defaulted
        ]

    @property
    def breakdown(self) -> list[dict]:
        """The counted stakeholders with what they weigh, and who is folded into them."""
        forecast = self.forecast
        stakeholders = forecast.stakeholders
        total = forecast.total_weight
        return [
            {
                "entry": entry,
                "stakeholder": stakeholders[entry.stakeholder_id],
                "share": entry.weight / total if total else None,
                "folded": [
                    {
                        "folded": folded,
                        "stakeholder": stakeholders[folded.stakeholder_id],
                        "relation": Affiliation.Kind(folded.relation).label.lower(),
                        "via": stakeholders[folded.via_id],
                    }
                    for folded in entry.folded
                ],
            }
            for entry in forecast.breakdown
        ]

    @property
    def pivotal(self) -> list[dict]:
        stakeholders = self.forecast.stakeholders
        return [
            {"pivotal": pivotal, "stakeholder": stakeholders[pivotal.stakeholder_id]}
            for pivotal in self.forecast.pivotal
        ]

    @property
    def blocs(self) -> list[dict]:
        stakeholders = self.forecast.stakeholders
        return [
            {
                "bloc": bloc,
                "stakeholder": stakeholders[bloc.bloc_id],
                "members": [stakeholders[member] for member in bloc.member_ids],
            }
            for bloc in self.forecast.blocs
        ]

    @property
    def title(self) -> str:
        """The bar's tooltip."""
        forecast = self.forecast
        if not forecast.counted:
            return f"{forecast.option.title}: nobody has a position"
        parts = [f"{forecast.option.title}: weighted mean {signed_text(forecast.weighted_mean, 2)}"]
        interval = forecast.interval
        if interval and interval.weighted_mean:
            low, high = interval.weighted_mean
            parts.append(
                f"{interval.level:.0%} interval {signed_text(low, 2)} … {signed_text(high, 2)}"
            )
        shares = [
            ("oppose", forecast.oppose_share),
            ("neutral", forecast.neutral_share),
            ("support", forecast.support_share),
        ]
        parts.append(", ".join(f"{name} {share or 0:.0%}" for name, share in shares))
        for what, who in (
            ("capability", self.defaulted_capability),
            ("salience", self.defaulted_salience),
        ):
            if who:
                parts.append(f"default {what}: " + ", ".join(s.name for s in who))
        return " · ".join(parts)


class ForecastChart:
    """The geometry of the forecast chart, one row per option: the weight split into oppose /
    neutral / support (a band 0 … 100 %), and below it the weighted mean (a dot) and its
    interval (a whisker) on a −2 … +2 scale."""

    scale_width = 320
    pad = 12
    height = 48
    band_y, band_height = 4, 14
    axis_y = 33

    def __init__(self, forecasts: list[analysis.Forecast]):
        self.width = self.scale_width + 2 * self.pad
        self.ticks = [(self.x(value), signed_text(value)) for value in range(-2, 3)]
        self.rows = []
        rank = 0
        for forecast in forecasts:
            if forecast.ranked:
                rank += 1
            segments = []
            x = self.pad
            for name, share, colour in (
                ("oppose", forecast.oppose_share, STANCE_COLOURS[-2]),
                ("neutral", forecast.neutral_share, STANCE_COLOURS[0]),
                ("support", forecast.support_share, STANCE_COLOURS[2]),
            ):
                width = round((share or 0) * self.scale_width, 1)
                segments.append((round(x, 1), width, colour, f"{name} {share or 0:.0%}"))
                x += width
            mean_x = None
            if forecast.weighted_mean is not None:
                mean_x = self.x(forecast.weighted_mean)
            interval_x = None
            if forecast.interval and forecast.interval.weighted_mean is not None:
                low, high = forecast.interval.weighted_mean
                interval_x = (self.x(low), self.x(high))
            self.rows.append(
                ForecastRow(
                    forecast=forecast,
                    rank=rank if forecast.ranked else None,
                    segments=segments,
                    mean_x=mean_x,
                    interval_x=interval_x,
                )
            )

    def x(self, value: float) -> float:
        """Where a value of the −2 … +2 scale lies."""
        return round(self.pad + (value + 2) / 4 * self.scale_width, 1)

    @property
    def centre_x(self) -> float:
        return self.x(0)

    @property
    def interval(self):
        """The intervals' settings (level, draws): the same for every option."""
        return next((row.forecast.interval for row in self.rows if row.forecast.interval), None)


# --- Changes of effective stance (timeline and history) ----------------------------------------


@dataclass(frozen=True)
class ChangeNote:
    """What a position taken (or retracted) did to the stakeholder's effective stance."""

    changed: str = ""  # "expected +1 → stated −2"
    not_effective: str = ""  # for a position that did not become the one that stands
    none_left: bool = False  # after a retraction, nothing unretracted stands


def change_note(
    change: EffectiveChange | None, position_id: int | None = None, *, retraction: bool = False
) -> ChangeNote:
    if change is None:
        return ChangeNote()
    before, after = change.before, change.after
    changed = ""
    if change.stance_changed:
        changed = f"{_candidate_text(before)} → {_candidate_text(after)}"
    not_effective = ""
    if not retraction and after is not None and position_id is not None and after.id != position_id:
        date = format_date(after.as_of, after.as_of_precision)
        not_effective = f"{_candidate_text(after)} of {date} still stands"
    none_left = retraction and (after is None or after.retracted)
    return ChangeNote(changed, not_effective, none_left)


@dataclass(frozen=True)
class TimelineItem:
    entry: analysis.TimelineEntry
    note: ChangeNote
    timing_uncertain: bool = False  # the page's date lies inside the entry's date interval

    def __getattr__(self, name):
        return getattr(self.entry, name)


def timeline_page(timeline: analysis.Timeline, requested: str | None, as_of: datetime.date) -> dict:
    """A page of the timeline, the newest first among pages (each page in date order)."""
    total = len(timeline)
    pages = max(1, math.ceil(total / TIMELINE_PAGE_SIZE))
    try:
        page = min(max(int(requested or 1), 1), pages)
    except ValueError:
        page = 1
    stop = total - (page - 1) * TIMELINE_PAGE_SIZE
    start = max(0, stop - TIMELINE_PAGE_SIZE)
    entries = timeline[start:stop] if total else []
    items = [
        TimelineItem(
            entry,
            change_note(
                entry.change,
                entry.position.id if entry.position else None,
                retraction=entry.type == "retraction",
            ),
            timing_uncertain(entry.date, entry.date_precision, as_of),
        )
        for entry in entries
    ]
    return {
        "items": items,
        "total": total,
        "first": start + 1,
        "last": stop,
        "page": page,
        "earlier": page + 1 if page < pages else None,
        "later": page - 1 if page > 1 else None,
    }


@dataclass(frozen=True)
class HistoryItem:
    entry: object  # analysis.history.HistoryEntry
    note: ChangeNote

    def __getattr__(self, name):
        return getattr(self.entry, name)

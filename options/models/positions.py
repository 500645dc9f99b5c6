"""What a stakeholder holds about an option, with the evidence: `Position`, and a denial that
a position is held (`PositionDispute`)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from options.audit import AuditTrail
from options.dates import date_interval
from options.models.base import TimeStampedModel, date_precision_field
from options.models.policy_options import PolicyOption
from options.models.sources import Source
from options.models.stakeholders import Stakeholder


class Position(TimeStampedModel):
    """One stakeholder's stance on one option at a date, with the evidence for it.

    A stakeholder's positions form a history: the newest one with `as_of` on or before a date,
    for each basis, is the position "as of" that date.
    """

    class Stance(models.IntegerChoices):
        STRONGLY_OPPOSE = -2, "Strongly oppose"
        OPPOSE = -1, "Oppose"
        NEUTRAL = 0, "Neutral or undecided"
        SUPPORT = 1, "Support"
        STRONGLY_SUPPORT = 2, "Strongly support"

    class Basis(models.TextChoices):
        STATED = "stated", "Stated (said publicly)"
        REPORTED = "reported", "Reported (by someone else)"
        EXPECTED = "expected", "Expected (an expectation or private commitment)"
        REVEALED = "revealed", "Revealed (inferred from actions)"

    class Confidence(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.PROTECT, related_name="positions")
    option = models.ForeignKey(PolicyOption, on_delete=models.PROTECT, related_name="positions")
    # No `choices`: the admin shows a number input and both the admin and the API answer an
    # out-of-range stance with the validators' message. `Stance` gives the labels.
    stance = models.SmallIntegerField(
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
        help_text="−2 strongly oppose … +2 strongly support.",
    )
    basis = models.CharField(max_length=10, choices=Basis.choices)
    reported_by = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_positions",
        help_text="Who reports the position, when the basis is reported.",
    )
    as_of = models.DateField("as of")
    as_of_precision = date_precision_field("precision of the as-of date")
    salience = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="How much the stakeholder cares, 0–100.",
    )
    confidence = models.CharField(
        max_length=6, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="positions")
    quote = models.TextField(blank=True, help_text="Verbatim and short.")
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    retracted_on = models.DateField(
        "retracted on",
        null=True,
        blank=True,
        help_text=(
            "When the stakeholder withdrew this position, if they did. From that date on the "
            "position weighs nothing in the forecast; before it, it counts as usual."
        ),
    )
    retracted_precision = date_precision_field("precision of the retraction date")

    history = AuditTrail()

    left_out = {  # see TimeStampedModel.left_out
        "filters": {
            "as_of_precision": "how precise `as_of` is: filtered through `as_of`",
            "retracted_precision": "how precise `retracted_on` is: filtered through it",
        }
    }

    class Meta:
        # Newest first, and the latest recorded first on the same day: an index scan (a sort by
        # a related name, as before, made every page sort the whole table).
        ordering = ["-as_of", "-id"]
        verbose_name = "position"
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__gte=-2, stance__lte=2),
                name="position_stance_in_range",
                violation_error_message="The stance must be between −2 and +2.",
            ),
            models.CheckConstraint(
                condition=Q(salience__isnull=True) | Q(salience__gte=0, salience__lte=100),
                name="position_salience_in_range",
                violation_error_message="The salience must be between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=Q(basis="reported") | Q(reported_by__isnull=True),
                name="position_reported_by_only_when_reported",
                violation_error_message="Only a reported position names who reported it.",
            ),
            models.UniqueConstraint(
                fields=["stakeholder", "option", "basis", "as_of", "source"],
                name="position_unique_per_source",
                violation_error_message=(
                    "This source already gives this stakeholder's position on this option, "
                    "on this basis and date."
                ),
            ),
        ]
        indexes = [
            # The "as of D" lookup: newest position per stakeholder × option × basis, in the
            # whole order that picks it (the latest recorded wins on a date), with the precision
            # that says whether a date is known by D, so that finding it reads one index entry
            # (options/analysis/asof.py).
            models.Index(
                fields=[
                    "stakeholder",
                    "option",
                    "basis",
                    "as_of",
                    "created",
                    "id",
                    "as_of_precision",
                ],
                name="position_history_idx",
            ),
            # An option's positions up to a date, newest first, with everything the analyses
            # read of them: their scan never reads the table (bench/README.md).
            models.Index(
                fields=[
                    "option",
                    "as_of",
                    "id",
                    "stakeholder",
                    "basis",
                    "stance",
                    "salience",
                    "as_of_precision",
                    "confidence",
                    "source",
                    "retracted_on",
                    "retracted_precision",
                ],
                name="position_option_as_of_idx",
            ),
            models.Index(fields=["basis", "as_of"], name="position_basis_as_of_idx"),
            # The few retracted positions, for the timeline's retractions.
            models.Index(
                fields=["retracted_on"],
                condition=Q(retracted_on__isnull=False),
                name="position_retracted_idx",
            ),
            models.Index(fields=["as_of"], name="position_as_of_idx"),
        ]

    def __str__(self):
        return (
            f"{self.stakeholder} on {self.option}: {self.stance_label.lower()} "
            f"({self.basis}, {self.as_of:%Y-%m-%d})"
        )

    @property
    def stance_label(self) -> str:
        """The stance in words, e.g. "Strongly oppose"."""
        try:
            return self.Stance(self.stance).label
        except ValueError:
            return str(self.stance)

    @property
    def retracted(self) -> bool:
        """Whether a retraction is recorded; `retracted_on` says from when it counts."""
        return self.retracted_on is not None

    def clean(self):
        errors = {}
        if self.reported_by_id and self.basis != self.Basis.REPORTED:
            errors["reported_by"] = "Only a reported position names who reported it."
        if (
            self.retracted_on
            and self.as_of
            and date_interval(self.retracted_on, self.retracted_precision)[1]
            < date_interval(self.as_of, self.as_of_precision)[0]
        ):
            errors["retracted_on"] = "A position cannot be retracted before it was taken."
        if errors:
            raise ValidationError(errors)


class PositionDispute(TimeStampedModel):
    """Another stakeholder denies that a position is held (with its own source and date)."""

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="disputes")
    disputed_by = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="disputed_positions"
    )
    date = models.DateField(
        help_text="When the denial was made; the position counts as disputed from then on."
    )
    date_precision = date_precision_field("precision of the date")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="disputes")
    quote = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    history = AuditTrail()
    left_out = {  # see TimeStampedModel.left_out
        "serializer": {
            "position": "shown inside its position (`disputes`)",
            "created": "shown inside its position, whose dates and ETag cover it",
            "updated": "shown inside its position, whose dates and ETag cover it",
            "version": "shown inside its position, whose dates and ETag cover it",
        }
    }

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = "position dispute"

    def __str__(self):
        return f"{self.disputed_by} disputes: {self.position}"

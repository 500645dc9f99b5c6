"""The courses of action on a topic: `PolicyOption`, and the measures of a sanctions option
(`SanctionMeasure`)."""

from django.core.exceptions import ValidationError
from django.db import models

from options.audit import AuditTrail
from options.models.base import (
    TimeStampedModel,
    TopicScopedSlugManager,
    check_end_not_before_start,
    end_not_before_start,
)
from options.models.sources import Source
from options.models.stakeholders import Stakeholder
from options.models.topics import Topic


class PolicyOption(TimeStampedModel):
    """A course of action on a topic: sanctions, a negotiation, an intervention…"""

    class Kind(models.TextChoices):
        SANCTIONS = "sanctions", "Sanctions"
        NEGOTIATION = "negotiation", "Negotiation"
        MILITARY_INTERVENTION = "military_intervention", "Military intervention"
        TRANSITION_DEAL = "transition_deal", "Transition deal"
        DIPLOMATIC_PRESSURE = "diplomatic_pressure", "Diplomatic pressure"
        RECOGNITION = "recognition", "Recognition"
        HUMANITARIAN_AID = "humanitarian_aid", "Humanitarian aid"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        THREATENED = "threatened", "Threatened"
        IN_FORCE = "in_force", "In force"
        SUSPENDED = "suspended", "Suspended"
        ENDED = "ended", "Ended"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected"

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="options")
    slug = models.SlugField(max_length=100, help_text="Unique within the topic.")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposer = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposed_options",
    )
    actors = models.ManyToManyField(
        Stakeholder,
        blank=True,
        related_name="acting_in_options",
        help_text="The stakeholders who would carry the option out.",
    )
    targets = models.ManyToManyField(Stakeholder, blank=True, related_name="targeted_by_options")
    venue = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_options",
        help_text="The bloc or group through which a negotiation runs.",
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="options")

    objects = TopicScopedSlugManager()
    history = AuditTrail(m2m_fields=["actors", "targets", "sources"])

    left_out = {  # see TimeStampedModel.left_out
        "filters": {"sources": "options are looked up by what they are, not by who cites them"}
    }

    class Meta:
        ordering = ["topic__title", "title"]
        verbose_name = "policy option"
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "slug"],
                name="option_slug_unique_per_topic",
                violation_error_message="This topic already has an option with this slug.",
            ),
            end_not_before_start("option_end_not_before_start"),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (*self.topic.natural_key(), self.slug)

    natural_key.dependencies = ["options.topic"]

    def clean(self):
        check_end_not_before_start(self)


class SanctionMeasure(TimeStampedModel):
    """The detail of a sanctions option. Threatened measures are recorded before they bite."""

    class MeasureType(models.TextChoices):
        ASSET_FREEZE = "asset_freeze", "Asset freeze"
        TRAVEL_BAN = "travel_ban", "Travel ban"
        ARMS_EMBARGO = "arms_embargo", "Arms embargo"
        TRADE = "trade", "Trade"
        FINANCIAL = "financial", "Financial"
        SECTORAL = "sectoral", "Sectoral"
        OTHER = "other", "Other"

    option = models.ForeignKey(PolicyOption, on_delete=models.PROTECT, related_name="measures")
    measure_type = models.CharField(max_length=20, choices=MeasureType.choices)
    imposing_authority = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="imposed_measures",
    )
    legal_basis = models.CharField(max_length=300, blank=True, help_text="e.g. an executive order.")
    programme_code = models.CharField(max_length=50, blank=True)
    target = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sanction_measures",
    )
    threatened_date = models.DateField(null=True, blank=True)
    listed_date = models.DateField(null=True, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="sanction_measures"
    )
    quote = models.TextField(blank=True)

    history = AuditTrail()

    left_out = {  # see TimeStampedModel.left_out
        "ftm": {"quote": "an FtM Sanction has no place for the evidence's words"}
    }

    class Meta:
        ordering = ["option__title", "effective_date", "id"]
        verbose_name = "sanction measure"
        constraints = [
            end_not_before_start("sanction_end_not_before_effective", start="effective_date"),
        ]

    def __str__(self):
        target = f" on {self.target}" if self.target_id else ""
        return f"{self.get_measure_type_display()}{target} ({self.option})"

    def clean(self):
        check_end_not_before_start(self, start="effective_date")
        if self.option_id and self.option.kind != PolicyOption.Kind.SANCTIONS:
            raise ValidationError(
                {"option": "Sanction measures belong to an option of the kind sanctions."}
            )

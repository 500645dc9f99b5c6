"""How far a stakeholder can shape a topic's outcome, as of a date: `Influence`, the
forecast's weight."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from options.audit import AuditTrail
from options.models.base import TimeStampedModel
from options.models.policy_options import PolicyOption
from options.models.sources import Source
from options.models.stakeholders import Stakeholder
from options.models.topics import Topic


class Influence(TimeStampedModel):
    """A stakeholder's capability to shape a topic's outcome, as of a date: the forecast weight."""

    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="influences"
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="influences")
    option = models.ForeignKey(
        PolicyOption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="influences",
        help_text=(
            "Only on this option of the topic: the stakeholder's capability to make or stop this "
            "option, which overrides its topic-wide capability in this option's forecast."
        ),
    )
    capability = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)], help_text="0–100."
    )
    as_of = models.DateField("as of")
    rationale = models.TextField(blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="influences"
    )

    history = AuditTrail()

    class Meta:
        ordering = ["topic__title", "-capability", "stakeholder__name"]
        verbose_name = "influence"
        constraints = [
            models.CheckConstraint(
                condition=Q(capability__gte=0, capability__lte=100),
                name="influence_capability_in_range",
                violation_error_message="The capability must be between 0 and 100.",
            ),
            models.UniqueConstraint(
                fields=["stakeholder", "topic", "as_of"],
                condition=Q(option__isnull=True),
                name="influence_once_per_date",
                violation_error_message=(
                    "This stakeholder already has an influence on this topic at this date."
                ),
            ),
            models.UniqueConstraint(
                fields=["stakeholder", "option", "as_of"],
                condition=Q(option__isnull=False),
                name="influence_on_option_once_per_date",
                violation_error_message=(
                    "This stakeholder already has an influence on this option at this date."
                ),
            ),
        ]
        indexes = [models.Index(fields=["topic", "as_of"], name="influence_topic_as_of_idx")]

    def __str__(self):
        scope = self.option if self.option_id else self.topic
        return f"{self.stakeholder} on {scope}: {self.capability} ({self.as_of:%Y-%m-%d})"

    def clean(self):
        if self.option_id and self.topic_id and self.option.topic_id != self.topic_id:
            raise ValidationError({"option": "The option must be one of the topic's options."})

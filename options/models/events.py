"""Dated happenings on a topic and who took part in them: `Event` (with its queryset),
`EventParticipant`."""

from django.db import models

from options.audit import AuditTrail
from options.models.base import (
    TimeStampedModel,
    TopicScopedSlugManager,
    date_precision_field,
)
from options.models.policy_options import PolicyOption
from options.models.sources import Source
from options.models.stakeholders import Stakeholder
from options.models.topics import Topic


class Event(TimeStampedModel):
    """A dated happening on a topic, with who took part, and how certain it is."""

    class Certainty(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CLAIMED = "claimed", "Claimed"
        DISPUTED = "disputed", "Disputed"
        DENIED = "denied", "Denied"

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="events")
    slug = models.SlugField(max_length=100, help_text="Unique within the topic.")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    date = models.DateField()
    date_precision = date_precision_field("precision of the date")
    location = models.CharField(max_length=200, blank=True)
    participants = models.ManyToManyField(
        Stakeholder, through="EventParticipant", related_name="events", blank=True
    )
    options = models.ManyToManyField(
        PolicyOption, blank=True, related_name="events", verbose_name="related options"
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="events")
    certainty = models.CharField(
        max_length=10, choices=Certainty.choices, default=Certainty.CONFIRMED
    )
    claimed_by = models.ManyToManyField(Stakeholder, blank=True, related_name="claimed_events")
    denied_by = models.ManyToManyField(Stakeholder, blank=True, related_name="denied_events")

    objects = TopicScopedSlugManager()
    history = AuditTrail(m2m_fields=["options", "sources", "claimed_by", "denied_by"])

    left_out = {  # see TimeStampedModel.left_out
        "admin": {"participants": "edited with their roles, in the participants' inline"},
        "filters": {"date_precision": "how precise `date` is: filtered through `date`"},
    }

    class Meta:
        ordering = ["date", "title"]
        verbose_name = "event"
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "slug"],
                name="event_slug_unique_per_topic",
                violation_error_message="This topic already has an event with this slug.",
            ),
        ]
        indexes = [models.Index(fields=["topic", "date"], name="event_topic_date_idx")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def natural_key(self):
        return (*self.topic.natural_key(), self.slug)

    natural_key.dependencies = ["options.topic"]

    def set_participants(self, participations: list[dict]) -> None:
        """Replace who took part with `participations`: dicts of `stakeholder` and `role`.

        Only what differs is written (a role changed, a participant added or gone), so that the
        audit trail records what really changed."""
        wanted = {item["stakeholder"].pk: item.get("role", "") for item in participations}
        for participant in self.participations.all():
            role = wanted.pop(participant.stakeholder_id, None)
            if role is None:
                participant.delete()
            elif role != participant.role:
                participant.role = role
                participant.save(update_fields=["role"])
        for stakeholder_id, role in wanted.items():
            EventParticipant.objects.create(event=self, stakeholder_id=stakeholder_id, role=role)


class EventParticipant(models.Model):
    """A stakeholder's part in an event, e.g. "led the march"."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(max_length=200, blank=True)

    history = AuditTrail()
    left_out = {  # see TimeStampedModel.left_out
        "serializer": {
            "id": "a participation is its event and stakeholder",
            "event": "shown inside its event (`participants`)",
        }
    }

    class Meta:
        ordering = ["event", "id"]
        verbose_name = "event participant"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "stakeholder"],
                name="event_participant_once",
                violation_error_message="This stakeholder already takes part in this event.",
            ),
        ]

    def __str__(self):
        role = f" ({self.role})" if self.role else ""
        return f"{self.stakeholder}{role}"

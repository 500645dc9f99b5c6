"""
Change events as the API shows them; the same representation is a webhook's `data`
(`change_event_payload`).

A change event outlives the records it names (options/models/tracking.py): it keeps their ids
and, in `data["records"]`, their labels as they were. It is shown from those alone, without
reading the records (which may be gone, and would cost a query each).
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from options import models
from options.api.serializers.audit import BriefUserSerializer
from options.api.serializers.base import StrictModelSerializer
from options.api.serializers.fast_read import DetailURLField
from options.api.serializers.fields import NamedChoiceField
from options.tracking.addresses import under_base_url

ChangeEvent = models.ChangeEvent


class ChangeEventTypeField(NamedChoiceField):
    enum_choices = ChangeEvent.Type.choices
    enum_name = "ChangeEventTypeEnum"
    enum_description = (
        "The types: "
        + ", ".join(f"`{value}` ({label.lower()})" for value, label in enum_choices)
        + "."
    )


class RecordLabelSerializer(serializers.Serializer):
    """A record a change event names, as the event recorded it: its id, its address in the API
    (which answers 404 once the record is deleted), its slug (null for positions and events), and
    its label when the change happened (`display`)."""

    id = serializers.IntegerField()
    url = serializers.URLField()
    slug = serializers.CharField(allow_null=True)
    display = serializers.CharField()


class RecordLabelField(serializers.Field):
    """A record a change event names (`topic`, `stakeholder`…), from the id the event keeps and
    the label it stored in `data["records"]`: no query, and the record may be gone."""

    PLACEHOLDER = "0policytracker0"

    def __init__(self, *, model, view_name: str, label: str, **kwargs):
        # (Not `self.label`: a field's label is its title in forms and schemas.)
        self.model, self.view_name, self.label_key = model, view_name, label
        super().__init__(**{**kwargs, "source": "*", "read_only": True})

    def to_representation(self, event):
        pk = getattr(event, f"{self.field_name}_id")
        if pk is None:
            return None
        stored = (event.data or {}).get("records", {}).get(self.field_name) or {}
        if not hasattr(self, "_url_template"):
            url = reverse(
                self.view_name,
                kwargs={"pk": self.PLACEHOLDER},
                request=self.context.get("request"),
            )
            self._url_template = url.split(self.PLACEHOLDER)
        prefix, suffix = self._url_template
        return {
            "id": pk,
            "url": f"{prefix}{pk}{suffix}",
            "slug": stored.get("slug"),
            # (Events derived by options/tracking/derive.py always store it.)
            "display": stored.get(self.label_key) or f"{self.model._meta.verbose_name} {pk}",
        }


class RecordLabelFieldExtension(OpenApiSerializerFieldExtension):
    target_class = RecordLabelField

    def map_serializer_field(self, auto_schema, direction):
        return auto_schema.resolve_serializer(RecordLabelSerializer, direction).ref


@extend_schema_field({"type": "object", "additionalProperties": {}})
class FreeFormObjectField(serializers.JSONField):
    """A JSON object whose keys depend on the event's type."""


# The records a change event names: (their detail view, the key of their label, help).
RECORDS = {
    "topic": ("api:topic-detail", "title", "The topic."),
    "stakeholder": ("api:stakeholder-detail", "name", "The stakeholder it is mainly about."),
    "option": ("api:policyoption-detail", "title", "The option it is mainly about."),
    "position": ("api:position-detail", "label", "The position the change rests on."),
    "event": ("api:event-detail", "title", "The event it is about."),
    "source": ("api:source-detail", "title", "The source of the evidence."),
}


class ChangeEventSerializer(StrictModelSerializer):
    """A meaningful change derived from a write: a stance changed, bases started or stopped
    disagreeing, a position was disputed or retracted, an event was recorded or its certainty
    changed, a forecast shifted, an option's status changed, a sanction was imposed or lifted;
    or a digest of many changes one write made on a topic. It names the records it is about as
    they were then: it outlives them."""

    url = DetailURLField(view_name="api:changeevent-detail")
    type = ChangeEventTypeField(read_only=True)
    stakeholder_ids = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Everyone the change concerns (an event's participants, a dispute's two "
        "sides), `stakeholder` included: what subscriptions match.",
    )
    option_ids = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Every option the change concerns, `option` included.",
    )
    before = FreeFormObjectField(
        read_only=True,
        allow_null=True,
        help_text="What the analysis or the record said before (by type: `stance`, `basis`, "
        "`certainty`, `status`, `weighted_mean`…); null if nothing.",
    )
    after = FreeFormObjectField(
        read_only=True, allow_null=True, help_text="What it says after; null if nothing."
    )
    data = FreeFormObjectField(
        read_only=True,
        help_text="The labels of the records it names (`records`) and facts of its type (a "
        "digest's `counts` by type, a forecast shift's `delta`…).",
    )
    digest = serializers.IntegerField(
        source="digest_id",
        read_only=True,
        allow_null=True,
        help_text="The id of the digest this event is part of, when its write made many; else "
        "null.",
    )
    digested_count = serializers.SerializerMethodField(
        help_text="For a digest: how many events it stands for (`?digest=` lists them); else 0."
    )
    user = BriefUserSerializer(
        read_only=True,
        allow_null=True,
        help_text="Who made the write; null if not a user, or if the reader is not signed in.",
    )
    request_id = serializers.SerializerMethodField(
        help_text="The `X-Request-ID` of the request that made the write; null if none."
    )

    class Meta:
        model = ChangeEvent
        fields = [
            "id",
            "url",
            "type",
            "occurred",
            "title",
            "topic",
            "stakeholder",
            "option",
            "position",
            "event",
            "source",
            "stakeholder_ids",
            "option_ids",
            "before",
            "after",
            "data",
            "write",
            "digest",
            "digested_count",
            "user",
            "request_id",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "occurred": {"help_text": "When the write was made."},
            "write": {
                "help_text": "The write it was derived from: the events of one write share it."
            },
        }

    def build_field(self, field_name, info, model_class, nested_depth):
        if field_name not in RECORDS:
            return super().build_field(field_name, info, model_class, nested_depth)
        view_name, label, help_text = RECORDS[field_name]
        optional = field_name != "topic"
        return RecordLabelField, {
            "model": info.relations[field_name].related_model,
            "view_name": view_name,
            "label": label,
            "allow_null": optional,
            "help_text": f"{help_text[:-1]}; null if none." if optional else help_text,
        }

    def get_digested_count(self, event) -> int:
        count = getattr(event, "digested_count", None)
        if count is None:  # not read along (a webhook's payload)
            is_digest = event.type == ChangeEvent.Type.CHANGES_DIGEST
            count = event.digested.count() if is_digest else 0
        return count

    @extend_schema_field({"type": "string", "nullable": True})
    def get_request_id(self, event) -> str | None:
        return event.request_id or None


def change_event_payload(change_event: ChangeEvent) -> dict:
    """A webhook's body (the Standard Webhooks convention): `type`, `timestamp` (when the change
    happened, ISO 8601) and `data`, the change event as the API shows it, its URLs absolute
    under settings.BASE_URL."""
    with under_base_url() as request:
        # Sent to the subscription's owner, a signed-in user of the service: who wrote is shown.
        context = {"request": request, "show_users": True}
        data = ChangeEventSerializer(change_event, context=context).data
    return {"type": change_event.type, "timestamp": data["occurred"], "data": data}

"""
The audit trail's serializers (read-only): a change, its fields' old and new values, who made it,
and the query of the feed of changes.
"""

import functools

from django.db.models import Model
from django.urls import NoReverseMatch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from options import models
from options.audit import HISTORY_TYPES

# Every audited model, by the name of its collection in the URL. Disputes and participants have
# no endpoint of their own (they are shown inside their position and event), but a history.
AUDITED_COLLECTIONS = {
    "topics": models.Topic,
    "stakeholders": models.Stakeholder,
    "affiliations": models.Affiliation,
    "options": models.PolicyOption,
    "sanction-measures": models.SanctionMeasure,
    "sources": models.Source,
    "positions": models.Position,
    "events": models.Event,
    "influences": models.Influence,
    "position-disputes": models.PositionDispute,
    "event-participants": models.EventParticipant,
}
COLLECTION_OF_MODEL = {model: name for name, model in AUDITED_COLLECTIONS.items()}


@functools.cache
def api_field_names(model: type[Model]) -> dict[str, str]:
    """Where the API names a field of `model` otherwise than the model does (a source's `url`
    is its `web_url`), from the serializer of the model's collection: model field → API field."""
    from options.api.urls import router  # the collections, all defined by the time of a change

    for _, viewset, _ in router.registry:
        if viewset.queryset.model is model:
            return {
                field.source: name
                for name, field in viewset.serializer_class().fields.items()
                if field.source not in (name, "*") and "." not in field.source
            }
    return {}


#: The answer to an anonymous reader who filters changes by user name (which would tell them which
#: accounts exist).
ANONYMOUS_USER_FILTER = (
    "Sign in to filter by user: who made a change is shown to signed-in readers."
)


class BriefUserSerializer(serializers.Serializer):
    """Who made a change. Shown to signed-in readers only: an account's name is half of what a
    password guesser needs, so anonymous readers of public feeds get null (webhooks, sent to a
    subscription's owner, set `show_users` in the context)."""

    id = serializers.IntegerField()
    username = serializers.CharField()

    def get_attribute(self, instance):
        user = getattr(self.context.get("request"), "user", None)
        signed_in = user is not None and user.is_authenticated
        if not (signed_in or self.context.get("show_users")):
            return None
        return super().get_attribute(instance)


class FieldChangeSerializer(serializers.Serializer):
    """A field's value before and after a change."""

    field = serializers.CharField(help_text="The field's name, as the API names it.")
    old = serializers.JSONField(allow_null=True, help_text="The value before; null if none.")
    new = serializers.JSONField(allow_null=True, help_text="The value after; null if none.")


class ChangeTypeField(serializers.ChoiceField):
    """`created`, `changed` or `deleted` (the schema names its enum `ChangeTypeEnum`)."""

    def __init__(self, **kwargs):
        super().__init__(choices=list(HISTORY_TYPES.values()), **kwargs)


class CollectionField(serializers.ChoiceField):
    """A model, shown as the name of its collection."""

    def __init__(self, **kwargs):
        super().__init__(choices=list(AUDITED_COLLECTIONS), **kwargs)

    def to_representation(self, model):
        return COLLECTION_OF_MODEL[model]


class ChangeSerializer(serializers.Serializer):
    """One change to one object, as the audit trail recorded it."""

    collection = CollectionField(source="model", help_text="Which kind of object changed.")
    object_id = serializers.IntegerField(help_text="The id of the object that changed.")
    url = serializers.SerializerMethodField(
        help_text="The object, while it exists and has an endpoint of its own; else null."
    )
    history_id = serializers.IntegerField(help_text="The record's id in the collection's history.")
    date = serializers.DateTimeField(help_text="When the change was made.")
    type = ChangeTypeField()
    user = BriefUserSerializer(
        allow_null=True,
        help_text="Who made it; null if not a user, or if the reader is not signed in.",
    )
    request_id = serializers.CharField(
        allow_null=True,
        help_text="The `X-Request-ID` of the request that made it; null if none (a command).",
    )
    changes = FieldChangeSerializer(
        many=True,
        help_text=(
            "The fields whose value changed, against the object's previous record; when it was "
            "created, the fields given a value (from null); when deleted, the fields that had one "
            "(to null)."
        ),
    )
    snapshot = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text=(
            "Every field's value after the change (for a delete: the last values): related "
            "objects as ids, many-to-many fields as sorted lists of ids."
        ),
    )

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True, "readOnly": True})
    def get_url(self, change) -> str | None:
        if not change.object_exists:
            return None
        try:
            return reverse(
                f"api:{change.model._meta.model_name}-detail",
                args=[change.object_id],
                request=self.context.get("request"),
            )
        except NoReverseMatch:
            return None

    def to_representation(self, change):
        data = super().to_representation(change)
        data["request_id"] = data["request_id"] or None
        names = api_field_names(change.model)
        if names:
            data["snapshot"] = {
                names.get(key, key): value for key, value in data["snapshot"].items()
            }
            for item in data["changes"]:
                item["field"] = names.get(item["field"], item["field"])
        return data


class ChangesQuerySerializer(serializers.Serializer):
    """The query parameters of the changes feed."""

    since = serializers.DateTimeField(
        required=False,
        help_text="Only changes made at or after this time (ISO 8601, e.g. 2019-04-30T12:00Z).",
    )
    user = serializers.CharField(
        required=False, max_length=150, help_text="Only changes made by this user (username)."
    )
    collection = serializers.ListField(
        child=serializers.ChoiceField(choices=list(AUDITED_COLLECTIONS)),
        required=False,
        default=list,
        help_text="Only changes to objects of these collections (repeatable).",
    )
    request_id = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Only changes made by the request with this `X-Request-ID`.",
    )

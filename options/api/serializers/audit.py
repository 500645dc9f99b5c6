"""
The audit trail's serializers (read-only): a change, its fields' old and new values, who made it,
and the query of the feed of changes.
"""

import functools

from django.apps import apps
from django.db.models import Model
from django.urls import NoReverseMatch
from django.utils.text import slugify
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from options.audit import HISTORY_TYPES


@functools.cache
def audited_collections() -> dict[str, type[Model]]:
    """Every audited model (one with a `history`), by the name of its collection: the router's
    prefix for those with an endpoint, in the router's order; then the others, by their plural
    in kebab case (disputes and participants, shown inside their position and event, have a
    history but no endpoint of their own).

    Read from the router when first asked, not at import: the router is built from the views,
    which import this module."""
    from options.api.urls import router

    audited = [
        model
        for model in apps.get_app_config("options").get_models()
        if hasattr(model, "history") and not model.__name__.startswith("Historical")
    ]
    collections = {
        prefix: viewset.queryset.model
        for prefix, viewset, _ in router.registry
        if viewset.queryset.model in audited
    }
    for model in audited:
        if model not in collections.values():
            collections[slugify(str(model._meta.verbose_name_plural))] = model
    return collections


def collection_of(model: type[Model]) -> str:
    """The name of `model`'s collection (see `audited_collections`)."""
    return {model: name for name, model in audited_collections().items()}[model]


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
    """The name of an audited collection; reads a model as the name of its collection.

    Its choices are the collections (`audited_collections`), known once the router is built,
    after this module: each serializer that has one sets them in `get_fields`, at use."""

    def __init__(self, **kwargs):
        super().__init__(choices=[], **kwargs)

    def to_representation(self, model):
        return collection_of(model)


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
        help_text=(
            "The `X-Request-ID` of the request that made it (the client's, if it sent one); "
            "null if none (a command)."
        ),
    )
    server_request_id = serializers.CharField(
        allow_null=True,
        help_text=(
            "The server's own id of the request that made it (`X-Server-Request-ID`), unique to "
            "that request whatever `X-Request-ID` the client sent; null if none (a command)."
        ),
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

    def get_fields(self):
        fields = super().get_fields()
        fields["collection"].choices = list(audited_collections())
        return fields

    def to_representation(self, change):
        data = super().to_representation(change)
        data["request_id"] = data["request_id"] or None
        data["server_request_id"] = data["server_request_id"] or None
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
        child=CollectionField(),
        required=False,
        default=list,
        help_text="Only changes to objects of these collections (repeatable).",
    )
    request_id = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Only changes made by the request with this `X-Request-ID`.",
    )
    server_request_id = serializers.CharField(
        required=False,
        max_length=32,
        help_text="Only changes made by the request with this `X-Server-Request-ID`.",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["collection"].child.choices = list(audited_collections())
        return fields

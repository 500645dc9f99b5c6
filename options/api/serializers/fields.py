"""
The API's fields: values of their JSON type only (DRF converts "5" to 5 and 1 to true; the schema
promises types, and generated clients rely on them), and related objects written as ids and read
as brief objects (`BriefRelatedField`), and choices whose enum has a name of its own
(`NamedChoiceField`).
"""

from django.core.validators import URLValidator
from django.db.models import Model
from django_countries.serializer_fields import CountryField as CountrySerializerField
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from options.api.serializers.brief import BriefSerializer, brief_serializer
from options.uris import RFC3986URLValidator

# --- JSON types, strictly ------------------------------------------------------------------
# DRF converts what it can: "5" and 5.0 to the integer 5, 1 and "yes" to true, 3 to the string
# "3", {} to an empty list of ids. The schema promises JSON types, and generated clients rely on
# them: a value of another type is refused (400) like any other invalid value.

# The largest id (a BigAutoField): a larger number names no record. (SQLite cannot even compare
# a column with it, and would fail.)
MAX_ID = 2**63 - 1


def is_json_type(data, json_type: type) -> bool:
    """Whether `data`, as parsed from JSON, is of `json_type` (a bool is not an int here)."""
    return isinstance(data, json_type) and (json_type is bool or not isinstance(data, bool))


def as_json_integer(data):
    """`data` as an int where JSON Schema calls it an integer: OpenAPI 3.1's JSON Schema (2020-12)
    counts a number with no fractional part (`5.0`) as the integer 5, so the server must take it
    as 5; anything else is returned as it is, for the field to refuse."""
    if isinstance(data, float) and data.is_integer():
        return int(data)
    return data


class JSONTypeMixin:
    """Refuses a value that is not of the field's JSON type, before any conversion."""

    json_type: type = str

    def to_internal_value(self, data):
        if self.json_type is int:
            data = as_json_integer(data)
        if not is_json_type(data, self.json_type):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(JSONTypeMixin, serializers.CharField):
    """A string, and only a string (DRF's CharField takes numbers too)."""


class StrictSlugField(JSONTypeMixin, serializers.SlugField):
    """A slug, given as a string."""


class StrictURLField(JSONTypeMixin, serializers.URLField):
    """A URL, given as a string, and a URI by RFC 3986 (DRF's URLField takes any character but
    white space after the host): its own URL check gives way to the model's RFC 3986 one
    (options/uris.py), or becomes one."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        strict = any(isinstance(v, RFC3986URLValidator) for v in self.validators)
        validators = []
        for validator in self.validators:
            if type(validator) is URLValidator:
                if strict:
                    continue
                validator = RFC3986URLValidator(message=validator.message)
            validators.append(validator)
        self.validators = validators


class StrictIntegerField(JSONTypeMixin, serializers.IntegerField):
    """An integer, and only an integer (DRF's IntegerField takes "5" and 5.5 too)."""

    json_type = int


class StrictBooleanField(JSONTypeMixin, serializers.BooleanField):
    """true or false (DRF's BooleanField takes 1, "yes", "on"… too)."""

    json_type = bool


class StrictCountryField(CountrySerializerField):
    """An ISO 3166-1 alpha-2 code from the schema's enum, or blank where allowed (django-countries
    also takes a {"code": …} object, a lowercase code or a country's name)."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or (data and data not in self.choices):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictManyRelatedField(serializers.ManyRelatedField):
    """A list of related objects' ids, and only a list (DRF's takes any iterable, e.g. {})."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class BriefRelatedField(serializers.PrimaryKeyRelatedField):
    """Written as the related object's id; read as the related object's brief form (declared
    by its own serializer: options/api/serializers/brief.py)."""

    def __init__(self, model: type[Model], **kwargs):
        self.related_model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)

    @property
    def brief_serializer_class(self) -> type[BriefSerializer]:
        # Looked up when first used: the related model's serializer may be defined later.
        return brief_serializer(self.related_model)

    @classmethod
    def many_init(cls, *args, **kwargs):
        # The list is read-only, not each item: the schema then shows plain items.
        child_kwargs = {key: value for key, value in kwargs.items() if key != "read_only"}
        list_kwargs = {"child_relation": cls(*args, **child_kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return StrictManyRelatedField(**list_kwargs)

    def use_pk_only_optimization(self):
        return False

    def to_internal_value(self, data):
        # An id is an integer (DRF would look up "5" and true as well).
        data = as_json_integer(data)
        if not is_json_type(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)

    def to_representation(self, value):
        # One brief serializer per field, not one per related object: building a serializer's
        # fields from the model is what made lists slow (bench/README.md).
        if not hasattr(self, "_brief_serializer"):
            self._brief_serializer = self.brief_serializer_class(context=self.context)
        return self._brief_serializer.to_representation(value)


def brief(model: type[Model], **kwargs) -> BriefRelatedField:
    """A related `model` object: its id in requests, its brief form in responses."""
    return BriefRelatedField(model, **kwargs)


# --- Named enums ------------------------------------------------------------------------------
# Common names (`type`, `status`) get enums named of their own (as ChangeTypeEnum).


class NamedChoiceField(serializers.ChoiceField):
    """A choice whose enum the schema names `enum_name`, described by `enum_description`."""

    enum_name = enum_description = ""

    def __init__(self, **kwargs):
        super().__init__(choices=self.enum_choices, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = {
            "type": "string",
            "enum": [value for value, _ in field.enum_choices],
            "description": field.enum_description,
        }
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema=schema,
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class StrictFloatField(JSONTypeMixin, serializers.FloatField):
    """A JSON number (DRF's FloatField takes "0.5" too)."""

    json_type = (int, float)

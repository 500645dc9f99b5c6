"""
The API's fields: values of their JSON type only (DRF converts "5" to 5 and 1 to true; the schema
promises types, and generated clients rely on them), and related objects written as ids and read
as brief objects (`BriefRelatedField`).
"""

from django_countries.serializer_fields import CountryField as CountrySerializerField
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from options import models
from options.api.serializers.fast_read import DetailURLField, FastReadMixin

# --- Brief representations of related objects -------------------------------------------------


class BriefSerializer(FastReadMixin, serializers.ModelSerializer):
    serializer_url_field = DetailURLField

    display = serializers.CharField(source="__str__", read_only=True)


class BriefTopicSerializer(BriefSerializer):
    """A topic in brief, as it appears inside another object."""

    class Meta:
        model = models.Topic
        fields = ["id", "url", "slug", "display"]
        extra_kwargs = {"url": {"view_name": "api:topic-detail"}}


class BriefStakeholderSerializer(BriefSerializer):
    """A stakeholder in brief, as it appears inside another object."""

    class Meta:
        model = models.Stakeholder
        fields = ["id", "url", "slug", "display", "kind"]
        extra_kwargs = {"url": {"view_name": "api:stakeholder-detail"}}


class BriefSourceSerializer(BriefSerializer):
    """A source in brief, as it appears inside another object."""

    # Declared: the model's own `url` field is the source's web address (`web_url` in the API).
    url = DetailURLField(view_name="api:source-detail")

    class Meta:
        model = models.Source
        fields = ["id", "url", "slug", "display"]


class BriefPolicyOptionSerializer(BriefSerializer):
    """A policy option in brief, as it appears inside another object."""

    class Meta:
        model = models.PolicyOption
        fields = ["id", "url", "slug", "display"]
        extra_kwargs = {"url": {"view_name": "api:policyoption-detail"}}


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


class JSONTypeMixin:
    """Refuses a value that is not of the field's JSON type, before any conversion."""

    json_type: type = str

    def to_internal_value(self, data):
        if not is_json_type(data, self.json_type):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(JSONTypeMixin, serializers.CharField):
    """A string, and only a string (DRF's CharField takes numbers too)."""


class StrictSlugField(JSONTypeMixin, serializers.SlugField):
    """A slug, given as a string."""


class StrictURLField(JSONTypeMixin, serializers.URLField):
    """A URL, given as a string."""


class StrictIntegerField(JSONTypeMixin, serializers.IntegerField):
    """An integer, and only an integer (DRF's IntegerField takes "5" and 5.0 too)."""

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
    """Written as the related object's id; read as the related object's brief form."""

    def __init__(self, brief_serializer_class: type[BriefSerializer], **kwargs):
        self.brief_serializer_class = brief_serializer_class
        kwargs.setdefault("queryset", brief_serializer_class.Meta.model.objects.all())
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return StrictManyRelatedField(**list_kwargs)

    def use_pk_only_optimization(self):
        return False

    def to_internal_value(self, data):
        # An id is an integer (DRF would look up "5", 5.0 and true as well).
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


def brief(serializer_class: type[BriefSerializer], **kwargs) -> BriefRelatedField:
    return BriefRelatedField(serializer_class, **kwargs)

"""
Serializers of the REST API.

Related objects are written as ids and read as brief objects (`id`, `url`, `slug` where the model
has one, and `display`, a human label): `BriefRelatedField` does both. Every write runs the
model's `full_clean()`, so the API refuses exactly what the admin refuses, in the same words.
"""

import copy
import functools
import operator

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models as db_models
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ManyToManyDescriptor,
    ReverseManyToOneDescriptor,
)
from django.db.models.query_utils import DeferredAttribute
from django.urls import NoReverseMatch
from django_countries.serializer_fields import CountryField as CountrySerializerField
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.reverse import reverse
from rest_framework.serializers import raise_errors_on_nested_writes
from rest_framework.settings import api_settings
from rest_framework.utils import model_meta
from rest_framework.validators import UniqueValidator

from options import models, services
from options.audit import HISTORY_TYPES

#: The keyword of `serializer.save()` naming the versions the stored record must be at.
EXPECTED_VERSIONS = "expected_versions"

# --- URLs ----------------------------------------------------------------------------------


class DetailURLField(serializers.HyperlinkedIdentityField):
    """An object's API URL, reversed once per request instead of once per object.

    A page of 100 positions holds 500 URLs, and reversing each one cost an eighth of the page's
    time (bench/README.md). The URL of a record differs from its neighbours' only in the id, so
    the field reverses a placeholder once and puts each id in its place. (DRF binds a copy of
    each field to each serializer, and a serializer serves one request: one host, one format.)
    """

    PLACEHOLDER = "0policytracker0"
    _url_template: tuple[str, str] | None = None

    def to_representation(self, value):
        lookup_value = getattr(value, self.lookup_field)
        if self._url_template is None or not isinstance(lookup_value, int):
            return super().to_representation(value)
        prefix, suffix = self._url_template
        return f"{prefix}{lookup_value}{suffix}"

    def get_url(self, obj, view_name, request, format):
        lookup_value = getattr(obj, self.lookup_field)
        if format or not isinstance(lookup_value, int):
            return super().get_url(obj, view_name, request, format)
        url = self.reverse(
            view_name, kwargs={self.lookup_url_kwarg: self.PLACEHOLDER}, request=request
        )
        self._url_template = prefix, suffix = url.split(self.PLACEHOLDER)
        return f"{prefix}{lookup_value}{suffix}"


# --- Reading model instances fast ------------------------------------------------------------


def read_prefetched(instance, *, name: str, read):
    """The related objects that were prefetched, else `read(instance)`.

    Prefetched objects are in the list `prefetched_<name>` where the queryset used
    `Prefetch(name, to_attr="prefetched_<name>")` (the fastest), else in the queryset
    `prefetch_related(name)` cached. DRF reads a to-many relation with `manager.all()`, which
    clones a queryset for every object of a page even when the objects were prefetched: 5 ms a
    page of positions for their disputes.
    """
    prefetched = instance.__dict__.get(f"prefetched_{name}")
    if prefetched is not None:
        return prefetched
    try:
        return instance._prefetched_objects_cache[name]
    except (AttributeError, KeyError):
        return read(instance)


def json_type_kept_by(field) -> type | None:
    """The type of value that `field.to_representation` returns unchanged, if any: a string for
    a `CharField` (`str(value)`), an integer for an `IntegerField` (`int(value)`)…, so that the
    call can be skipped (a page of positions makes 4,000 of them)."""
    representation = type(field).to_representation
    kept = {
        serializers.CharField.to_representation: str,
        serializers.IntegerField.to_representation: int,
        serializers.BooleanField.to_representation: bool,
    }.get(representation)
    if representation is serializers.BigIntegerField.to_representation and not getattr(
        field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING
    ):
        kept = int
    if representation is serializers.ChoiceField.to_representation and field.choices:
        # DRF maps the value's string to the choice with that string: itself, when the choices'
        # values are all of the value's type.
        types = {type(value) for value in field.choices}
        kept = types.pop() if len(types) == 1 and types <= {str, int} else None
    return kept


class FastReadMixin:
    """Reads a model serializer's plain attributes with `operator.attrgetter`.

    DRF's `Field.get_attribute` walks each field's source generically (mapping or object? a
    callable to call?), and did so 8,000 times for a page of 100 positions: a quarter of the
    page's time. A source that is one of the model's fields or properties is read directly,
    `__str__` is `str()`, and every other field (dotted sources, many-to-many, `*`) is read by
    DRF as before. The values are then turned into JSON by each field, as DRF does.
    """

    @property
    def _read_plan(self) -> list:
        if not hasattr(self, "_cached_read_plan"):
            self._cached_read_plan = [
                (field, self._attribute_reader(field), json_type_kept_by(field))
                for field in self._readable_fields
            ]
        return self._cached_read_plan

    def _attribute_reader(self, field):
        if field.source_attrs == ["__str__"]:
            return str
        if len(field.source_attrs) == 1 and not isinstance(field, serializers.ManyRelatedField):
            name = field.source_attrs[0]
            model_attribute = getattr(self.Meta.model, name, None)
            is_field = isinstance(
                model_attribute, (DeferredAttribute, ForwardManyToOneDescriptor, property)
            )
            if is_field and not isinstance(field, serializers.BaseSerializer):
                return operator.attrgetter(name)
            if isinstance(model_attribute, (ReverseManyToOneDescriptor, ManyToManyDescriptor)):
                return functools.partial(read_prefetched, name=name, read=field.get_attribute)
        return field.get_attribute

    def to_representation(self, instance):
        representation = {}
        for field, read, kept_type in self._read_plan:
            try:
                attribute = read(instance)
            except SkipField:
                continue
            if attribute is None or type(attribute) is kept_type:
                representation[field.field_name] = attribute
            else:
                representation[field.field_name] = field.to_representation(attribute)
        return representation


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


# --- Shared behaviour -------------------------------------------------------------------------


# (Comments, not docstrings: docstrings of serializers become OpenAPI descriptions.)
# A ModelSerializer whose fields take only their JSON type (see StrictCharField and the others).
class StrictModelSerializer(FastReadMixin, serializers.ModelSerializer):
    serializer_url_field = DetailURLField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        db_models.CharField: StrictCharField,
        db_models.TextField: StrictCharField,
        db_models.SlugField: StrictSlugField,
        db_models.URLField: StrictURLField,
        db_models.IntegerField: StrictIntegerField,
        db_models.SmallIntegerField: StrictIntegerField,
        db_models.PositiveIntegerField: StrictIntegerField,
        db_models.PositiveSmallIntegerField: StrictIntegerField,
        db_models.BigIntegerField: StrictIntegerField,
        db_models.BooleanField: StrictBooleanField,
    }


# A ModelSerializer that validates with the model's own `full_clean()`. DRF does not call it, so
# a broken CheckConstraint would surface as an IntegrityError. Running it checks field
# validators, `clean()`, unique and check constraints with Django's messages, the ones the admin
# shows. DRF's own unique validators are dropped so that each rule is checked once, with one
# message.
class ModelSerializer(CountryFieldMixin, StrictModelSerializer):
    def get_validators(self):
        return []

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if field_class is CountrySerializerField:
            field_class = StrictCountryField
        if "validators" in field_kwargs:
            field_kwargs["validators"] = [
                validator
                for validator in field_kwargs["validators"]
                if not isinstance(validator, UniqueValidator)
            ]
        return field_class, field_kwargs

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        concrete_fields = {field.name for field in model._meta.concrete_fields}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in concrete_fields:
                setattr(instance, name, value)
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(self._api_field_errors(error)) from error
        return attrs

    def _api_field_errors(self, error: DjangoValidationError) -> dict:
        """Key Django's errors by the API's field names (a field may read another attribute)."""
        api_names = {field.source: name for name, field in self.fields.items()}
        api_names[NON_FIELD_ERRORS] = api_settings.NON_FIELD_ERRORS_KEY
        errors = serializers.as_serializer_error(error)
        return {api_names.get(name, name): messages for name, messages in errors.items()}

    # Writes go through the write services (options/services.py). `save()` may be given the
    # versions the stored record must be at (the view's If-Match): `expected_versions`.
    def create(self, validated_data):
        fields, links = self._fields_and_links("create", validated_data)
        return services.record_create(self.Meta.model, fields=fields, links=links)

    def update(self, instance, validated_data):
        expected_versions = validated_data.pop(EXPECTED_VERSIONS, None)
        fields, links = self._fields_and_links("update", validated_data)
        return services.record_update(
            instance, fields=fields, links=links, expected_versions=expected_versions
        )

    def _fields_and_links(self, action: str, validated_data: dict) -> tuple[dict, dict]:
        """The validated data split as DRF's ModelSerializer does: field values, and the
        many-to-many links, set after the record is saved."""
        raise_errors_on_nested_writes(action, self, validated_data)
        relations = model_meta.get_field_info(self.Meta.model).relations
        links = {
            name: validated_data.pop(name)
            for name, relation in relations.items()
            if relation.to_many and name in validated_data
        }
        return validated_data, links


# --- Resources --------------------------------------------------------------------------------


class SourceSerializer(ModelSerializer):
    """Where a fact comes from."""

    url = DetailURLField(view_name="api:source-detail")
    web_url = StrictURLField(
        source="url",
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Where the source can be read.",
    )
    cited_in = brief(
        BriefSourceSerializer,
        required=False,
        allow_null=True,
        help_text="The source through which this one is known, when only known second hand.",
    )

    class Meta:
        model = models.Source
        fields = [
            "id",
            "url",
            "slug",
            "title",
            "kind",
            "publisher",
            "author",
            "web_url",
            "published",
            "published_precision",
            "reliability",
            "cited_in",
            "notes",
            "created",
            "updated",
            "version",
        ]


class TopicSerializer(ModelSerializer):
    """A policy question inside a crisis, with its options (read-only, in brief)."""

    sources = brief(BriefSourceSerializer, many=True, required=False)
    options = BriefPolicyOptionSerializer(many=True, read_only=True)
    page_url = serializers.HyperlinkedIdentityField(
        view_name="topic-page",
        lookup_field="slug",
        help_text="The topic's page: stance matrix, forecast and timeline, as of any date.",
    )

    class Meta:
        model = models.Topic
        fields = [
            "id",
            "url",
            "slug",
            "title",
            "question",
            "country",
            "description",
            "sources",
            "options",
            "page_url",
            "created",
            "updated",
            "version",
        ]
        extra_kwargs = {"url": {"view_name": "api:topic-detail"}}


class AffiliationSerializer(ModelSerializer):
    """A dated tie between two stakeholders: the subject `kind` the object."""

    subject = brief(BriefStakeholderSerializer)
    object = brief(BriefStakeholderSerializer)
    source = brief(BriefSourceSerializer, required=False, allow_null=True)

    class Meta:
        model = models.Affiliation
        fields = [
            "id",
            "url",
            "subject",
            "kind",
            "object",
            "role",
            "start_date",
            "end_date",
            "source",
            "quote",
            "notes",
            "created",
            "updated",
            "version",
        ]
        extra_kwargs = {"url": {"view_name": "api:affiliation-detail"}}


class StakeholderSerializer(ModelSerializer):
    """Anyone whose position matters, with its affiliations (read-only)."""

    aliases = serializers.ListField(
        child=StrictCharField(max_length=200),
        required=False,
        help_text="Other names the stakeholder goes by.",
    )
    sources = brief(BriefSourceSerializer, many=True, required=False)
    affiliations = AffiliationSerializer(
        many=True, read_only=True, help_text="Ties in which this stakeholder is the subject."
    )
    incoming_affiliations = AffiliationSerializer(
        many=True, read_only=True, help_text="Ties in which this stakeholder is the object."
    )

    class Meta:
        model = models.Stakeholder
        fields = [
            "id",
            "url",
            "slug",
            "name",
            "kind",
            "country",
            "aliases",
            "description",
            "wikidata_id",
            "opensanctions_id",
            "sources",
            "affiliations",
            "incoming_affiliations",
            "created",
            "updated",
            "version",
        ]
        extra_kwargs = {"url": {"view_name": "api:stakeholder-detail"}}


class SanctionMeasureSerializer(ModelSerializer):
    """The detail of a sanctions option."""

    option = brief(BriefPolicyOptionSerializer)
    imposing_authority = brief(BriefStakeholderSerializer, required=False, allow_null=True)
    target = brief(BriefStakeholderSerializer, required=False, allow_null=True)
    source = brief(BriefSourceSerializer, required=False, allow_null=True)

    class Meta:
        model = models.SanctionMeasure
        fields = [
            "id",
            "url",
            "option",
            "measure_type",
            "imposing_authority",
            "legal_basis",
            "programme_code",
            "target",
            "threatened_date",
            "listed_date",
            "effective_date",
            "end_date",
            "description",
            "source",
            "quote",
            "created",
            "updated",
            "version",
        ]
        extra_kwargs = {"url": {"view_name": "api:sanctionmeasure-detail"}}


class PolicyOptionSerializer(ModelSerializer):
    """A course of action on a topic, with its sanction measures (read-only)."""

    topic = brief(BriefTopicSerializer)
    proposer = brief(BriefStakeholderSerializer, required=False, allow_null=True)
    actors = brief(BriefStakeholderSerializer, many=True, required=False)
    targets = brief(BriefStakeholderSerializer, many=True, required=False)
    venue = brief(BriefStakeholderSerializer, required=False, allow_null=True)
    sources = brief(BriefSourceSerializer, many=True, required=False)
    measures = SanctionMeasureSerializer(many=True, read_only=True)

    class Meta:
        model = models.PolicyOption
        fields = [
            "id",
            "url",
            "topic",
            "slug",
            "title",
            "kind",
            "status",
            "proposer",
            "actors",
            "targets",
            "venue",
            "start_date",
            "end_date",
            "description",
            "sources",
            "measures",
            "created",
            "updated",
            "version",
        ]
        extra_kwargs = {"url": {"view_name": "api:policyoption-detail"}}


class PositionDisputeSerializer(serializers.ModelSerializer):
    """Another stakeholder's denial that the position is held."""

    disputed_by = BriefStakeholderSerializer(read_only=True)
    source = BriefSourceSerializer(read_only=True)

    class Meta:
        model = models.PositionDispute
        fields = ["id", "disputed_by", "date", "date_precision", "source", "quote", "notes"]


class PositionSerializer(ModelSerializer):
    """One stakeholder's stance on one option at a date, with evidence."""

    stakeholder = brief(BriefStakeholderSerializer)
    option = brief(BriefPolicyOptionSerializer)
    topic = BriefTopicSerializer(source="option.topic", read_only=True)
    stance_label = serializers.CharField(read_only=True, help_text='e.g. "Strongly oppose".')
    reported_by = brief(
        BriefStakeholderSerializer,
        required=False,
        allow_null=True,
        help_text="Who reports the position; only when the basis is `reported`.",
    )
    source = brief(BriefSourceSerializer)
    retracted = serializers.BooleanField(
        read_only=True,
        help_text="Whether a retraction is recorded (`retracted_on` is set; read-only).",
    )
    disputes = PositionDisputeSerializer(many=True, read_only=True)

    class Meta:
        model = models.Position
        fields = [
            "id",
            "url",
            "stakeholder",
            "option",
            "topic",
            "stance",
            "stance_label",
            "basis",
            "reported_by",
            "as_of",
            "as_of_precision",
            "salience",
            "confidence",
            "source",
            "quote",
            "summary",
            "notes",
            "retracted",
            "retracted_on",
            "retracted_precision",
            "disputes",
            "created",
            "updated",
            "version",
        ]
        extra_kwargs = {"url": {"view_name": "api:position-detail"}}


class EventParticipantSerializer(StrictModelSerializer):
    """A stakeholder's part in an event."""

    stakeholder = brief(BriefStakeholderSerializer)

    class Meta:
        model = models.EventParticipant
        fields = ["stakeholder", "role"]


class EventSerializer(ModelSerializer):
    """A dated happening on a topic."""

    topic = brief(BriefTopicSerializer)
    participants = EventParticipantSerializer(
        source="participations",
        many=True,
        required=False,
        help_text="Who took part, and in what role. Writing it replaces the whole list.",
    )
    options = brief(BriefPolicyOptionSerializer, many=True, required=False)
    sources = brief(BriefSourceSerializer, many=True, required=False)
    claimed_by = brief(BriefStakeholderSerializer, many=True, required=False)
    denied_by = brief(BriefStakeholderSerializer, many=True, required=False)

    class Meta:
        model = models.Event
        fields = [
            "id",
            "url",
            "topic",
            "slug",
            "title",
            "description",
            "date",
            "date_precision",
            "location",
            "participants",
            "options",
            "sources",
            "certainty",
            "claimed_by",
            "denied_by",
            "created",
            "updated",
            "version",
        ]
        extra_kwargs = {"url": {"view_name": "api:event-detail"}}

    def validate_participants(self, participations):
        # On PATCH, DRF lets nested items omit required fields; but the list replaces the whole
        # one, so every item must be complete. The errors are per item, as DRF gives them.
        required = serializers.Field.default_error_messages["required"]
        missing = [
            {} if "stakeholder" in item else {"stakeholder": [required]} for item in participations
        ]
        if any(missing):
            raise serializers.ValidationError(missing)
        stakeholders = [participation["stakeholder"] for participation in participations]
        if len(set(stakeholders)) != len(stakeholders):
            raise serializers.ValidationError("A stakeholder can take part only once.")
        return participations

    def create(self, validated_data):
        participations = validated_data.pop("participations", [])
        fields, links = self._fields_and_links("create", validated_data)
        return services.event_create(fields=fields, links=links, participations=participations)

    def update(self, instance, validated_data):
        participations = validated_data.pop("participations", None)
        expected_versions = validated_data.pop(EXPECTED_VERSIONS, None)
        fields, links = self._fields_and_links("update", validated_data)
        return services.event_update(
            instance,
            fields=fields,
            links=links,
            participations=participations,
            expected_versions=expected_versions,
        )


class InfluenceSerializer(ModelSerializer):
    """A stakeholder's capability to shape a topic's outcome, as of a date."""

    stakeholder = brief(BriefStakeholderSerializer)
    topic = brief(BriefTopicSerializer)
    option = brief(
        BriefPolicyOptionSerializer,
        required=False,
        allow_null=True,
        help_text=(
            "Only on this option of the topic (its capability there overrides the topic-wide "
            "one); null for the whole topic."
        ),
    )
    source = brief(BriefSourceSerializer, required=False, allow_null=True)

    class Meta:
        model = models.Influence
        fields = [
            "id",
            "url",
            "stakeholder",
            "topic",
            "option",
            "capability",
            "as_of",
            "rationale",
            "source",
            "created",
            "updated",
            "version",
        ]
        extra_kwargs = {"url": {"view_name": "api:influence-detail"}}


class HealthSerializer(serializers.Serializer):
    """The service's health."""

    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    database = serializers.ChoiceField(choices=["ok", "unreachable"])
    version = serializers.CharField()


# --- Audit trail (read-only) ------------------------------------------------------------------

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
# Where the API names a field otherwise than the model does.
API_FIELD_NAMES = {models.Source: {"url": "web_url"}}


class BriefUserSerializer(serializers.Serializer):
    """Who made a change."""

    id = serializers.IntegerField()
    username = serializers.CharField()


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
    user = BriefUserSerializer(allow_null=True, help_text="Who made it; null if not a user.")
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
        names = API_FIELD_NAMES.get(change.model)
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

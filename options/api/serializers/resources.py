"""
The API's resources: one serializer per collection. Related objects are written as ids and read
as brief objects (`id`, `url`, `slug` where the model has one, and `display`, a human label).
"""

from rest_framework import serializers

from options import models, services
from options.api.serializers.base import EXPECTED_VERSIONS, ModelSerializer, StrictModelSerializer
from options.api.serializers.fast_read import DetailURLField
from options.api.serializers.fields import StrictCharField, StrictURLField, brief


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
        models.Source,
        required=False,
        allow_null=True,
        help_text="The source through which this one is known, when only known second hand.",
    )

    class Meta:
        model = models.Source
        # Its brief form, inside other records (options/api/serializers/brief.py).
        brief_fields = ["id", "url", "slug", "display"]
        brief_display = "title"
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

    sources = brief(models.Source, many=True, required=False)
    options = brief(models.PolicyOption, many=True, read_only=True)
    page_url = serializers.HyperlinkedIdentityField(
        view_name="topic-page",
        lookup_field="slug",
        help_text="The topic's page: stance matrix, forecast and timeline, as of any date.",
    )

    class Meta:
        model = models.Topic
        # Its brief form, inside other records (options/api/serializers/brief.py).
        brief_fields = ["id", "url", "slug", "display"]
        brief_display = "title"
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

    subject = brief(models.Stakeholder)
    object = brief(models.Stakeholder)
    source = brief(models.Source, required=False, allow_null=True)

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
    sources = brief(models.Source, many=True, required=False)
    affiliations = AffiliationSerializer(
        many=True, read_only=True, help_text="Ties in which this stakeholder is the subject."
    )
    incoming_affiliations = AffiliationSerializer(
        many=True, read_only=True, help_text="Ties in which this stakeholder is the object."
    )

    class Meta:
        model = models.Stakeholder
        # Its brief form, inside other records (options/api/serializers/brief.py).
        brief_fields = ["id", "url", "slug", "display", "kind"]
        brief_display = "name"
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

    option = brief(models.PolicyOption)
    imposing_authority = brief(models.Stakeholder, required=False, allow_null=True)
    target = brief(models.Stakeholder, required=False, allow_null=True)
    source = brief(models.Source, required=False, allow_null=True)

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

    topic = brief(models.Topic)
    proposer = brief(models.Stakeholder, required=False, allow_null=True)
    actors = brief(models.Stakeholder, many=True, required=False)
    targets = brief(models.Stakeholder, many=True, required=False)
    venue = brief(models.Stakeholder, required=False, allow_null=True)
    sources = brief(models.Source, many=True, required=False)
    measures = SanctionMeasureSerializer(many=True, read_only=True)

    class Meta:
        model = models.PolicyOption
        # Its brief form, inside other records (options/api/serializers/brief.py).
        brief_fields = ["id", "url", "slug", "display"]
        brief_display = "title"
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

    disputed_by = brief(models.Stakeholder, read_only=True)
    source = brief(models.Source, read_only=True)

    class Meta:
        model = models.PositionDispute
        fields = ["id", "disputed_by", "date", "date_precision", "source", "quote", "notes"]


class PositionSerializer(ModelSerializer):
    """One stakeholder's stance on one option at a date, with evidence."""

    stakeholder = brief(models.Stakeholder)
    option = brief(models.PolicyOption)
    topic = brief(models.Topic, source="option.topic", read_only=True)
    stance_label = serializers.CharField(read_only=True, help_text='e.g. "Strongly oppose".')
    reported_by = brief(
        models.Stakeholder,
        required=False,
        allow_null=True,
        help_text="Who reports the position; only when the basis is `reported`.",
    )
    source = brief(models.Source)
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

    stakeholder = brief(models.Stakeholder)

    class Meta:
        model = models.EventParticipant
        fields = ["stakeholder", "role"]


class EventSerializer(ModelSerializer):
    """A dated happening on a topic."""

    topic = brief(models.Topic)
    participants = EventParticipantSerializer(
        source="participations",
        many=True,
        required=False,
        help_text="Who took part, and in what role. Writing it replaces the whole list.",
    )
    options = brief(models.PolicyOption, many=True, required=False)
    sources = brief(models.Source, many=True, required=False)
    claimed_by = brief(models.Stakeholder, many=True, required=False)
    denied_by = brief(models.Stakeholder, many=True, required=False)

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

    stakeholder = brief(models.Stakeholder)
    topic = brief(models.Topic)
    option = brief(
        models.PolicyOption,
        required=False,
        allow_null=True,
        help_text=(
            "Only on this option of the topic (its capability there overrides the topic-wide "
            "one); null for the whole topic."
        ),
    )
    source = brief(models.Source, required=False, allow_null=True)

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

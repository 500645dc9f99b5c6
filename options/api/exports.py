"""
Exports in interchange formats: Popolo JSON and FollowTheMoney entities (options/interchange/
builds them). Both are streamed as they are read from the database, however large.

The serializers below are not used to write the exports: they document their shape in the
OpenAPI schema (tests/api/test_interchange.py checks the exports against it).
"""

from django.http import StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.views import APIView

from options import interchange
from options.api.filter_backends import reject_unknown_query_parameters
from options.api.permissions import PublicRead
from options.api.renderers import ORJSONRenderer
from options.api.schema import AutoSchema

# --- The documents' shapes ----------------------------------------------------------------------


def texts(help_text: str, **kwargs) -> serializers.ListField:
    """A list of texts: FollowTheMoney gives every property as one."""
    return serializers.ListField(child=serializers.CharField(), help_text=help_text, **kwargs)


class PopoloLinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    note = serializers.CharField()


class PopoloIdentifierSerializer(serializers.Serializer):
    scheme = serializers.ChoiceField(choices=interchange.POPOLO_IDENTIFIER_SCHEMES)
    identifier = serializers.CharField(help_text='e.g. "Q42" (Wikidata).')


class PopoloOtherNameSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="An alias.")


class PopoloPartySerializer(serializers.Serializer):
    """What persons and organizations have in common."""

    id = serializers.CharField(
        help_text='"policytracker-stakeholder-<id>": the id of the stakeholder in this API, '
        "as in the FollowTheMoney export."
    )
    name = serializers.CharField()
    other_names = PopoloOtherNameSerializer(many=True, required=False, help_text="The aliases.")
    identifiers = PopoloIdentifierSerializer(many=True, required=False)
    links = PopoloLinkSerializer(many=True, help_text="The stakeholder's record in this API.")
    sources = PopoloLinkSerializer(
        many=True,
        required=False,
        help_text="The stakeholder's sources: each one's URL (or, if it has none, its record in "
        "this API) and title.",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PopoloPersonSerializer(PopoloPartySerializer):
    national_identity = serializers.CharField(
        required=False, help_text="The name of the stakeholder's country."
    )
    summary = serializers.CharField(required=False, help_text="The stakeholder's description.")


class PopoloOrganizationSerializer(PopoloPartySerializer):
    classification = serializers.ChoiceField(
        choices=interchange.POPOLO_CLASSIFICATIONS, help_text="The stakeholder's kind."
    )
    area_id = serializers.CharField(
        required=False,
        help_text='The area of the stakeholder\'s country: "ocd-division/country:<code>".',
    )


class PopoloMemberSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The organization's id.")

    def get_fields(self):
        # "@type" is not a Python name.
        return {
            "@type": serializers.ChoiceField(choices=interchange.POPOLO_MEMBER_TYPES),
            **super().get_fields(),
        }


class PopoloMembershipSerializer(serializers.Serializer):
    id = serializers.CharField(help_text='"policytracker-affiliation-<id>".')
    label = serializers.CharField(
        help_text='The tie in words, e.g. "Vladimir Padrino López holds post in Venezuelan '
        'government (Defence Minister)".'
    )
    role = serializers.CharField(
        help_text='The affiliation\'s role, else "member" (member of), "leader" (leads) or '
        '"post holder" (holds post in).'
    )
    person_id = serializers.CharField(
        required=False, help_text="The member, when it is a person (else `member`)."
    )
    member = PopoloMemberSerializer(
        required=False, help_text="The member, when it is an organization (else `person_id`)."
    )
    organization_id = serializers.CharField()
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    sources = PopoloLinkSerializer(many=True, required=False)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PopoloAreaSerializer(serializers.Serializer):
    id = serializers.CharField(help_text='"ocd-division/country:<code>".')
    name = serializers.CharField()
    identifier = serializers.CharField(help_text="ISO 3166-1 alpha-2 code.")
    classification = serializers.ChoiceField(choices=["country"])


class PopoloExportSerializer(serializers.Serializer):
    persons = PopoloPersonSerializer(many=True, help_text="The stakeholders who are persons.")
    organizations = PopoloOrganizationSerializer(many=True, help_text="Every other stakeholder.")
    memberships = PopoloMembershipSerializer(
        many=True,
        help_text="The affiliations of the kinds member of, leads and holds post in, whose "
        "object is not a person.",
    )
    areas = PopoloAreaSerializer(many=True, help_text="The countries of the organizations.")


class FtMPartyPropertiesSerializer(serializers.Serializer):
    name = texts("The stakeholder's name.")
    alias = texts("Its aliases.", required=False)
    country = texts("Its country, an ISO 3166-1 alpha-2 code in lower case.", required=False)
    wikidataId = texts("Its Wikidata ID.", required=False)
    notes = texts("Its description.", required=False)
    classification = texts(
        'Its kind, in words (not for a Person), e.g. "Armed forces or security service".',
        required=False,
    )
    sourceUrl = texts(
        "Its sources: each one's URL, or, if it has none, its record in this API.",
        required=False,
    )


class FtMPartySerializer(serializers.Serializer):
    """A stakeholder."""

    id = serializers.CharField(help_text='"policytracker-stakeholder-<id>".')
    schema = serializers.ChoiceField(
        choices=interchange.FTM_PARTY_SCHEMATA,
        help_text="By kind: Person (person); PublicBody (state, government body, armed forces); "
        "LegalEntity (community or interest group); Organization (every other).",
    )
    properties = FtMPartyPropertiesSerializer()
    referents = texts("Its OpenSanctions ID, when known.", required=False)


class FtMSanctionPropertiesSerializer(serializers.Serializer):
    entity = texts("The id of the target's entity (a stakeholder's, earlier in the export).")
    authority = texts("The imposing authority's name.", required=False)
    country = texts("The imposing authority's country (lower case ISO code).", required=False)
    program = texts('The legal basis, e.g. "Executive Order 13850".', required=False)
    programId = texts('The programme code, e.g. "VENEZUELA-EO13850".', required=False)
    provisions = texts('The measure type in words, e.g. "Asset freeze".')
    status = texts('The status of the sanctions option in words, e.g. "In force".')
    summary = texts("The sanctions option's title.")
    description = texts("The measure's description.", required=False)
    startDate = texts("When it took effect.", required=False)
    listingDate = texts("When the target was listed.", required=False)
    endDate = texts("When it ended.", required=False)
    date = texts("When it was threatened.", required=False)
    sourceUrl = texts("Its source's URL, or its record in this API.", required=False)


class FtMSanctionSerializer(serializers.Serializer):
    """A sanction measure (one with a target)."""

    id = serializers.CharField(help_text='"policytracker-sanction-<id>".')
    schema = serializers.ChoiceField(choices=["Sanction"])
    properties = FtMSanctionPropertiesSerializer()


# --- Views --------------------------------------------------------------------------------------


class JSONLinesRenderer(renderers.BaseRenderer):
    """JSON lines, for content negotiation (`Accept`). The FtM export writes its lines itself, as
    it reads them; `render` serves a list of objects.

    The media type is `application/x-ndjson`: neither it nor `application/jsonl` is registered,
    and this is the one HTTP clients and tools know (JSON lines and NDJSON are one format)."""

    media_type = "application/x-ndjson"
    format = "jsonl"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"".join(interchange.json_lines(data))


class ExportSchema(AutoSchema):
    """An export's errors are JSON problem details, whatever media type the export is in; and
    an export takes no query parameter (400 for any)."""

    def _error_codes(self) -> list[str]:
        return sorted({*super()._error_codes(), "400"})

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        if status_code[0] in "45" and media_types is None:
            media_types = [ORJSONRenderer.media_type]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)


class FtMExportSchema(ExportSchema):
    """The body is JSON lines: a text, each line of which is an entity, as OpenAPI 3.2 would say
    with `itemSchema` (here `x-itemSchema`, since the schema is OpenAPI 3.0)."""

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        if status_code == "406":
            serializer = OpenApiResponse(
                serializer.response,
                description="The `Accept` header asks for a format this export does not "
                "produce (it answers JSON lines, `application/x-ndjson`).",
            )
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if status_code == "200":
            items = [
                self.resolve_serializer(item, direction).ref
                for item in (FtMPartySerializer, FtMSanctionSerializer)
            ]
            response["content"][JSONLinesRenderer.media_type]["x-itemSchema"] = {"oneOf": items}
        return response


def record_links(request) -> interchange.RecordLinks:
    return interchange.RecordLinks(
        stakeholders=request.build_absolute_uri(reverse("api:stakeholder-list")),
        sources=request.build_absolute_uri(reverse("api:source-list")),
    )


class PopoloExportView(APIView):
    """Every stakeholder and its ties as one Popolo JSON document
    (https://www.popoloproject.com/specs/), for tools that read Popolo: `persons` (the person
    stakeholders), `organizations` (every other stakeholder, classified by its kind, in the area
    of its country), `memberships` (the affiliations "member of", "leads" and "holds post in"
    whose object is not a person; Popolo has no place for the others: "allied with", "backs",
    ties to a person) and `areas` (the organizations' countries). Aliases are `other_names`; the
    Wikidata and OpenSanctions IDs `identifiers`; sources `sources`, each by its URL, or by its
    record in this API when it has none. Ids are `policytracker-stakeholder-<id>` and
    `policytracker-affiliation-<id>`, the ids of this API's records, as in the FollowTheMoney
    export. Every list is in the order of the ids, read in one snapshot of the database, and
    streamed as it is read, however large. No query parameters."""

    permission_classes = [PublicRead]
    renderer_classes = [ORJSONRenderer]
    schema = ExportSchema()

    @extend_schema(
        operation_id="export_popolo",
        summary="Export stakeholders and affiliations as Popolo JSON",
        responses={200: OpenApiResponse(PopoloExportSerializer, description="Popolo JSON.")},
    )
    def get(self, request):
        reject_unknown_query_parameters(request, [])
        return StreamingHttpResponse(
            interchange.popolo_export(links=record_links(request)),
            content_type=ORJSONRenderer.media_type,
        )


class FtMExportView(APIView):
    """Every stakeholder and sanction measure as FollowTheMoney entities
    (https://followthemoney.tech/explorer/), for Aleph, OpenSanctions' tools, `ftm` and the like:
    JSON lines (`application/x-ndjson`), one entity a line. First the stakeholders, by id, each as
    a Person, PublicBody (states, government bodies, armed forces), LegalEntity (communities and
    interest groups) or Organization (every other kind), with its kind as its `classification`,
    its OpenSanctions ID (when known) as a referent, and its sources as `sourceUrl`; then the
    sanction measures that have a target, by id, each as a Sanction on its target's entity. Ids
    are `policytracker-stakeholder-<id>` and `policytracker-sanction-<id>`, stable as long as
    the record exists. Read in one snapshot of the database and streamed as it is read, however
    large. `python manage.py import_ftm` reads such a file back. No query parameters."""

    permission_classes = [PublicRead]
    renderer_classes = [JSONLinesRenderer]
    schema = FtMExportSchema()

    @extend_schema(
        operation_id="export_ftm",
        summary="Export stakeholders and sanction measures as FollowTheMoney entities",
        responses={
            200: OpenApiResponse(
                {
                    "type": "string",
                    "description": "JSON lines: one FtM entity (`x-itemSchema`) a line.",
                },
                description="FollowTheMoney entities, one a line.",
            )
        },
    )
    def get(self, request):
        reject_unknown_query_parameters(request, [])
        return StreamingHttpResponse(
            interchange.ftm_export(links=record_links(request)),
            content_type=JSONLinesRenderer.media_type,
        )

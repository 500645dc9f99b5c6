"""
The FollowTheMoney export (https://followthemoney.tech/explorer/), as JSON lines: stakeholders
as Person, Organization, PublicBody or LegalEntity entities, sanction measures as Sanction
entities.
"""

from collections.abc import Iterator

from django.db.models import QuerySet

from options.interchange.common import (
    CHUNK_SIZE,
    Kind,
    RecordLinks,
    _in_chunks,
    _without_blanks,
    json_lines,
    read_snapshot,
    sanction_entity_id,
    stakeholder_entity_id,
    stakeholders_with_sources,
)
from options.interchange.ftm_values import (
    ftm_country,
    ftm_date,
    ftm_name,
    ftm_url,
    ftm_values,
    ftm_wikidata_id,
)
from options.models import SanctionMeasure, Source, Stakeholder

# The FtM schema of each kind of stakeholder. A state acts through its government, a public
# body; a community or interest group is not necessarily an organization: FtM's most general
# party, LegalEntity. The kind itself is kept as the entity's `classification`.
FTM_SCHEMA_BY_KIND = {
    Kind.PERSON: "Person",
    Kind.STATE: "PublicBody",
    Kind.GOVERNMENT_BODY: "PublicBody",
    Kind.ARMED_FORCES: "PublicBody",
    Kind.POLITICAL_PARTY: "Organization",
    Kind.BLOC: "Organization",
    Kind.ORGANIZATION: "Organization",
    Kind.MEDIA: "Organization",
    Kind.COMMUNITY: "LegalEntity",
}
FTM_PARTY_SCHEMATA = sorted(set(FTM_SCHEMA_BY_KIND.values()))


# Where FtM carries each field of the models it exports (as POPOLO_PROPERTIES).
FTM_PROPERTIES = {
    Stakeholder: {
        "id": "id",
        "name": "name",
        "kind": "the schema, and classification",
        "country": "country",
        "aliases": "alias",
        "description": "notes",
        "wikidata_id": "wikidataId",
        "opensanctions_id": "referents",
        "sources": "sourceUrl",
    },
    SanctionMeasure: {
        "id": "id",
        "option": "status and summary",
        "measure_type": "provisions",
        "imposing_authority": "authority and country",
        "legal_basis": "program",
        "programme_code": "programId",
        "target": "entity",
        "threatened_date": "date",
        "listed_date": "listingDate",
        "effective_date": "startDate",
        "end_date": "endDate",
        "description": "description",
        "source": "sourceUrl",
    },
}


def _ftm_entity(entity_id: str, schema: str, properties: dict, referents: list[str]) -> dict:
    entity = {"id": entity_id, "schema": schema, "properties": _without_blanks(properties)}
    if referents:
        entity["referents"] = referents
    return entity


def ftm_stakeholder(stakeholder: Stakeholder, sources: list[Source], links: RecordLinks) -> dict:
    """A stakeholder as an FtM entity of the schema its kind maps to. Its OpenSanctions ID,
    when known, is a referent: the same entity in OpenSanctions. Values as FtM cleans them
    (`ftm_values`)."""
    properties = {
        "name": ftm_values([stakeholder.name], ftm_name),
        "alias": ftm_values(stakeholder.aliases, ftm_name),
        "country": ftm_values([stakeholder.country.code], ftm_country),
        "wikidataId": ftm_values([stakeholder.wikidata_id], ftm_wikidata_id),
        "notes": ftm_values([stakeholder.description]),
        "sourceUrl": ftm_values((links.source_url(source) for source in sources), ftm_url),
    }
    if stakeholder.kind != Kind.PERSON:
        properties["classification"] = ftm_values([stakeholder.get_kind_display()])
    return _ftm_entity(
        stakeholder_entity_id(stakeholder.pk),
        FTM_SCHEMA_BY_KIND[stakeholder.kind],
        properties,
        ftm_values([stakeholder.opensanctions_id]),
    )


def ftm_sanction(measure: SanctionMeasure, links: RecordLinks) -> dict:
    """A sanction measure as an FtM Sanction on its target: the legal basis is the program, the
    programme code its id, the measure type the scope (`provisions`), the option's title the
    summary and its status the status; dates: `startDate` (in effect), `listingDate`, `endDate`,
    and `date`, when it was threatened. Values as FtM cleans them (`ftm_values`)."""
    authority = measure.imposing_authority
    return _ftm_entity(
        sanction_entity_id(measure.pk),
        "Sanction",
        {
            "entity": [stakeholder_entity_id(measure.target_id)],
            "authority": ftm_values([authority.name if authority else ""]),
            "country": ftm_values([authority.country.code if authority else ""], ftm_country),
            "program": ftm_values([measure.legal_basis]),
            "programId": ftm_values([measure.programme_code]),
            "provisions": ftm_values([measure.get_measure_type_display()]),
            "status": ftm_values([measure.option.get_status_display()]),
            "summary": ftm_values([measure.option.title]),
            "description": ftm_values([measure.description]),
            "startDate": ftm_values([measure.effective_date], ftm_date),
            "listingDate": ftm_values([measure.listed_date], ftm_date),
            "endDate": ftm_values([measure.end_date], ftm_date),
            "date": ftm_values([measure.threatened_date], ftm_date),
            "sourceUrl": ftm_values(
                [links.source_url(measure.source) if measure.source else ""], ftm_url
            ),
        },
        [],
    )


def ftm_sanctions() -> QuerySet[SanctionMeasure]:
    """The sanction measures FtM can express: those with a target (a Sanction names its
    entity), with what they are shown with."""
    return (
        SanctionMeasure.objects.filter(target__isnull=False)
        .select_related("option", "imposing_authority", "source")
        .only(
            *("measure_type", "legal_basis", "programme_code", "description", "target"),
            *("threatened_date", "listed_date", "effective_date", "end_date"),
            *("option__title", "option__status"),
            *("imposing_authority__name", "imposing_authority__country"),
            *("source__title", "source__url"),
        )
        .order_by("pk")
    )


def _ftm_entities(links: RecordLinks) -> Iterator[dict]:
    for stakeholder, sources in stakeholders_with_sources(Stakeholder.objects.all()):
        yield ftm_stakeholder(stakeholder, sources, links)
    for measure in ftm_sanctions().iterator(chunk_size=CHUNK_SIZE):
        yield ftm_sanction(measure, links)


def ftm_export(*, links: RecordLinks) -> Iterator[bytes]:
    """Every stakeholder, then every sanction measure with a target, as FtM entities in JSON
    lines, in chunks of bytes; each in the order of the ids, so that a sanction comes after its
    entity. Three queries, in one snapshot."""
    with read_snapshot():
        yield from _in_chunks(json_lines(_ftm_entities(links)))

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
    when known, is a referent: the same entity in OpenSanctions."""
    properties = {
        "name": [stakeholder.name],
        "alias": list(stakeholder.aliases),
        "country": [stakeholder.country.code.lower()] if stakeholder.country else [],
        "wikidataId": [stakeholder.wikidata_id] if stakeholder.wikidata_id else [],
        "notes": [stakeholder.description] if stakeholder.description else [],
        "sourceUrl": list(dict.fromkeys(links.source_url(source) for source in sources)),
    }
    if stakeholder.kind != Kind.PERSON:
        properties["classification"] = [stakeholder.get_kind_display()]
    return _ftm_entity(
        stakeholder_entity_id(stakeholder.pk),
        FTM_SCHEMA_BY_KIND[stakeholder.kind],
        properties,
        [stakeholder.opensanctions_id] if stakeholder.opensanctions_id else [],
    )


def _iso(date) -> list[str]:
    return [date.isoformat()] if date else []


def ftm_sanction(measure: SanctionMeasure, links: RecordLinks) -> dict:
    """A sanction measure as an FtM Sanction on its target: the legal basis is the program, the
    programme code its id, the measure type the scope (`provisions`), the option's title the
    summary and its status the status; dates: `startDate` (in effect), `listingDate`, `endDate`,
    and `date`, when it was threatened."""
    authority = measure.imposing_authority
    return _ftm_entity(
        sanction_entity_id(measure.pk),
        "Sanction",
        {
            "entity": [stakeholder_entity_id(measure.target_id)],
            "authority": [authority.name] if authority else [],
            "country": [authority.country.code.lower()] if authority and authority.country else [],
            "program": [measure.legal_basis] if measure.legal_basis else [],
            "programId": [measure.programme_code] if measure.programme_code else [],
            "provisions": [measure.get_measure_type_display()],
            "status": [measure.option.get_status_display()],
            "summary": [measure.option.title],
            "description": [measure.description] if measure.description else [],
            "startDate": _iso(measure.effective_date),
            "listingDate": _iso(measure.listed_date),
            "endDate": _iso(measure.end_date),
            "date": _iso(measure.threatened_date),
            "sourceUrl": [links.source_url(measure.source)] if measure.source else [],
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

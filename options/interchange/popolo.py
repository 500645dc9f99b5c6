"""
The Popolo JSON export (https://www.popoloproject.com/specs/): stakeholders as persons and
organizations, affiliations as memberships, countries as areas.
"""

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django_countries import countries

from options.interchange.common import (
    CHUNK_SIZE,
    Kind,
    RecordLinks,
    _in_chunks,
    _json_array,
    _without_blanks,
    affiliation_entity_id,
    read_snapshot,
    stakeholder_entity_id,
    stakeholders_with_sources,
)
from options.models import Affiliation, Source, Stakeholder

# Ties that Popolo calls memberships: the subject is the member, the object the organization.
# "allied with" and "backs" have no Popolo equivalent, nor a tie to a person: they are left out.
MEMBERSHIP_KINDS = {
    Affiliation.Kind.MEMBER_OF: "member",
    Affiliation.Kind.LEADS: "leader",
    Affiliation.Kind.HOLDS_POST_IN: "post holder",
}
# Popolo organizations are classified by the stakeholder kind, as the API names it.
POPOLO_CLASSIFICATIONS = [kind.value for kind in Kind if kind != Kind.PERSON]
POPOLO_IDENTIFIER_SCHEMES = ["wikidata", "opensanctions"]
# A membership's `member` is an organization (a person member is its `person_id`).
POPOLO_MEMBER_TYPES = ["Organization"]


# Where Popolo carries each field of the models it exports (tests/test_completeness.py: a new
# field is here, or in its model's `left_out["popolo"]` with the reason).
POPOLO_PROPERTIES = {
    Stakeholder: {
        "id": "id",
        "name": "name",
        "aliases": "other_names",
        "kind": "classification (organizations; persons are persons)",
        "country": "national_identity (persons), area_id (organizations)",
        "description": "summary (persons)",
        "wikidata_id": "identifiers",
        "opensanctions_id": "identifiers",
        "sources": "sources",
        "created": "created_at",
        "updated": "updated_at",
    },
    Affiliation: {
        "id": "id",
        "subject": "person_id or member",
        "object": "organization_id",
        "kind": "role, when the affiliation names none",
        "role": "role",
        "start_date": "start_date",
        "end_date": "end_date",
        "source": "sources",
        "created": "created_at",
        "updated": "updated_at",
    },
}


def popolo_area_id(country_code: str) -> str:
    """An area's id: its Open Civic Data division id, e.g. `ocd-division/country:ve`."""
    return f"ocd-division/country:{country_code.lower()}"


def _popolo_identifiers(stakeholder: Stakeholder) -> list[dict]:
    identifiers = []
    if stakeholder.wikidata_id:
        identifiers.append({"scheme": "wikidata", "identifier": stakeholder.wikidata_id})
    if stakeholder.opensanctions_id:
        identifiers.append({"scheme": "opensanctions", "identifier": stakeholder.opensanctions_id})
    return identifiers


def _popolo_sources(sources: Iterable[Source], links: RecordLinks) -> list[dict]:
    return [{"url": links.source_url(source), "note": source.title} for source in sources]


def _popolo_party(
    stakeholder: Stakeholder, sources: list[Source], links: RecordLinks, **specific
) -> dict:
    """What persons and organizations have in common, with `specific` after the identifiers;
    blank values left out."""
    return _without_blanks(
        {
            "id": stakeholder_entity_id(stakeholder.pk),
            "name": stakeholder.name,
            "other_names": [{"name": alias} for alias in stakeholder.aliases],
            "identifiers": _popolo_identifiers(stakeholder),
            **specific,
            "links": [{"url": links.stakeholder(stakeholder.pk), "note": "policytracker record"}],
            "sources": _popolo_sources(sources, links),
            "created_at": stakeholder.created.isoformat(),
            "updated_at": stakeholder.updated.isoformat(),
        }
    )


def popolo_person(stakeholder: Stakeholder, sources: list[Source], links: RecordLinks) -> dict:
    """A person stakeholder as a Popolo person: its country as its national identity, its
    description as its summary."""
    return _popolo_party(
        stakeholder,
        sources,
        links,
        national_identity=stakeholder.country.name if stakeholder.country else "",
        summary=stakeholder.description,
    )


def popolo_organization(
    stakeholder: Stakeholder, sources: list[Source], links: RecordLinks
) -> dict:
    """Any other stakeholder as a Popolo organization, classified by its kind, in the area of
    its country. (Popolo organizations have no description.)"""
    return _popolo_party(
        stakeholder,
        sources,
        links,
        classification=stakeholder.kind,
        area_id=popolo_area_id(stakeholder.country.code) if stakeholder.country else "",
    )


def popolo_membership(affiliation: Affiliation, links: RecordLinks) -> dict:
    """A membership: the subject is the member (a person, or an organization), the object the
    organization; the role is the affiliation's, else what its kind says (member, leader, post
    holder), and the label says the whole tie in words."""
    subject_id = stakeholder_entity_id(affiliation.subject_id)
    if affiliation.subject.kind == Kind.PERSON:
        member = {"person_id": subject_id}
    else:
        member = {"member": {"@type": "Organization", "id": subject_id}}
    return _without_blanks(
        {
            "id": affiliation_entity_id(affiliation.pk),
            "label": str(affiliation),
            "role": affiliation.role or MEMBERSHIP_KINDS[affiliation.kind],
            **member,
            "organization_id": stakeholder_entity_id(affiliation.object_id),
            "start_date": affiliation.start_date.isoformat() if affiliation.start_date else "",
            "end_date": affiliation.end_date.isoformat() if affiliation.end_date else "",
            "sources": _popolo_sources([affiliation.source] if affiliation.source else [], links),
            "created_at": affiliation.created.isoformat(),
            "updated_at": affiliation.updated.isoformat(),
        }
    )


def popolo_area(country_code: str) -> dict:
    return {
        "id": popolo_area_id(country_code),
        "name": countries.name(country_code),
        "identifier": country_code,
        "classification": "country",
    }


def popolo_memberships() -> QuerySet[Affiliation]:
    """The affiliations that are Popolo memberships, with what they are shown with."""
    return (
        Affiliation.objects.filter(kind__in=MEMBERSHIP_KINDS)
        .exclude(object__kind=Kind.PERSON)
        .select_related("subject", "object", "source")
        .only(
            *("kind", "role", "start_date", "end_date", "created", "updated"),
            *("subject__name", "subject__kind", "object__name"),
            *("source__title", "source__url"),
        )
        .order_by("pk")
    )


def _popolo_pieces(links: RecordLinks) -> Iterator[bytes]:
    persons = Stakeholder.objects.filter(kind=Kind.PERSON)
    organizations = Stakeholder.objects.exclude(kind=Kind.PERSON)
    area_codes = set()

    def organization_items():
        for stakeholder, sources in stakeholders_with_sources(organizations):
            if stakeholder.country:
                area_codes.add(stakeholder.country.code)
            yield popolo_organization(stakeholder, sources, links)

    yield b'{"persons":['
    yield from _json_array(
        popolo_person(stakeholder, sources, links)
        for stakeholder, sources in stakeholders_with_sources(persons)
    )
    yield b'],"organizations":['
    yield from _json_array(organization_items())
    yield b'],"memberships":['
    yield from _json_array(
        popolo_membership(affiliation, links)
        for affiliation in popolo_memberships().iterator(chunk_size=CHUNK_SIZE)
    )
    yield b'],"areas":['
    yield from _json_array(popolo_area(code) for code in sorted(area_codes))
    yield b"]}"


def popolo_export(*, links: RecordLinks) -> Iterator[bytes]:
    """Every stakeholder and every membership as one Popolo JSON document, in chunks of bytes:
    `{"persons": […], "organizations": […], "memberships": […], "areas": […]}`, each list in
    the order of the ids. Five queries, in one snapshot."""
    with read_snapshot():
        yield from _in_chunks(_popolo_pieces(links))

"""
Interchange formats: stakeholders and their ties in the formats other tools read, and
stakeholders from the sanctions data others publish.

- Popolo JSON (https://www.popoloproject.com/specs/): stakeholders as persons and
  organizations, affiliations as memberships, countries as areas.
- FollowTheMoney (https://followthemoney.tech/explorer/), as JSON lines: stakeholders as
  Person, Organization, PublicBody or LegalEntity entities, sanction measures as Sanction
  entities. `ftm_import` reads such entities back, e.g. an OpenSanctions extract, into
  stakeholders, matching the ones already here.

The exports are written as they are read, a chunk of rows at a time, with a fixed number of
queries whatever the number of rows, in one snapshot of the database (so that every reference in
a document points at something in it). Entities keep the same ids in both formats:
`policytracker-stakeholder-<id>`, `policytracker-affiliation-<id>`,
`policytracker-sanction-<id>`.
"""

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import orjson
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet
from django.utils.text import slugify
from django_countries import countries

from options import services
from options.models import Affiliation, SanctionMeasure, Source, Stakeholder

CHUNK_SIZE = 500  # rows read from the database at a time
WRITE_SIZE = 64 * 1024  # bytes handed to the server at a time

ID_PREFIX = "policytracker-"

Kind = Stakeholder.Kind


def stakeholder_entity_id(pk: int) -> str:
    return f"{ID_PREFIX}stakeholder-{pk}"


def affiliation_entity_id(pk: int) -> str:
    return f"{ID_PREFIX}affiliation-{pk}"


def sanction_entity_id(pk: int) -> str:
    return f"{ID_PREFIX}sanction-{pk}"


@dataclass(frozen=True)
class RecordLinks:
    """Where the API serves records: the absolute URLs of the collections, e.g.
    `https://example.org/api/v1/stakeholders/`. A record is its collection's URL, its id, `/`."""

    stakeholders: str
    sources: str

    def stakeholder(self, pk: int) -> str:
        return f"{self.stakeholders}{pk}/"

    def source_url(self, source: Source) -> str:
        """Where a source can be read: its own URL, or else its record in the API, which says
        what it is (title, publisher, date)."""
        return source.url or f"{self.sources}{source.pk}/"


# --- Reading ----------------------------------------------------------------------------------


@contextmanager
def read_snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A read-only transaction in which every query sees the same state of the database.

    On PostgreSQL that takes REPEATABLE READ (READ COMMITTED, the default, gives each query its
    own snapshot), which holds no lock: writers go on meanwhile. SQLite's reads in one
    transaction see one state anyway."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def stakeholders_with_sources(
    stakeholders: QuerySet[Stakeholder],
) -> Iterator[tuple[Stakeholder, list[Source]]]:
    """Each of `stakeholders`, by id, with its sources: two queries however many there are.

    Both queries are read in chunks, in the order of the stakeholder ids, and walked side by
    side: prefetch_related would run a query per chunk."""
    links = (
        Stakeholder.sources.through.objects.filter(stakeholder__in=stakeholders.values("pk"))
        .select_related("source")
        .only("stakeholder_id", "source__title", "source__url")
        .order_by("stakeholder_id", "source_id")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    link = next(links, None)
    for stakeholder in stakeholders.order_by("pk").iterator(chunk_size=CHUNK_SIZE):
        sources = []
        while link is not None and link.stakeholder_id <= stakeholder.pk:
            if link.stakeholder_id == stakeholder.pk:
                sources.append(link.source)
            link = next(links, None)
        yield stakeholder, sources


def json_lines(items: Iterable[dict]) -> Iterator[bytes]:
    """Each item as a line of JSON."""
    for item in items:
        yield orjson.dumps(item) + b"\n"


def _json_array(items: Iterable[dict]) -> Iterator[bytes]:
    """The items of a JSON array, with the commas between them (not the brackets)."""
    separator = b""
    for item in items:
        yield separator + orjson.dumps(item)
        separator = b","


def _in_chunks(pieces: Iterable[bytes], size: int = WRITE_SIZE) -> Iterator[bytes]:
    """`pieces` joined into chunks of about `size` bytes: one write each, not one per row."""
    buffer, length = [], 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield b"".join(buffer)


def _without_blanks(data: dict) -> dict:
    """`data` without its empty values ("", None, [], {}): a format leaves out what is unknown."""
    return {key: value for key, value in data.items() if value not in ("", None, [], {})}


# --- Popolo -----------------------------------------------------------------------------------

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


# --- FollowTheMoney: export -------------------------------------------------------------------

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


# --- FollowTheMoney: import -------------------------------------------------------------------

# The kind of a stakeholder created from an entity of each schema (LegalEntity: a party of
# unknown type, most often an organization). An entity's `classification`, when it names a kind
# (as this service exports them), says better.
KIND_BY_FTM_SCHEMA = {
    "Person": Kind.PERSON,
    "Organization": Kind.ORGANIZATION,
    "Company": Kind.ORGANIZATION,
    "PublicBody": Kind.GOVERNMENT_BODY,
    "LegalEntity": Kind.ORGANIZATION,
}
# Where an entity's country may be, in order of preference.
FTM_COUNTRY_PROPERTIES = ["country", "nationality", "citizenship", "jurisdiction", "mainCountry"]
FTM_DESCRIPTION_PROPERTIES = ["notes", "description", "summary"]
WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")


class FtMImportError(Exception):
    """A line that is not an FtM entity, or an entity that would make an invalid stakeholder."""

    def __init__(self, line_number: int, message: str):
        super().__init__(f"line {line_number}: {message}")
        self.line_number = line_number


@dataclass(frozen=True)
class FtMEntity:
    """The parts of an FtM entity the import reads."""

    id: str
    schema: str
    properties: dict[str, list[str]]
    referents: list[str]

    def values(self, name: str) -> list[str]:
        """The property's values, stripped, the blank ones left out."""
        return [value.strip() for value in self.properties.get(name, []) if value.strip()]

    def first(self, names: list[str], valid=bool) -> str:
        """The first of the values of the properties `names`, in that order, that is `valid`."""
        return next((v for name in names for v in self.values(name) if valid(v)), "")

    @property
    def names(self) -> list[str]:
        """Its names, then its aliases, without repeats."""
        unique = {}
        for value in self.values("name") + self.values("alias"):
            unique.setdefault(name_key(value), value)
        return list(unique.values())

    @property
    def opensanctions_id(self) -> str:
        """An entity's id is its OpenSanctions ID, but for the entities this service exports,
        whose OpenSanctions ID, when known, is their referent."""
        if not self.id.startswith(ID_PREFIX):
            return self.id
        return next((r for r in self.referents if not r.startswith(ID_PREFIX)), "")

    @property
    def known_ids(self) -> set[str]:
        """The ids under which OpenSanctions may know the entity: its own and its referents'."""
        return {i for i in [self.id, *self.referents] if not i.startswith(ID_PREFIX)}


def _strings(value, what: str, line_number: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise FtMImportError(line_number, f"{what} must be a list of texts.")
    return value


def parse_ftm_line(line: bytes | str, line_number: int) -> FtMEntity | None:
    """The entity on a line of JSON lines, or None for a blank line."""
    if not line.strip():
        return None
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise FtMImportError(line_number, f"not valid JSON ({error}).") from None
    if not isinstance(data, dict):
        raise FtMImportError(line_number, "not an FtM entity (a JSON object).")
    entity_id, schema = data.get("id"), data.get("schema")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise FtMImportError(line_number, "the entity has no id.")
    if not isinstance(schema, str) or not schema.strip():
        raise FtMImportError(line_number, "the entity has no schema.")
    properties = data.get("properties", {})
    if not isinstance(properties, dict):
        raise FtMImportError(line_number, "the entity's properties must be a JSON object.")
    for name, values in properties.items():
        _strings(values, f"the property {name}", line_number)
    return FtMEntity(
        id=entity_id.strip(),
        schema=schema,
        properties=properties,
        referents=_strings(data.get("referents", []), "referents", line_number),
    )


def name_key(name: str) -> str:
    """What names are compared by: case, accents and spacing aside ("NICOLAS  Maduro" is
    "Nicolás Maduro")."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def _is_country(code: str) -> bool:
    return len(code) == 2 and bool(countries.alpha2(code))


# A kind by its value or its label, as an entity's `classification` may name it.
KIND_BY_CLASSIFICATION = {
    name_key(text): kind
    for kind in Kind
    if kind != Kind.PERSON
    for text in (kind.value, kind.label)
}


def _kind_for(entity: FtMEntity) -> str:
    kind = KIND_BY_FTM_SCHEMA[entity.schema]
    if kind == Kind.PERSON:
        return kind
    return next(
        (
            KIND_BY_CLASSIFICATION[key]
            for key in map(name_key, entity.values("classification"))
            if key in KIND_BY_CLASSIFICATION
        ),
        kind,
    )


@dataclass
class FtMImportReport:
    """What an import did (or, in a dry run, would have done), entity by entity."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Entities of schemata that are not imported (sanctions, addresses, ownerships…), by schema.
    not_imported: Counter = field(default_factory=Counter)
    # Entities that match several stakeholders and were left alone, each said in words.
    ambiguous: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return sum(self.not_imported.values()) + len(self.ambiguous)


class _StakeholderIndex:
    """The stakeholders by OpenSanctions ID and by name and alias (by `name_key`), and every
    slug taken: what matching an entity needs, read once, kept up to date as the import goes."""

    def __init__(self):
        self.by_id: dict[int, Stakeholder] = {}
        self.by_opensanctions_id = defaultdict(set)
        self.by_name = defaultdict(set)
        self.by_alias = defaultdict(set)
        self.slugs: set[str] = set()
        for stakeholder in Stakeholder.objects.order_by("pk").iterator(chunk_size=CHUNK_SIZE):
            self.add(stakeholder)

    def add(self, stakeholder: Stakeholder) -> None:
        self.by_id[stakeholder.pk] = stakeholder
        self.slugs.add(stakeholder.slug)
        if stakeholder.opensanctions_id:
            self.by_opensanctions_id[stakeholder.opensanctions_id].add(stakeholder.pk)
        self.by_name[name_key(stakeholder.name)].add(stakeholder.pk)
        for alias in stakeholder.aliases:
            self.by_alias[name_key(alias)].add(stakeholder.pk)

    def matches(self, entity: FtMEntity) -> list[Stakeholder]:
        """The stakeholders an entity is: those with one of its ids as their OpenSanctions ID,
        else those of a compatible kind (a person for a Person, anything else otherwise) whose
        name is one of the entity's names or aliases, or who have the entity's name as an alias.
        (An alias matching an alias is not enough: short aliases like "López" are shared.)"""
        found = set().union(*(self.by_opensanctions_id[i] for i in entity.known_ids))
        if not found:
            keys = {name_key(name) for name in entity.names}
            primary = {name_key(name) for name in entity.values("name")}
            found = set().union(
                *(self.by_name[key] for key in keys), *(self.by_alias[key] for key in primary)
            )
            is_person = entity.schema == "Person"
            found = {pk for pk in found if (self.by_id[pk].kind == Kind.PERSON) == is_person}
        return sorted((self.by_id[pk] for pk in found), key=lambda stakeholder: stakeholder.pk)

    def free_slug(self, name: str) -> str:
        base = slugify(name)[:90].strip("-") or "stakeholder"
        slug, number = base, 1
        while slug in self.slugs:
            number += 1
            slug = f"{base}-{number}"
        return slug


def _other_names(entity: FtMEntity, name: str) -> list[str]:
    return [other for other in entity.names if name_key(other) != name_key(name)]


def _fill_blanks(stakeholder: Stakeholder, entity: FtMEntity) -> list[str]:
    """Give the stakeholder what the entity knows and it does not (aliases, Wikidata ID,
    country, description, OpenSanctions ID); return the fields filled. What is set already,
    an editor's work, stays as it is."""
    found = {
        "aliases": _other_names(entity, stakeholder.name),
        "wikidata_id": entity.first(["wikidataId"], WIKIDATA_ID.fullmatch),
        "country": entity.first(FTM_COUNTRY_PROPERTIES, _is_country).upper(),
        "description": entity.first(FTM_DESCRIPTION_PROPERTIES),
        "opensanctions_id": entity.opensanctions_id,
    }
    filled = []
    for name, value in found.items():
        if value and not getattr(stakeholder, name):
            setattr(stakeholder, name, value)
            filled.append(name)
    return filled


def _save(stakeholder: Stakeholder, line_number: int) -> None:
    try:
        stakeholder.full_clean()
    except ValidationError as error:
        messages = "; ".join(
            f"{name}: {' '.join(texts)}" for name, texts in error.message_dict.items()
        )
        raise FtMImportError(
            line_number, f"the stakeholder “{stakeholder.name}” would be invalid: {messages}"
        ) from None
    stakeholder.save()


def _import_entity(
    entity: FtMEntity, line_number: int, index: _StakeholderIndex, report: FtMImportReport
) -> None:
    matches = index.matches(entity)
    if len(matches) > 1:
        slugs = ", ".join(stakeholder.slug for stakeholder in matches)
        report.ambiguous.append(
            f"line {line_number}: {entity.schema} “{entity.first(['name'])}” ({entity.id}) "
            f"matches {len(matches)} stakeholders ({slugs})"
        )
        return
    if matches:
        stakeholder = matches[0]
        if _fill_blanks(stakeholder, entity):
            _save(stakeholder, line_number)
            report.updated += 1
        else:
            report.unchanged += 1
    else:
        name = entity.first(["name"])
        if not name:
            raise FtMImportError(line_number, f"the {entity.schema} {entity.id} has no name.")
        stakeholder = Stakeholder(name=name, kind=_kind_for(entity), slug=index.free_slug(name))
        _fill_blanks(stakeholder, entity)
        _save(stakeholder, line_number)
        report.created += 1
    index.add(stakeholder)


def ftm_import(*, lines: Iterable[bytes | str], dry_run: bool = False) -> FtMImportReport:
    """Create or complete stakeholders from FtM entities, one a line (e.g. an OpenSanctions
    extract), all or nothing.

    A Person, Organization, Company, PublicBody or LegalEntity entity that matches a stakeholder
    (by OpenSanctions ID first, then by name: see `_StakeholderIndex.matches`) fills in the
    stakeholder's blank fields; one that matches none becomes a new stakeholder; one that
    matches several is left alone (`ambiguous`). Entities of other schemata are counted and left
    alone. A line that is not an entity, or would make an invalid stakeholder, raises
    FtMImportError with its number, and nothing is saved; nor is anything with `dry_run`.
    Every change is in the audit trail, one record per stakeholder, by no user."""
    report = FtMImportReport()
    with transaction.atomic():
        with services.audited_write():
            index = _StakeholderIndex()
            for line_number, line in enumerate(lines, start=1):
                entity = parse_ftm_line(line, line_number)
                if entity is None:
                    continue
                if entity.schema not in KIND_BY_FTM_SCHEMA:
                    report.not_imported[entity.schema] += 1
                    continue
                _import_entity(entity, line_number, index, report)
        if dry_run:
            # After the audit trail's records are written: no query may follow this.
            transaction.set_rollback(True)
    return report

"""
The FollowTheMoney import: FtM entities, one a line (e.g. an OpenSanctions extract, or this
service's own FtM export), read back into stakeholders, matching the ones already here.

An entity of this service's own export keeps its stakeholder's id, `policytracker-stakeholder-<id>`
(`common.stakeholder_entity_id`): that is the stakeholder it matches, whoever else has its name,
provided it is still recognisably that stakeholder (one of its names, or its OpenSanctions ID).
"""

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django_countries import countries

from options import services
from options.interchange.common import CHUNK_SIZE, ID_PREFIX, Kind, stakeholder_entity_id
from options.interchange.ftm_values import ftm_name
from options.models import Stakeholder

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
# The id of a stakeholder in this service's own export (`stakeholder_entity_id`).
OWN_STAKEHOLDER_ID = re.compile(rf"{re.escape(ID_PREFIX)}stakeholder-([1-9][0-9]*)")


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
        return {i for i in [self.id, *self.referents] if i and not i.startswith(ID_PREFIX)}

    @property
    def own_stakeholder_id(self) -> int | None:
        """The id of the stakeholder this entity is, if it comes from this service's export
        (its id `policytracker-stakeholder-<id>`)."""
        match = OWN_STAKEHOLDER_ID.fullmatch(self.id)
        return int(match.group(1)) if match else None

    def __str__(self) -> str:
        return f"{self.schema} “{self.first(['name'])}” ({self.id})"


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
    "Nicolás Maduro"), and what FtM cleans out of a name (quotes around it, invisible
    characters), so that a name is its export's."""
    decomposed = unicodedata.normalize("NFKD", ftm_name(name))
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
    # Entities that match several stakeholders and were left alone, each said in words: its
    # line, then the stakeholders it could be, then how to choose.
    ambiguous: list[list[str]] = field(default_factory=list)
    # Entities with the id of a stakeholder here (policytracker-stakeholder-<id>) that has none
    # of their names nor their OpenSanctions ID, left alone, each said in words.
    mismatched: list[str] = field(default_factory=list)
    # Entities with the id of a stakeholder that is not here (deleted since the export, or the
    # id of another database), matched as any other entity instead: each, and what came of it.
    unknown_ids: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return sum(self.not_imported.values()) + len(self.ambiguous) + len(self.mismatched)


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

    def is_recognisably(self, stakeholder: Stakeholder, entity: FtMEntity) -> bool:
        """Whether the entity has one of the stakeholder's names or aliases (by `name_key`), or
        its OpenSanctions ID."""
        names = {name_key(name) for name in [stakeholder.name, *stakeholder.aliases]}
        return bool(names & {name_key(name) for name in entity.names}) or (
            stakeholder.opensanctions_id in entity.known_ids
        )

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


def _described(stakeholder: Stakeholder) -> str:
    return f"{stakeholder_entity_id(stakeholder.pk)} “{stakeholder.name}” (slug {stakeholder.slug})"


def _why(stakeholder: Stakeholder, entity: FtMEntity) -> str:
    """Why the entity matched the stakeholder (`_StakeholderIndex.matches`), in words."""
    if stakeholder.opensanctions_id in entity.known_ids:
        return f"by its OpenSanctions ID {stakeholder.opensanctions_id}"
    keys = {name_key(name) for name in entity.names}
    if name_key(stakeholder.name) in keys:
        return "by its name"
    primary = {name_key(name) for name in entity.values("name")}
    alias = next((alias for alias in stakeholder.aliases if name_key(alias) in primary), "")
    return f"by its alias “{alias}”"


def _ambiguity(entity: FtMEntity, line_number: int, matches: list[Stakeholder]) -> list[str]:
    """What the report says of an entity that matches several stakeholders: which they are,
    and how an editor chooses one."""
    by_opensanctions_id = matches[0].opensanctions_id in entity.known_ids
    choose = (
        f"To choose, give the entity the id of the right one in the file (e.g. "
        f'"id": "{stakeholder_entity_id(matches[0].pk)}")'
    )
    if by_opensanctions_id:
        choose += f", or take the OpenSanctions ID {matches[0].opensanctions_id} off the others"
    elif entity.opensanctions_id:
        choose += f", or give the right one the OpenSanctions ID {entity.opensanctions_id}"
    return [
        f"line {line_number}: {entity} could be any of {len(matches)} stakeholders:",
        *(f"{_described(stakeholder)}, {_why(stakeholder, entity)}" for stakeholder in matches),
        f"{choose}; then import again.",
    ]


def _complete(
    stakeholder: Stakeholder, entity: FtMEntity, line_number: int, report: FtMImportReport
) -> None:
    if _fill_blanks(stakeholder, entity):
        _save(stakeholder, line_number)
        report.updated += 1
    else:
        report.unchanged += 1


def _create(
    entity: FtMEntity, line_number: int, index: _StakeholderIndex, report: FtMImportReport
) -> Stakeholder:
    name = entity.first(["name"])
    if not name:
        raise FtMImportError(line_number, f"the {entity.schema} {entity.id} has no name.")
    stakeholder = Stakeholder(name=name, kind=_kind_for(entity), slug=index.free_slug(name))
    _fill_blanks(stakeholder, entity)
    _save(stakeholder, line_number)
    report.created += 1
    return stakeholder


def _import_entity(
    entity: FtMEntity, line_number: int, index: _StakeholderIndex, report: FtMImportReport
) -> None:
    """Complete the stakeholder the entity is, or create it, or say why not.

    An entity of this service's export is the stakeholder of its id, if it is recognisably that
    stakeholder; if that stakeholder has none of its names nor its OpenSanctions ID, it is left
    alone (`mismatched`: the file may come from another database, whose ids name other
    stakeholders). An id of a stakeholder that is not here (deleted since the export, or
    another database's) is noted (`unknown_ids`), and the entity matched as any other."""
    pk = entity.own_stakeholder_id
    if pk is not None and pk in index.by_id:
        stakeholder = index.by_id[pk]
        if not index.is_recognisably(stakeholder, entity):
            report.mismatched.append(
                f"line {line_number}: {entity} has none of the names nor the OpenSanctions ID "
                f"of {_described(stakeholder)}"
            )
            return
        _complete(stakeholder, entity, line_number, report)
        index.add(stakeholder)
        return
    matches = index.matches(entity)
    if len(matches) > 1:
        report.ambiguous.append(_ambiguity(entity, line_number, matches))
        outcome = "ambiguous (listed above)"
    elif matches:
        stakeholder = matches[0]
        _complete(stakeholder, entity, line_number, report)
        index.add(stakeholder)
        outcome = f"matched {_described(stakeholder)}, {_why(stakeholder, entity)}"
    else:
        stakeholder = _create(entity, line_number, index, report)
        index.add(stakeholder)
        outcome = f"created {_described(stakeholder)}"
    if pk is not None:
        report.unknown_ids.append(f"line {line_number}: {entity}: {outcome}")


def ftm_import(*, lines: Iterable[bytes | str], dry_run: bool = False) -> FtMImportReport:
    """Create or complete stakeholders from FtM entities, one a line (e.g. an OpenSanctions
    extract), all or nothing.

    A Person, Organization, Company, PublicBody or LegalEntity entity that matches a stakeholder
    (by its id if it has one of this service's export, see `_import_entity`; else by
    OpenSanctions ID first, then by name: see `_StakeholderIndex.matches`) fills in the
    stakeholder's blank fields; one that matches none becomes a new stakeholder; one that
    matches several is left alone (`ambiguous`), as is one with the id of a stakeholder it is
    not (`mismatched`). Entities of other schemata are counted and left alone. A line that is
    not an entity, or would make an invalid stakeholder, raises FtMImportError with its number,
    and nothing is saved; nor is anything with `dry_run`. Every change is in the audit trail,
    one record per stakeholder, by no user."""
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

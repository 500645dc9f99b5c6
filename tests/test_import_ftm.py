"""`manage.py import_ftm`: stakeholders from FollowTheMoney entities, e.g. OpenSanctions data.

tests/data/opensanctions-sample.ftm.jsonl (described in tests/data/README.md) meets the seed's
stakeholders: four of its entities are seed stakeholders, three are new, and two are of
schemata that are not imported.
"""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from options.interchange import RecordLinks
from options.interchange.ftm_export import ftm_export
from options.models import Stakeholder
from tests import factories

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parent / "data" / "opensanctions-sample.ftm.jsonl"
SEED = Path(settings.BASE_DIR) / "fixtures" / "venezuela-2019.json"
API = "http://testserver/api/v1"

SAMPLE_REPORT = """\
  created: 3
  updated: 4
  unchanged: 0
  skipped: 2
    Address: 1 (a schema that is not imported)
    Sanction: 1 (a schema that is not imported)
"""


@pytest.fixture
def seed_stakeholders() -> None:
    """The seed's stakeholders, as fixtures/venezuela-2019.json has them (the rest of the seed
    is not needed: loading it all takes seconds)."""
    records = json.loads(SEED.read_text(encoding="utf-8"))
    fields = ["slug", "name", "kind", "country", "aliases", "description"]
    Stakeholder.objects.bulk_create(
        Stakeholder(**{name: record["fields"].get(name, "") for name in fields})
        for record in records
        if record["model"] == "options.stakeholder"
    )


def run(*args, stdin: str | None = None) -> str:
    out = io.StringIO()
    extra = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command("import_ftm", *args, stdout=out, **extra)
    return out.getvalue()


def entity(schema: str = "Person", entity_id: str = "NK-test", **properties) -> str:
    return json.dumps({"id": entity_id, "schema": schema, "properties": properties})


def own_id(stakeholder_or_pk) -> str:
    """The id of a stakeholder in this service's FtM export."""
    return f"policytracker-stakeholder-{getattr(stakeholder_or_pk, 'pk', stakeholder_or_pk)}"


def exported() -> str:
    """The FtM export of the database, as /api/v1/export/ftm.jsonl has it."""
    links = RecordLinks(stakeholders=f"{API}/stakeholders/", sources=f"{API}/sources/")
    return b"".join(ftm_export(links=links)).decode()


def fields(slug: str) -> dict:
    stakeholder = Stakeholder.objects.get(slug=slug)
    return {
        "name": stakeholder.name,
        "kind": stakeholder.kind,
        "country": stakeholder.country.code,
        "aliases": stakeholder.aliases,
        "wikidata_id": stakeholder.wikidata_id,
        "opensanctions_id": stakeholder.opensanctions_id,
        "description": stakeholder.description,
    }


def test_the_sample_completes_seed_stakeholders_and_adds_new_ones(seed_stakeholders):
    maduro_description = Stakeholder.objects.get(slug="nicolas-maduro").description

    assert run(str(SAMPLE)) == f"Imported {SAMPLE}:\n{SAMPLE_REPORT}"

    assert Stakeholder.objects.count() == 35 + 3
    # Matched by an alias of the entity; only its blank fields are filled in: the aliases,
    # country and description it had stay as they were.
    assert fields("nicolas-maduro") == {
        "name": "Nicolás Maduro",
        "kind": "person",
        "country": "VE",
        "aliases": ["Maduro"],
        "wikidata_id": "Q57413",
        "opensanctions_id": "NK-sample-maduro",
        "description": maduro_description,
    }
    # It had no aliases: it gets the entity's names but its own.
    assert fields("diosdado-cabello")["aliases"] == ["Diosdado Cabello Rondón"]
    # "Vladimir PADRINO LOPEZ": names match whatever their case and accents.
    assert fields("vladimir-padrino-lopez")["opensanctions_id"] == "NK-sample-padrino"
    # The seed's "Sebin" is the entity's alias "SEBIN".
    assert fields("sebin")["aliases"] == [
        "Servicio Bolivariano de Inteligencia Nacional",
        "Bolivarian National Intelligence Service",
    ]
    # New: a Company, a PublicBody, a Person.
    assert fields("petroleos-de-venezuela-sa") == {
        "name": "Petróleos de Venezuela, S.A.",
        "kind": "organization",
        "country": "VE",
        "aliases": ["PDVSA"],
        "wikidata_id": "",
        "opensanctions_id": "NK-sample-pdvsa",
        "description": "Venezuela's state-owned oil and natural gas company.",
    }
    assert fields("banco-central-de-venezuela")["kind"] == "government_body"
    assert fields("tareck-zaidan-el-aissami-maddah")["aliases"] == ["Tareck El Aissami"]


def test_importing_again_changes_nothing(seed_stakeholders):
    run(str(SAMPLE))
    history = Stakeholder.history.count()

    output = run(str(SAMPLE))

    assert "created: 0\n  updated: 0\n  unchanged: 7\n  skipped: 2\n" in output
    assert Stakeholder.objects.count() == 35 + 3
    assert Stakeholder.history.count() == history


def test_a_dry_run_says_what_it_would_do_and_saves_nothing(seed_stakeholders):
    assert run(str(SAMPLE), "--dry-run") == f"Dry run of {SAMPLE}, nothing saved:\n{SAMPLE_REPORT}"

    assert Stakeholder.objects.count() == 35
    assert not Stakeholder.objects.exclude(opensanctions_id="").exists()
    assert not Stakeholder.history.exists()


def test_the_audit_trail_has_one_record_per_stakeholder_by_no_user(seed_stakeholders):
    run(str(SAMPLE))

    records = Stakeholder.history.order_by("slug")
    assert [(r.slug, r.history_type, r.history_user) for r in records] == [
        ("banco-central-de-venezuela", "+", None),
        ("diosdado-cabello", "~", None),
        ("nicolas-maduro", "~", None),
        ("petroleos-de-venezuela-sa", "+", None),
        ("sebin", "~", None),
        ("tareck-zaidan-el-aissami-maddah", "+", None),
        ("vladimir-padrino-lopez", "~", None),
    ]


def test_the_opensanctions_id_is_matched_before_the_name(seed_stakeholders):
    known = factories.StakeholderFactory(
        name="V. Padrino", kind="person", country="", opensanctions_id="NK-sample-padrino"
    )

    run(str(SAMPLE))

    known.refresh_from_db()
    assert known.country.code == "VE"
    assert fields("vladimir-padrino-lopez")["opensanctions_id"] == ""


def test_a_referent_is_an_opensanctions_id_too():
    known = factories.StakeholderFactory(name="Someone", opensanctions_id="ofac-123")
    line = json.dumps(
        {
            "id": "NK-merged",
            "schema": "Person",
            "referents": ["ofac-123"],
            "properties": {"name": ["Another Name"]},
        }
    )

    assert "created: 0\n  updated: 1\n" in run("-", stdin=line)
    known.refresh_from_db()
    assert list(Stakeholder.objects.all()) == [known]
    assert known.aliases == ["Another Name"]


def test_a_name_matches_only_a_stakeholder_of_a_compatible_kind(seed_stakeholders):
    run("-", stdin=entity("Person", name=["Cuba"]))

    assert sorted(Stakeholder.objects.filter(name="Cuba").values_list("slug", "kind")) == [
        ("cuba", "state"),
        ("cuba-2", "person"),
    ]


def test_an_alias_matching_only_an_alias_is_not_a_match():
    factories.StakeholderFactory(name="Leopoldo López", aliases=["López"])

    assert "created: 1" in run("-", stdin=entity(name=["Antonio Ledezma"], alias=["López"]))


def test_an_entity_matching_several_stakeholders_is_left_alone_and_the_report_says_how_to_choose():
    first = factories.StakeholderFactory(slug="first", name="Same Name")
    second = factories.StakeholderFactory(slug="second", name="Other", aliases=["Same Name"])

    output = run("-", stdin=entity(entity_id="NK-same", name=["Same Name"]))

    assert output.endswith(
        "  created: 0\n  updated: 0\n  unchanged: 0\n  skipped: 1\n"
        "    ambiguous: 1 (left alone: each could be any of the stakeholders listed under it)\n"
        "      line 1: Person “Same Name” (NK-same) could be any of 2 stakeholders:\n"
        f"        policytracker-stakeholder-{first.pk} “Same Name” (slug first), by its name\n"
        f"        policytracker-stakeholder-{second.pk} “Other” (slug second), by its alias "
        "“Same Name”\n"
        "        To choose, give the entity the id of the right one in the file (e.g. "
        f'"id": "policytracker-stakeholder-{first.pk}"), or give the right one the '
        "OpenSanctions ID NK-same; then import again.\n"
    )
    assert Stakeholder.objects.count() == 2
    assert {first.opensanctions_id, second.opensanctions_id} == {""}


def test_either_way_the_report_suggests_resolves_the_ambiguity():
    first = factories.StakeholderFactory(name="Same Name", opensanctions_id="")
    factories.StakeholderFactory(name="Same Name", opensanctions_id="")

    # The entity given the id of the right one.
    by_id = run(
        "-", stdin=entity(entity_id=f"policytracker-stakeholder-{first.pk}", name=["Same Name"])
    )
    # Or the right one given the entity's OpenSanctions ID.
    first.opensanctions_id = "NK-same"
    first.save()
    by_opensanctions_id = run("-", stdin=entity(entity_id="NK-same", name=["Same Name"]))

    for output in (by_id, by_opensanctions_id):
        assert "created: 0\n  updated: 0\n  unchanged: 1\n  skipped: 0\n" in output
        assert "ambiguous" not in output


def test_two_stakeholders_with_the_entitys_opensanctions_id_are_ambiguous_too():
    first = factories.StakeholderFactory(slug="first", name="One", opensanctions_id="NK-x")
    factories.StakeholderFactory(slug="second", name="Two", opensanctions_id="NK-x")

    output = run("-", stdin=entity(entity_id="NK-x", name=["Three"]))

    assert (
        f"        policytracker-stakeholder-{first.pk} “One” (slug first), by its OpenSanctions "
        "ID NK-x\n"
    ) in output
    assert (
        f'(e.g. "id": "policytracker-stakeholder-{first.pk}"), or take the OpenSanctions ID NK-x '
        "off the others; then import again.\n"
    ) in output


def test_a_classification_naming_a_kind_gives_the_new_stakeholder_that_kind():
    lines = [
        entity(
            "LegalEntity", "NK-1", name=["Exiles"], classification=["Community or interest group"]
        ),
        entity("Organization", "NK-2", name=["A Party"], classification=["political_party"]),
        entity("LegalEntity", "NK-3", name=["Unknown"], classification=["Something else"]),
    ]

    run("-", stdin="\n".join(lines))

    assert sorted(Stakeholder.objects.values_list("name", "kind")) == [
        ("A Party", "political_party"),
        ("Exiles", "community"),
        ("Unknown", "organization"),
    ]


def test_invalid_values_are_not_taken():
    line = entity(name=["Ana"], wikidataId=["not-an-id", "Q7"], country=["suhh", "zz", "ar"])

    run("-", stdin=line)

    assert (fields("ana")["wikidata_id"], fields("ana")["country"]) == ("Q7", "AR")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not an FtM entity (a JSON object)."),
        ('{"schema": "Person", "properties": {}}', "the entity has no id."),
        ('{"id": "x", "properties": {}}', "the entity has no schema."),
        ('{"id": "x", "schema": "Person", "properties": []}', "properties must be a JSON object"),
        (
            '{"id": "x", "schema": "Person", "properties": {"name": "Ana"}}',
            "the property name must",
        ),
        ('{"id": "x", "schema": "Person", "properties": {"alias": ["Ana"]}}', "has no name."),
        (entity(name=["A" * 201]), "would be invalid: name: Ensure this value has at most 200"),
    ],
)
def test_a_bad_line_stops_the_import_and_nothing_is_saved(line, message):
    lines = "\n".join([entity(entity_id="NK-good", name=["Good"]), "", line])

    with pytest.raises(CommandError) as error:
        run("-", stdin=lines)

    assert str(error.value).startswith("standard input, line 3: ")
    assert message in str(error.value)
    assert str(error.value).endswith("Nothing was imported.")
    assert not Stakeholder.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.jsonl"):
        run(str(tmp_path / "missing.jsonl"))


def test_the_ftm_export_imported_back_duplicates_nothing(api_client, seed_stakeholders):
    run(str(SAMPLE))
    factories.SanctionMeasureFactory(target=Stakeholder.objects.get(slug="nicolas-maduro"))
    exported = b"".join(api_client.get("/api/v1/export/ftm.jsonl").streaming_content)
    count = Stakeholder.objects.count()

    output = run("-", stdin=exported.decode())

    # Every stakeholder is itself again, by its id; the Sanction is not imported.
    assert f"created: 0\n  updated: 0\n  unchanged: {count}\n  skipped: 1\n" in output
    assert Stakeholder.objects.count() == count


def test_the_export_imported_back_is_every_stakeholder_by_its_id_whatever_its_name():
    # Two stakeholders of one name, and a third with it as an alias: by name, ambiguous.
    twin = factories.StakeholderFactory(name="Ana Pérez", aliases=[])
    factories.StakeholderFactory(name="Ana Pérez", aliases=[], country="", opensanctions_id="NK-a")
    factories.StakeholderFactory(name="A. Pérez", aliases=["Ana Pérez"], wikidata_id="Q42")
    # Names FtM cleans (quotes around, spacing, invisible characters) and repeated aliases.
    factories.StakeholderFactory(name='"Los Colectivos"', kind="community", aliases=[])
    factories.StakeholderFactory(name="Tareck\u200b El  Aissami", aliases=[], description=" ")
    factories.StakeholderFactory(name="Sebin", kind="government_body", aliases=["SEBIN", "SEBIN "])
    factories.SanctionMeasureFactory(target=twin)
    count, history = Stakeholder.objects.count(), Stakeholder.history.count()

    output = run("-", stdin=exported())

    assert output == (
        "Imported standard input:\n"
        f"  created: 0\n  updated: 0\n  unchanged: {count}\n  skipped: 1\n"
        "    Sanction: 1 (a schema that is not imported)\n"
    )
    assert Stakeholder.objects.count() == count
    assert Stakeholder.history.count() == history


def test_an_id_of_a_stakeholder_that_is_not_here_is_said_and_the_entity_matched_by_name():
    here = factories.StakeholderFactory(slug="ana-perez", name="Ana Pérez")
    lines = [
        entity(entity_id=own_id(here.pk + 100), name=["Ana Pérez"]),
        entity(entity_id=own_id(here.pk + 101), name=["Someone New"]),
    ]

    output = run("-", stdin="\n".join(lines))

    new = Stakeholder.objects.get(name="Someone New")
    assert output.endswith(
        "  created: 1\n  updated: 0\n  unchanged: 1\n  skipped: 0\n"
        "  ids of stakeholders not here: 2 (deleted since the export, or another database's ids: "
        "matched by OpenSanctions ID and name instead)\n"
        f"    line 1: Person “Ana Pérez” ({own_id(here.pk + 100)}): matched {own_id(here)} "
        "“Ana Pérez” (slug ana-perez), by its name\n"
        f"    line 2: Person “Someone New” ({own_id(here.pk + 101)}): created {own_id(new)} "
        "“Someone New” (slug someone-new)\n"
    )
    # This service's ids are no OpenSanctions IDs.
    assert new.opensanctions_id == ""


def test_an_entity_with_the_id_of_a_stakeholder_it_is_not_is_left_alone():
    here = factories.StakeholderFactory(slug="ana-perez", name="Ana Pérez", aliases=[])
    factories.StakeholderFactory(name="Juan Guaidó")

    output = run("-", stdin=entity(entity_id=own_id(here), name=["Juan Guaidó"]))

    assert output.endswith(
        "  created: 0\n  updated: 0\n  unchanged: 0\n  skipped: 1\n"
        "    id of another stakeholder: 1 (left alone: if the stakeholder was renamed since the "
        "export, there is nothing to import; if the file comes from another database, give "
        "these entities ids of their own, not policytracker-stakeholder-<id>, and import again)\n"
        f"      line 1: Person “Juan Guaidó” ({own_id(here)}) has none of the names nor the "
        f"OpenSanctions ID of {own_id(here)} “Ana Pérez” (slug ana-perez)\n"
    )
    here.refresh_from_db()
    assert here.aliases == []


@pytest.mark.parametrize(
    ("stakeholder", "properties", "referents"),
    [
        # Renamed since the export, the old name kept as an alias.
        ({"name": "Ana María Pérez", "aliases": ["Ana Pérez"]}, {"name": ["Ana Pérez"]}, []),
        # One of the entity's aliases is one of the stakeholder's.
        ({"name": "A. M. Pérez", "aliases": ["La Ministra"]}, {"alias": ["La Ministra"]}, []),
        # Renamed, but its OpenSanctions ID is the entity's referent.
        ({"name": "Ana María Pérez", "opensanctions_id": "NK-ana"}, {"name": ["Ana"]}, ["NK-ana"]),
    ],
)
def test_the_id_matches_a_stakeholder_recognisable_by_a_name_or_its_opensanctions_id(
    stakeholder, properties, referents
):
    here = factories.StakeholderFactory(kind="person", country="", **stakeholder)
    properties = {"name": ["Ana Pérez"], "country": ["ar"], **properties}
    line = json.dumps(
        {"id": own_id(here), "schema": "Person", "properties": properties, "referents": referents}
    )

    assert "created: 0\n  updated: 1\n  unchanged: 0\n  skipped: 0\n" in run("-", stdin=line)
    here.refresh_from_db()
    assert here.country.code == "AR"

"""Spreadsheet import and export in the admin (options/resources.py), through its pages, as an
editor uses them: export, preview (a dry run), confirm; natural keys, row errors, audit trail."""

import datetime
import io
import json

import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from options import models
from tests import factories
from tests.conftest import editors_group

pytestmark = pytest.mark.django_db

# The admin's formats, by their index in its forms (options.resources.FORMATS).
FORMATS = {"csv": "0", "xlsx": "1", "json": "2"}
RESOURCE_MODELS = [models.Source, models.Stakeholder, models.PolicyOption, models.Position]


def admin_url(model, view: str) -> str:
    return reverse(f"admin:options_{model._meta.model_name}_{view}")


@pytest.fixture(autouse=True)
def preview_folder(settings, tmp_path):
    """Previews wait in this test's own folder (options/admin/import_previews.py)."""
    settings.IMPORT_PREVIEW_DIR = str(tmp_path / "previews")
    return tmp_path / "previews"


@pytest.fixture
def editor(django_user_model):
    """A member of the editors group who may log in to the admin. Without a password: hashing
    one takes longer than any of these tests."""
    editor = django_user_model.objects.create_user("editor", is_staff=True)
    editor.groups.add(editors_group())
    return editor


@pytest.fixture
def editor_admin(client, editor):
    """The Django test client, logged in to the admin as the editor."""
    client.force_login(editor)
    return client


def export(client, model, file_format: str, query: str = "") -> bytes:
    response = client.post(
        f"{admin_url(model, 'export')}{query}", {"format": FORMATS[file_format], "resource": "0"}
    )
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Disposition"].endswith(f'.{file_format}"')
    return response.content


def preview(client, model, content: bytes | str, file_format: str = "csv"):
    """Upload a file to the import page: the dry run, whose page previews the import."""
    if isinstance(content, str):
        content = content.encode()
    upload = io.BytesIO(content)
    upload.name = f"upload.{file_format}"
    response = client.post(
        admin_url(model, "import"),
        {"import_file": upload, "format": FORMATS[file_format], "resource": "0"},
    )
    assert response.status_code == 200
    return response


def confirm(client, model, previewed):
    """Press "Confirm import" on a preview."""
    form = previewed.context["confirm_form"]
    assert form is not None, "the preview offers no confirmation"
    return client.post(admin_url(model, "process_import"), form.initial)


def import_file(client, model, content, file_format: str = "csv"):
    """Preview, then confirm: the whole import, as an editor makes it."""
    previewed = preview(client, model, content, file_format)
    response = confirm(client, model, previewed)
    assert response.status_code == 302, response.content[:2000]
    return previewed


def import_types(previewed) -> list[str]:
    """What the preview says each row would do: "new", "update", "skip"."""
    return [row.import_type for row in previewed.context["result"].valid_rows()]


def row_errors(previewed) -> dict[int, dict[str, list[str]]]:
    """The preview's errors: by row number (from 1, the first row under the headers), the
    messages by column."""
    result = previewed.context["result"]
    assert not result.has_errors(), [
        error.error for _, errors in result.row_errors() for error in errors
    ]
    assert previewed.context.get("confirm_form") is None
    return {row.number: row.field_specific_errors for row in result.invalid_rows}


def csv_text(*rows: dict) -> str:
    """A CSV file of `rows`, which have the same keys: the columns."""
    headers = list(rows[0])
    data = tablib.Dataset(headers=headers)
    for row in rows:
        data.append([row[header] for header in headers])
    return data.export("csv")


@pytest.fixture
def world():
    """Two topics with an option slug in common, and one position of each shape that matters: a
    reported one (with who reported it), a retracted one, one with no salience, a quote that a
    spreadsheet would take for a formula, a source known second hand, aliases with accents."""
    report = factories.SourceFactory(slug="un-report", title="UN report")
    article = factories.SourceFactory(slug="article", title="Article", cited_in=report)
    topics = [factories.TopicFactory(slug=slug) for slug in ("venezuela", "bolivia")]
    sanctions = [
        factories.PolicyOptionFactory(topic=topic, slug="sanctions", kind="sanctions")
        for topic in topics
    ]
    padrino = factories.StakeholderFactory(
        slug="padrino", name="Vladimir Padrino López", aliases=["Padrino López", "General"]
    )
    padrino.sources.set([report, article])
    usa = factories.StakeholderFactory(slug="usa", name="United States", kind="state")
    sanctions[0].actors.set([usa])
    positions = [
        factories.PositionFactory(
            stakeholder=padrino,
            option=sanctions[0],
            stance=-2,
            basis="reported",
            reported_by=usa,
            salience=None,
            source=article,
            quote="=Sanctions are theft",
            retracted_on=datetime.date(2019, 5, 10),
            retracted_precision="month",
        ),
        factories.PositionFactory(
            stakeholder=usa, option=sanctions[1], stance=2, basis="stated", source=report
        ),
    ]
    return {"sources": [report, article], "options": sanctions, "positions": positions}


PADRINO_POSITION = {
    "stakeholder": "padrino",
    "topic": "venezuela",
    "option": "sanctions",
    "stance": "-2",
    "basis": "reported",
    "reported_by": "usa",
    "as_of": "2019-04-30",
    "as_of_precision": "day",
    "salience": "",
    "confidence": "medium",
    "source": "article",
    "quote": "=Sanctions are theft",
    "summary": "",
    "notes": "",
    "retracted_on": "2019-05-10",
    "retracted_precision": "month",
}


@pytest.mark.parametrize("file_format", FORMATS)
def test_positions_export_by_natural_keys_in_each_format(editor_admin, world, file_format):
    content = export(editor_admin, models.Position, file_format, "?basis__exact=reported")

    if file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).active
        headers, *rows = ([cell.value for cell in row] for row in sheet.iter_rows())
        [row] = [dict(zip(headers, values, strict=True)) for values in rows]
        # Numbers, dates and booleans are typed cells; the quote is text, not a formula.
        assert row == {
            **PADRINO_POSITION,
            "stance": -2,
            "as_of": datetime.datetime(2019, 4, 30),
            "salience": None,
            "summary": None,
            "notes": None,
            "retracted_on": datetime.datetime(2019, 5, 10),
        }
        assert sheet["L2"].data_type == "s"
    else:
        # Filtered as the changelist is: the other position is stated. In CSV, the quote that
        # a spreadsheet would run as a formula has an apostrophe before it.
        [row] = tablib.Dataset().load(content.decode(), format=file_format).dict
        quote = {"csv": "'=Sanctions are theft", "json": "=Sanctions are theft"}[file_format]
        assert row == {**PADRINO_POSITION, "quote": quote}


def test_export_names_related_records_by_slug(editor_admin, world):
    stakeholders = tablib.Dataset().load(
        export(editor_admin, models.Stakeholder, "csv", "?q=padrino").decode(), format="csv"
    )
    assert stakeholders.dict == [
        {
            "slug": "padrino",
            "name": "Vladimir Padrino López",
            "kind": "person",
            "country": "VE",
            "aliases": '["Padrino López", "General"]',
            "description": "",
            "wikidata_id": "",
            "opensanctions_id": "",
            "sources": "article, un-report",
        }
    ]
    options = tablib.Dataset().load(
        export(editor_admin, models.PolicyOption, "json").decode(), format="json"
    )
    assert sorted((row["topic"], row["slug"], row["actors"]) for row in options.dict) == [
        ("bolivia", "sanctions", ""),
        ("venezuela", "sanctions", "usa"),
    ]
    sources = tablib.Dataset().load(
        export(editor_admin, models.Source, "csv").decode(), format="csv"
    )
    assert {row["slug"]: row["cited_in"] for row in sources.dict} == {
        "un-report": "",
        "article": "un-report",
    }


@pytest.mark.parametrize("file_format", FORMATS)
def test_an_export_re_imports_changing_nothing(editor_admin, world, file_format):
    for model in RESOURCE_MODELS:
        content = export(editor_admin, model, file_format)
        count, history = model.objects.count(), model.history.count()

        previewed = import_file(editor_admin, model, content, file_format)

        assert import_types(previewed) == ["skip"] * count, model
        assert (model.objects.count(), model.history.count()) == (count, history), model


def test_a_retraction_goes_round_an_export_and_an_import(editor_admin, world):
    retracted, standing = world["positions"]
    rows = tablib.Dataset().load(export(editor_admin, models.Position, "csv").decode()).dict
    by_stakeholder = {row["stakeholder"]: row for row in rows}
    assert {
        slug: (row["retracted_on"], row["retracted_precision"])
        for slug, row in by_stakeholder.items()
    } == {"padrino": ("2019-05-10", "month"), "usa": ("", "day")}
    # The editor moves one retraction and records the other; the file re-imports as changed.
    by_stakeholder["padrino"] |= {"retracted_on": "", "retracted_precision": "day"}
    by_stakeholder["usa"] |= {"retracted_on": "2019-06-01", "retracted_precision": "year"}
    history = models.Position.history.count()

    previewed = import_file(editor_admin, models.Position, csv_text(*rows))

    assert import_types(previewed) == ["update", "update"]
    retracted.refresh_from_db()
    standing.refresh_from_db()
    assert (retracted.retracted, retracted.retracted_on, retracted.retracted_precision) == (
        False,
        None,
        "day",
    )
    assert (standing.retracted, standing.retracted_on, standing.retracted_precision) == (
        True,
        datetime.date(2019, 6, 1),
        "year",
    )
    assert models.Position.history.count() == history + 2
    # And the export says so.
    again = tablib.Dataset().load(export(editor_admin, models.Position, "csv").decode()).dict
    assert sorted(
        (row["stakeholder"], row["retracted_on"], row["retracted_precision"]) for row in again
    ) == [
        ("padrino", "", "day"),
        ("usa", "2019-06-01", "year"),
    ]


def test_a_file_with_the_old_retracted_column_is_refused_with_the_new_columns(editor_admin, world):
    # Files exported before retractions were dated have a yes/no `retracted` column, which
    # cannot say when: the import names the columns it takes instead of guessing a date.
    old = {key: value for key, value in PADRINO_POSITION.items() if not key.startswith("retr")}

    previewed = preview(editor_admin, models.Position, csv_text({**old, "retracted": "1"}))

    html = previewed.content.decode()
    assert "The file cannot be imported" in html
    assert (
        "<li>Unknown columns: retracted. The columns are: stakeholder, topic, option, stance, "
        "basis, reported_by, as_of, as_of_precision, salience, confidence, source, quote, "
        "summary, notes, retracted_on, retracted_precision.</li>"
    ) in html
    assert previewed.context.get("confirm_form") is None
    assert models.Position.objects.get(pk=world["positions"][0].pk).retracted_on == (
        datetime.date(2019, 5, 10)
    )


def test_the_api_s_csv_export_imports_again_in_the_admin(editor_admin, world):
    # The API's CSV (/api/v1/positions/export.csv) names records by the columns the admin's
    # import takes. Without its own columns, it restores deleted positions, retraction and all;
    # the import strips the apostrophe it puts before a formula, as the admin's CSV's own.
    response = editor_admin.get("/api/v1/positions/export.csv")
    assert response.status_code == 200
    exported = tablib.Dataset().load(
        b"".join(response.streaming_content).decode("utf-8-sig"), format="csv"
    )
    for column in ("id", "stance_label", "created", "updated", "version"):
        del exported[column]
    rows = exported.dict
    assert "'=Sanctions are theft" in [row["quote"] for row in rows]
    before = {
        position.pk: (
            position.stakeholder.slug,
            position.option_id,
            position.quote,
            position.retracted_on,
            position.retracted_precision,
        )
        for position in models.Position.objects.all()
    }
    models.Position.objects.all().delete()

    previewed = import_file(editor_admin, models.Position, csv_text(*rows))

    assert import_types(previewed) == ["new", "new"]
    assert sorted(
        (p.stakeholder.slug, p.option_id, p.quote, p.retracted_on, p.retracted_precision)
        for p in models.Position.objects.all()
    ) == sorted(before.values())
    assert models.Position.objects.get(stakeholder__slug="padrino").retracted_on == (
        datetime.date(2019, 5, 10)
    )


def test_a_source_s_reliability_is_exported_and_imported(editor_admin, world):
    report, article = world["sources"]
    models.Source.objects.filter(pk=report.pk).update(reliability="A")
    rows = tablib.Dataset().load(export(editor_admin, models.Source, "csv").decode()).dict
    assert {row["slug"]: row["reliability"] for row in rows} == {"un-report": "A", "article": "F"}
    by_slug = {row["slug"]: row for row in rows}
    by_slug["article"]["reliability"] = "D"

    previewed = import_file(editor_admin, models.Source, csv_text(*rows))

    assert sorted(import_types(previewed)) == ["skip", "update"]
    article.refresh_from_db()
    assert article.reliability == "D"
    # A grade off the scale is a row error; a new source without the column is not graded (F).
    bad = preview(editor_admin, models.Source, csv_text({**by_slug["article"], "reliability": "G"}))
    assert row_errors(bad) == {1: {"reliability": ["Value 'G' is not a valid choice."]}}
    import_file(
        editor_admin,
        models.Source,
        csv_text({"slug": "tweet", "title": "A tweet", "kind": "social_media"}),
    )
    assert models.Source.objects.get(slug="tweet").reliability == "F"


def test_a_changed_export_updates_its_records_with_one_history_record_each(
    editor_admin, editor, world
):
    usa, padrino = (
        tablib.Dataset().load(export(editor_admin, models.Stakeholder, "csv").decode()).dict
    )
    padrino |= {"name": "General Padrino", "aliases": "[]", "sources": "un-report"}
    history = models.Stakeholder.history.count()

    previewed = import_file(editor_admin, models.Stakeholder, csv_text(usa, padrino))

    assert import_types(previewed) == ["skip", "update"]
    padrino = models.Stakeholder.objects.get(slug="padrino")
    assert (padrino.name, padrino.aliases, padrino.version) == ("General Padrino", [], 2)
    assert [source.slug for source in padrino.sources.all()] == ["un-report"]
    # One record for the row (its fields and its links), by the editor, in the request.
    assert models.Stakeholder.history.count() == history + 1
    record = padrino.history.latest()
    assert (record.history_type, record.history_user, record.name) == ("~", editor, padrino.name)
    assert record.request_id
    assert [link.source_id for link in record.sources.all()] == [world["sources"][0].pk]


def test_the_preview_is_a_dry_run_and_confirming_imports(editor_admin, editor, world):
    stakeholders = csv_text(
        {"slug": "maduro", "name": "Nicolás Maduro", "kind": "person", "sources": "article"},
        {"slug": "usa", "name": "USA", "kind": "state", "sources": ""},
    )

    previewed = preview(editor_admin, models.Stakeholder, stakeholders)

    assert import_types(previewed) == ["new", "update"]
    assert "Nicolás Maduro" in previewed.content.decode()
    assert set(models.Stakeholder.objects.values_list("slug", "name")) == {
        ("padrino", "Vladimir Padrino López"),
        ("usa", "United States"),
    }
    assert models.Stakeholder.history.filter(slug="maduro").count() == 0

    response = confirm(editor_admin, models.Stakeholder, previewed)

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Import finished: 1 new, 1 updated, 0 deleted and 0 skipped stakeholders."]
    maduro = models.Stakeholder.objects.get(slug="maduro")
    # Columns left out of the file take the model's defaults.
    assert (maduro.name, maduro.kind, maduro.aliases, maduro.country) == (
        "Nicolás Maduro",
        "person",
        [],
        "",
    )
    assert [source.slug for source in maduro.sources.all()] == ["article"]
    [record] = maduro.history.all()
    assert (record.history_type, record.history_user) == ("+", editor)


def test_a_bad_row_shows_its_errors_and_nothing_is_imported(editor_admin, world):
    good = {**PADRINO_POSITION, "basis": "stated", "reported_by": "", "stance": "1"}
    positions = csv_text(
        good,
        {**good, "as_of": "2019-05-01", "stance": "5", "salience": "101"},
        {**good, "as_of": "2019-05-02", "basis": "expected", "reported_by": "usa"},
        {**good, "as_of": "2019-05-03", "stance": "1.5", "retracted_on": "yes"},
        {**good, "as_of": "2019-05-04", "retracted_on": "2019-05-03", "retracted_precision": "day"},
        {**good, "as_of": "2019-05-05", "retracted_precision": "week"},
    )

    previewed = preview(editor_admin, models.Position, positions)

    assert row_errors(previewed) == {
        2: {
            "stance": ["Ensure this value is less than or equal to 2."],
            "salience": ["Ensure this value is less than or equal to 100."],
        },
        3: {"reported_by": ["Only a reported position names who reported it."]},
        4: {
            "stance": ["“1.5” is not a whole number."],
            "retracted_on": ["“yes” is not a date written as YYYY-MM-DD."],
        },
        5: {"retracted_on": ["A position cannot be retracted before it was taken."]},
        6: {"retracted_precision": ["Value 'week' is not a valid choice."]},
    }
    html = previewed.content.decode()
    assert "Some rows failed to validate" in html
    assert "Ensure this value is less than or equal to 2." in html
    assert models.Position.objects.count() == 2


def test_unknown_natural_keys_and_unreadable_values_are_row_errors(editor_admin, world):
    positions = csv_text(
        {**PADRINO_POSITION, "stakeholder": "nobody", "as_of": "30/04/2019"},
        {**PADRINO_POSITION, "topic": "chile", "source": "no-such-source"},
        {**PADRINO_POSITION, "topic": ""},
    )
    stakeholders = csv_text(
        {
            "slug": "maduro",
            "name": "Maduro",
            "kind": "person",
            "sources": "article, x, y",
            "aliases": "",
        },
        {"slug": "cabello", "name": "Cabello", "kind": "", "sources": "", "aliases": "Diosdado"},
    )

    assert row_errors(preview(editor_admin, models.Position, positions)) == {
        1: {
            "stakeholder": ["There is no stakeholder with the slug “nobody”."],
            "as_of": ["“30/04/2019” is not a date written as YYYY-MM-DD."],
        },
        2: {
            "option": ["There is no policy option with the slug “sanctions” in the topic “chile”."],
            "source": ["There is no source with the slug “no-such-source”."],
        },
        3: {"option": ["Give the option's topic (its slug) in the “topic” column."]},
    }
    assert row_errors(preview(editor_admin, models.Stakeholder, stakeholders)) == {
        1: {"sources": ["There are no sources with the slugs “x”, “y”."]},
        2: {
            "aliases": [
                'Write the names as a JSON list, e.g. ["Padrino López", "General Padrino"].'
            ],
            "kind": ["This field cannot be blank."],
        },
    }
    assert (models.Position.objects.count(), models.Stakeholder.objects.count()) == (2, 2)


def test_a_file_with_unknown_or_missing_columns_is_refused_with_a_message(editor_admin, world):
    misspelt = csv_text({"slug": "maduro", "name": "Maduro", "kind": "person", "sumary": "x"})
    keyless = csv_text({"name": "Maduro", "kind": "person"})

    for content, message in [
        (
            misspelt,
            "Unknown columns: sumary. The columns are: slug, name, kind, country, aliases, "
            "description, wikidata_id, opensanctions_id, sources.",
        ),
        (
            keyless,
            "The following fields are declared in &#x27;import_id_fields&#x27; but are not "
            "present in the file headers: slug",
        ),
    ]:
        previewed = preview(editor_admin, models.Stakeholder, content)
        html = previewed.content.decode()
        assert "The file cannot be imported" in html
        assert f"<li>{message}</li>" in html
        assert "Traceback" not in html
        assert previewed.context.get("confirm_form") is None
    assert models.Stakeholder.objects.count() == 2


def test_exports_take_the_same_queries_whatever_their_rows(
    editor_admin, world, django_assert_max_num_queries
):
    counts = {}
    for model in RESOURCE_MODELS:
        with CaptureQueriesContext(connection) as queries:
            export(editor_admin, model, "csv")
        counts[model] = len(queries)
    for source in factories.SourceFactory.create_batch(3, cited_in=world["sources"][0]):
        stakeholder = factories.StakeholderFactory()
        stakeholder.sources.set([source])
        option = factories.PolicyOptionFactory(proposer=stakeholder, venue=stakeholder)
        option.actors.set([stakeholder])
        factories.PositionFactory(stakeholder=stakeholder, option=option, source=source)

    for model in RESOURCE_MODELS:
        # The related records of every row are read by a join or a prefetch.
        with django_assert_max_num_queries(counts[model]):
            export(editor_admin, model, "csv")


def test_options_are_found_by_topic_and_slug(editor_admin, world):
    options = csv_text(
        {
            "topic": "bolivia",
            "slug": "sanctions",
            "title": "Bolivian sanctions",
            "kind": "sanctions",
        },
        {"topic": "venezuela", "slug": "talks", "title": "Talks", "kind": "negotiation"},
    )

    import_file(editor_admin, models.PolicyOption, options)

    venezuela, bolivia = world["options"]
    bolivia.refresh_from_db()
    venezuela.refresh_from_db()
    assert bolivia.title == "Bolivian sanctions"
    assert venezuela.title != "Bolivian sanctions"
    assert models.PolicyOption.objects.get(topic__slug="venezuela", slug="talks").kind == (
        "negotiation"
    )


def test_an_xlsx_import_reads_typed_cells(editor_admin, world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["stakeholder", "topic", "option", "stance", "basis", "as_of", "source"])
    sheet.append(
        ["usa", "venezuela", "sanctions", 2, "stated", datetime.date(2019, 3, 1), "un-report"]
    )
    sheet.append(["padrino", "bolivia", "sanctions", -1.0, "expected", "2019-03-02", "article"])
    content = io.BytesIO()
    workbook.save(content)

    previewed = import_file(editor_admin, models.Position, content.getvalue(), "xlsx")

    assert import_types(previewed) == ["new", "new"]
    created = models.Position.objects.filter(as_of__month=3).order_by("as_of")
    assert [(p.stakeholder.slug, p.option.topic.slug, p.stance, p.as_of) for p in created] == [
        ("usa", "venezuela", 2, datetime.date(2019, 3, 1)),
        ("padrino", "bolivia", -1, datetime.date(2019, 3, 2)),
    ]


def test_a_json_import_takes_a_list_of_objects_with_lists_in_them(editor_admin, world):
    sources = json.dumps(
        [{"slug": "tweet", "title": "A tweet", "kind": "social_media", "cited_in": "article"}]
    )
    stakeholders = json.dumps(
        [
            {
                "slug": "maduro",
                "name": "Nicolás Maduro",
                "kind": "person",
                "aliases": ["Maduro Moros"],
                "sources": ["tweet", "article"],
            }
        ]
    )

    import_file(editor_admin, models.Source, sources, "json")
    import_file(editor_admin, models.Stakeholder, stakeholders, "json")

    assert models.Source.objects.get(slug="tweet").cited_in.slug == "article"
    maduro = models.Stakeholder.objects.get(slug="maduro")
    assert maduro.aliases == ["Maduro Moros"]
    assert sorted(source.slug for source in maduro.sources.all()) == ["article", "tweet"]


def test_a_file_that_became_invalid_since_its_preview_imports_nothing(editor_admin, world):
    stakeholders = csv_text(
        {"slug": "maduro", "name": "Maduro", "kind": "person", "sources": ""},
        {"slug": "cabello", "name": "Cabello", "kind": "person", "sources": "un-report"},
    )
    previewed = preview(editor_admin, models.Stakeholder, stakeholders)
    assert import_types(previewed) == ["new", "new"]
    models.Source.objects.filter(slug="un-report").update(slug="renamed")  # meanwhile

    response = confirm(editor_admin, models.Stakeholder, previewed)

    assert response.status_code == 302
    assert response["Location"] == admin_url(models.Stakeholder, "import")
    [message] = response.wsgi_request._messages
    assert str(message).startswith("Nothing was imported: some rows failed on confirmation")
    assert not models.Stakeholder.objects.filter(slug__in=["maduro", "cabello"]).exists()


def test_the_changelist_links_import_and_export_for_editors(editor_admin):
    html = editor_admin.get(admin_url(models.Position, "changelist")).content.decode()
    assert f"href='{admin_url(models.Position, 'import')}' class=\"import_link\"" in html
    assert f'href="{admin_url(models.Position, "export")}?" class="export_link"' in html


def test_staff_without_permissions_can_neither_import_nor_export(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("staff", is_staff=True))
    for view in ("import", "export"):
        assert client.get(admin_url(models.Position, view)).status_code == 403
    response = client.post(admin_url(models.Position, "export"), {"format": "0", "resource": "0"})
    assert response.status_code == 403

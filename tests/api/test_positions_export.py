"""GET /api/v1/positions/export.csv: every position the list would give, as a streamed CSV."""

import csv
import datetime
import io
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse

from options.api import csv_export, views
from options.api.filter_backends import allowed_query_parameters
from options.models import Position
from tests import factories
from tests.api.conftest import API

pytestmark = pytest.mark.django_db

EXPORT = f"{API}/positions/export.csv"
POSITIONS = f"{API}/positions/"
HEADER = [
    "id",
    "stakeholder",
    "topic",
    "option",
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
    "retracted_on",
    "retracted_precision",
    "created",
    "updated",
    "version",
]


def export(client, query: str = "", **headers) -> list[dict]:
    """GET the export; check that it is a streamed UTF-8 CSV file with a byte order mark and the
    header row; return its rows as dicts."""
    response = client.get(f"{EXPORT}{query}", **headers)
    assert response.status_code == 200, response.json()
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    assert next(reader) == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in reader]


def ids(rows: list[dict]) -> list[int]:
    return [int(row["id"]) for row in rows]


@pytest.fixture
def positions():
    """Positions on two options of one topic, by three stakeholders, on every basis."""
    topic = factories.TopicFactory(slug="venezuela-2019")
    sanctions = factories.PolicyOptionFactory(topic=topic, slug="sanctions", title="Sanctions")
    talks = factories.PolicyOptionFactory(topic=topic, slug="talks", title="Talks")
    padrino = factories.StakeholderFactory(slug="padrino", name="Vladimir Padrino López")
    russia = factories.StakeholderFactory(slug="russia", name="Russia")
    reuters = factories.StakeholderFactory(slug="reuters", name="Reuters")
    source = factories.SourceFactory(slug="reuters-2019-04-30")
    return {
        "stated": factories.PositionFactory(
            stakeholder=padrino,
            option=sanctions,
            stance=-2,
            basis=Position.Basis.STATED,
            as_of=datetime.date(2019, 4, 30),
            salience=90,
            confidence=Position.Confidence.HIGH,
            source=source,
            quote="«Jamás» — we stand with the constitution.",
            summary="Rejects sanctions.\nSays so twice.",
            notes='He said "never".',
        ),
        "reported": factories.PositionFactory(
            stakeholder=padrino,
            option=talks,
            stance=1,
            basis=Position.Basis.REPORTED,
            reported_by=reuters,
            as_of=datetime.date(2019, 5, 1),
            as_of_precision="month",
            salience=None,
            source=source,
            retracted_on=datetime.date(2019, 6, 3),
            retracted_precision="month",
        ),
        "expected": factories.PositionFactory(
            stakeholder=russia,
            option=sanctions,
            stance=0,
            basis=Position.Basis.EXPECTED,
            as_of=datetime.date(2019, 3, 1),
            source=source,
        ),
        "revealed": factories.PositionFactory(
            stakeholder=russia,
            option=talks,
            stance=2,
            basis=Position.Basis.REVEALED,
            as_of=datetime.date(2019, 6, 1),
            source=source,
            summary="Hosted the talks.",
        ),
    }


def test_every_position_is_a_row_with_natural_keys(api_client, positions):
    rows = export(api_client)

    # The list's default order: newest first.
    assert ids(rows) == [
        positions[basis].pk for basis in ("revealed", "reported", "stated", "expected")
    ]
    stated, reported = rows[2], rows[1]
    json = api_client.get(f"{POSITIONS}{positions['stated'].pk}/").json()
    assert stated == {
        "id": str(positions["stated"].pk),
        "stakeholder": "padrino",
        "topic": "venezuela-2019",
        "option": "sanctions",
        "stance": "-2",
        "stance_label": "Strongly oppose",
        "basis": "stated",
        "reported_by": "",
        "as_of": "2019-04-30",
        "as_of_precision": "day",
        "salience": "90",
        "confidence": "high",
        "source": "reuters-2019-04-30",
        # Unicode as it is; a newline and double quotes kept inside the quoted cell.
        "quote": "«Jamás» — we stand with the constitution.",
        "summary": "Rejects sanctions.\nSays so twice.",
        "notes": 'He said "never".',
        # Not retracted: no date, and the precision's default.
        "retracted_on": "",
        "retracted_precision": "day",
        # The timestamps as the JSON gives them.
        "created": json["created"],
        "updated": json["updated"],
        "version": "1",
    }
    assert stated["created"].endswith("Z")
    assert {
        key: reported[key]
        for key in (
            "stance_label",
            "reported_by",
            "as_of_precision",
            "salience",
            "retracted_on",
            "retracted_precision",
        )
    } == {
        "stance_label": "Support",
        "reported_by": "reuters",
        "as_of_precision": "month",
        "salience": "",
        "retracted_on": "2019-06-03",
        "retracted_precision": "month",
    }


def test_the_retraction_columns_are_the_json_s(api_client, positions):
    rows = {int(row["id"]): row for row in export(api_client)}
    listed = api_client.get(POSITIONS).json()["results"]

    assert {
        row["id"]: (row["retracted_on"] or "", row["retracted_precision"]) for row in listed
    } == {pk: (row["retracted_on"], row["retracted_precision"]) for pk, row in rows.items()}
    assert {pk: row["retracted_on"] for pk, row in rows.items() if row["retracted_on"]} == {
        positions["reported"].pk: "2019-06-03"
    }
    # Only retracted positions, or only those retracted in a month: the same one row.
    assert ids(export(api_client, "?retracted=true")) == [positions["reported"].pk]
    assert ids(
        export(api_client, "?retracted_on_after=2019-06-01&retracted_on_before=2019-06-30")
    ) == [positions["reported"].pk]


def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralized(api_client):
    formulas = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    source = factories.SourceFactory()
    for day, text in enumerate(formulas, start=1):
        factories.PositionFactory(
            source=source, as_of=datetime.date(2019, 1, day), quote=text, summary=text, notes=text
        )
    harmless = factories.PositionFactory(
        stakeholder=factories.StakeholderFactory(slug="-minus-first"),
        stance=-1,
        as_of=datetime.date(2019, 2, 1),
        quote="1 = 1",
        summary="a-b",
    )

    *neutralized, last = export(api_client, "?ordering=as_of")

    assert [(row["quote"], row["summary"], row["notes"]) for row in neutralized] == [
        (f"'{text}",) * 3 for text in formulas
    ]
    # Other text, numbers and slugs are written as they are (slugs import again as they are).
    assert (last["id"], last["quote"], last["summary"], last["notes"]) == (
        str(harmless.pk),
        "1 = 1",
        "a-b",
        "",
    )
    assert (last["stakeholder"], last["stance"]) == ("-minus-first", "-1")


@pytest.mark.parametrize(
    "query",
    [
        "?stakeholder=padrino&basis=stated&basis=reported&as_of_after=2019-04-30",
        "?option=talks&retracted=false",
        "?retracted=true",
        "?retracted_on_after=2019-06-01&retracted_on_before=2019-06-30",
        "?search=L%C3%B3pez",
        "?stance_min=1&topic=venezuela-2019",
        "?ordering=stance",
        "?ordering=-salience,as_of",
    ],
)
def test_the_list_s_filters_search_and_ordering_are_honoured(api_client, positions, query):
    listed = api_client.get(f"{POSITIONS}{query}").json()["results"]

    exported = ids(export(api_client, query))

    assert exported == [row["id"] for row in listed]
    assert len(exported) < len(positions) or "ordering" in query


@pytest.mark.parametrize(
    "query",
    [
        "?stakeholder=nobody-at-all",
        "?as_of_after=30/04/2019",
        "?retracted=maybe",
        "?retracted_on_before=2019-06-31",
        "?stance_min=two",
        "?ordering=notes",
        "?ordering=as_of, stance",
    ],
)
def test_a_bad_value_is_the_list_s_400(api_client, query):
    listed = api_client.get(f"{POSITIONS}{query}")

    exported = api_client.get(f"{EXPORT}{query}")

    assert listed.status_code == exported.status_code == 400
    assert exported["Content-Type"] == "application/json"
    assert exported.json() == listed.json()


@pytest.mark.parametrize("query", ["?colour=red&basis=stated", "?limit=10", "?offset=5"])
def test_an_unknown_query_parameter_is_a_400(api_client, query):
    # No pages: the export is the whole list, and refuses `limit` and `offset` as unknown.
    response = api_client.get(f"{EXPORT}{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_parameter"
    unknown = query[1:].split("=")[0]
    assert body["errors"] == {unknown: ["Unknown query parameter."]}
    taken = body["detail"].split("This operation takes: ")[1]
    assert "limit" not in taken and "offset" not in taken


def test_the_queries_do_not_grow_with_the_rows(
    api_client, django_assert_max_num_queries, monkeypatch
):
    # Fetched a few rows at a time, so that the rows span several chunks and writes.
    monkeypatch.setattr(csv_export, "CHUNK_SIZE", 7)
    monkeypatch.setattr(csv_export, "ROWS_PER_WRITE", 5)
    stakeholder, option, source = (
        factories.StakeholderFactory(slug="padrino"),
        factories.PolicyOptionFactory(),
        factories.SourceFactory(),
    )
    reporter = factories.StakeholderFactory()
    Position.objects.bulk_create(
        Position(
            stakeholder=stakeholder,
            option=option,
            source=source,
            stance=day % 5 - 2,
            basis=Position.Basis.REPORTED,
            reported_by=reporter,
            as_of=datetime.date(2019, 1, 1) + datetime.timedelta(days=day),
        )
        for day in range(40)
    )

    # The export's one query, and one to check the stakeholder's slug.
    with django_assert_max_num_queries(2):
        rows = export(api_client, "?stakeholder=padrino&basis=reported")

    assert len(rows) == 40
    assert {row["reported_by"] for row in rows} == {reporter.slug}


def test_a_head_request_gets_the_headers_without_reading_the_positions(
    api_client, positions, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = api_client.head(EXPORT)
        assert b"".join(response.streaming_content) == b""

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_it_is_an_attachment_named_after_the_day(api_client):
    response = api_client.get(EXPORT)

    today = datetime.datetime.now(datetime.UTC).date()
    assert response["Content-Disposition"] == f'attachment; filename="positions-{today}.csv"'
    # No position: the header row alone.
    assert b"".join(response.streaming_content) == ("\ufeff" + ",".join(HEADER) + "\r\n").encode()


def test_an_accept_header_without_csv_is_a_json_406(api_client):
    response = api_client.get(EXPORT, HTTP_ACCEPT="application/json")

    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"
    assert export(api_client, HTTP_ACCEPT="text/csv, application/json;q=0.5") == []


def test_the_address_ends_in_the_file_name(api_client):
    # Like /export/popolo.json and /export/ftm.jsonl: no slash, and nothing else answers there.
    assert reverse("api:position-export-csv") == EXPORT
    assert api_client.get(f"{EXPORT}/").status_code == 404
    assert api_client.get(f"{POSITIONS}export/").status_code == 404


def test_reading_needs_what_the_list_needs(api_client, user_client, settings):
    assert api_client.get(EXPORT).status_code == 200
    assert api_client.post(EXPORT).status_code == 401

    settings.POLICYTRACKER_PUBLIC_READ = False
    assert api_client.get(EXPORT).status_code == 401
    assert api_client.get(POSITIONS).status_code == 401
    assert export(user_client) == []


def test_the_export_is_throttled(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "user": None},
    }
    cache.clear()
    try:
        assert api_client.get(EXPORT).status_code == 200
        response = api_client.get(EXPORT)
    finally:
        cache.clear()

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_the_export_takes_exactly_the_query_parameters_its_schema_documents():
    text = (Path(django_settings.BASE_DIR) / "docs" / "openapi.yaml").read_text()
    schema = yaml.load(text, Loader=yaml.CSafeLoader)  # libyaml: a tenth of the time
    operation = schema["paths"][EXPORT]["get"]
    view = views.PositionViewSet(
        action="export_csv", request=None, format_kwarg=None, kwargs={}, pagination_class=None
    )

    documented = {parameter["name"] for parameter in operation["parameters"]}
    assert allowed_query_parameters(view) == documented | {"format"}
    assert set(operation["responses"]["200"]["content"]) == {"text/csv"}
    assert operation["responses"]["200"]["headers"]["Content-Disposition"]["required"]

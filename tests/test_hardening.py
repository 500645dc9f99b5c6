"""Three findings of a security review, each shut through the pages and the API as people use
them: formulas in the admin's CSV export, a search of a thousand words, and a JSON body nested
two thousand levels deep."""

import io

import pytest
import tablib
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework import filters as drf_filters

from options import models
from options.api import filter_backends, parsers
from tests import factories

pytestmark = pytest.mark.django_db

# --- Formula injection in the admin's CSV export ------------------------------------------------

#: Titles a spreadsheet would run as formulas (OWASP, "CSV Injection"), one per character that
#: begins one, and a title that begins with an apostrophe before one (which the export doubles,
#: so that reading the file back gives it whole).
FORMULAS = [
    "=cmd|' /C calc'!A0",
    '+HYPERLINK("http://evil.example","x")',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",
]


def admin_url(model, view: str) -> str:
    return reverse(f"admin:options_{model._meta.model_name}_{view}")


def admin_export(client, model, file_format: str) -> list[dict]:
    """The rows of the admin's export (CSV or JSON), as the export page gives them."""
    index = {"csv": "0", "json": "2"}[file_format]
    response = client.post(admin_url(model, "export"), {"format": index, "resource": "0"})
    assert response.status_code == 200, response.content[:2000]
    return tablib.Dataset().load(response.content.decode("utf-8-sig"), format=file_format).dict


def admin_import_preview(client, model, content: str):
    """The preview (a dry run) of a CSV import, as the import page shows it."""
    upload = io.BytesIO(content.encode())
    upload.name = "upload.csv"
    response = client.post(
        admin_url(model, "import"), {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert response.status_code == 200
    return response


@pytest.fixture
def formula_sources():
    sources = [
        factories.SourceFactory(slug=f"formula-{number}", title=title, publisher=title)
        for number, title in enumerate(FORMULAS)
    ]
    harmless = factories.SourceFactory(slug="-harmless", title="1 = 1", publisher="a-b")
    return sources, harmless


def test_the_admin_s_csv_export_escapes_a_text_a_spreadsheet_would_run(
    admin_client, formula_sources
):
    rows = {row["slug"]: row for row in admin_export(admin_client, models.Source, "csv")}

    # The API's CSV export escapes the same way (options.api.csv_export.text).
    assert {
        (rows[f"formula-{n}"]["title"], rows[f"formula-{n}"]["publisher"]) for n in range(7)
    } == {(f"'{title}", f"'{title}") for title in FORMULAS}
    # Other texts, and slugs (written as they are, as the API does), are left alone.
    assert (rows["-harmless"]["title"], rows["-harmless"]["publisher"]) == ("1 = 1", "a-b")


def test_the_admin_s_csv_export_leaves_numbers_as_numbers(admin_client):
    factories.PositionFactory(stance=-2, quote="-2+3+cmd|' /C calc'!A0")

    [row] = admin_export(admin_client, models.Position, "csv")

    assert (row["stance"], row["quote"]) == ("-2", "'-2+3+cmd|' /C calc'!A0")


def test_the_admin_s_json_export_keeps_texts_as_they_are(admin_client, formula_sources):
    rows = {row["slug"]: row for row in admin_export(admin_client, models.Source, "json")}

    assert sorted(rows[f"formula-{n}"]["title"] for n in range(7)) == sorted(FORMULAS)


def test_an_escaped_csv_export_re_imports_unchanged(admin_client, formula_sources):
    # But for a text that begins with a carriage return: the import reads the file it keeps
    # between preview and confirmation in text mode, which turns a carriage return into a line
    # feed, in any text (options.resources.CSV).
    models.Source.objects.filter(title__startswith="\r").delete()
    rows = admin_export(admin_client, models.Source, "csv")
    data = tablib.Dataset(headers=list(rows[0]))
    for row in rows:
        data.append(list(row.values()))

    previewed = admin_import_preview(admin_client, models.Source, data.export("csv"))

    result = previewed.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    # The apostrophes are read back off: every row is its record as it is.
    assert [row.import_type for row in result.valid_rows()] == ["skip"] * len(rows)
    titles = models.Source.objects.filter(slug__startswith="formula-").values_list("title")
    assert sorted(title for (title,) in titles) == sorted(set(FORMULAS) - {"\r=1+1"})


# --- A search of a thousand words ---------------------------------------------------------------


def api_views():
    """(path, view class, initkwargs, actions) of every view under /api/."""

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                callback = pattern.callback
                yield (
                    prefix + str(pattern.pattern),
                    callback.cls,
                    getattr(callback, "initkwargs", {}),
                    getattr(callback, "actions", None),
                )

    return [view for view in walk(get_resolver().url_patterns, "/") if view[0].startswith("/api")]


#: Every list the API searches: the collections, and live tracking's lists.
SEARCHED_LISTS = sorted(
    {
        reverse(f"api:{name}-list")
        for name in (
            "topic",
            "stakeholder",
            "affiliation",
            "policyoption",
            "sanctionmeasure",
            "source",
            "position",
            "event",
            "influence",
            "changeevent",
            "subscription",
            "delivery",
        )
    }
)


def test_every_view_that_searches_bounds_the_search():
    searching = 0
    for path, view, initkwargs, _ in api_views():
        backends = initkwargs.get("filter_backends", getattr(view, "filter_backends", ()))
        searches = [b for b in backends if issubclass(b, drf_filters.SearchFilter)]
        if getattr(view, "search_fields", None) and searches:
            searching += 1
            assert searches == [filter_backends.SearchFilter], path
    assert searching >= len(SEARCHED_LISTS)


@pytest.mark.parametrize("url", SEARCHED_LISTS)
def test_a_search_of_more_than_20_words_is_refused(editor_client, url):
    response = editor_client.get(url, {"search": " ".join(["word"] * 21)})

    assert response.status_code == 400
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "Invalid input.",
        "code": "invalid",
        "errors": {
            "search": [
                "A search has at most 20 words and 200 characters; this one has 21 words and "
                "104 characters."
            ]
        },
    }


def test_a_search_of_a_thousand_words_is_refused_not_a_server_error(editor_client):
    # SQLite refused the query it made ("Expression tree is too large"): a 500.
    response = editor_client.get("/api/v1/positions/", {"search": " ".join(["w"] * 1000)})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["search"]


def test_a_search_of_20_words_is_answered(editor_client):
    found = factories.SourceFactory(title="Word")

    response = editor_client.get("/api/v1/sources/", {"search": " ".join(["word"] * 20)})

    assert response.status_code == 200
    assert [source["id"] for source in response.json()["results"]] == [found.pk]


def test_a_search_longer_than_200_characters_is_refused(editor_client):
    response = editor_client.get("/api/v1/sources/", {"search": "w" * 201})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "search": [
            "A search has at most 20 words and 200 characters; this one has 1 words and 201 "
            "characters."
        ]
    }
    assert editor_client.get("/api/v1/sources/", {"search": "w" * 200}).status_code == 200


def test_a_quoted_phrase_is_one_word_and_commas_separate_words(editor_client):
    phrase = '"' + " ".join(["word"] * 30) + '"'
    assert editor_client.get("/api/v1/sources/", {"search": phrase}).status_code == 200
    commas = ",".join(["w"] * 21)
    assert editor_client.get("/api/v1/sources/", {"search": commas}).status_code == 400


def test_the_csv_export_and_a_detail_bound_the_search_too(editor_client):
    source = factories.SourceFactory()
    search = {"search": " ".join(["word"] * 21)}

    assert editor_client.get("/api/v1/positions/export.csv", search).status_code == 400
    assert editor_client.get(f"/api/v1/sources/{source.pk}/", search).status_code == 400


def test_the_schema_gives_the_search_s_limits():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    searches = [
        parameter
        for operations in schema["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query" and parameter["name"] == "search"
    ]
    assert len(searches) >= len(SEARCHED_LISTS)
    for parameter in searches:
        assert "At most 20 words and 200 characters" in parameter["description"]
        assert parameter["schema"] == {"type": "string", "maxLength": 200}


# --- A JSON body nested two thousand levels deep ------------------------------------------------


def nested_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


TOO_DEEP = {
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "detail": "JSON nested too deeply: at most 256 levels of arrays and objects.",
    "code": "parse_error",
}


@pytest.mark.parametrize(
    "body",
    [
        nested_arrays(2000),
        '{"a": ' * 2000 + "1" + "}" * 2000,
        # Past the bound, though the parser could read it: refused all the same.
        nested_arrays(parsers.MAX_DEPTH + 1),
        '{"stakeholder": 1, "quote": ' + nested_arrays(parsers.MAX_DEPTH) + "}",
    ],
    ids=["2000 arrays", "2000 objects", "257 arrays", "257 levels in a field"],
)
def test_a_body_nested_too_deeply_is_a_400(editor_client, body):
    response = editor_client.post("/api/v1/positions/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == TOO_DEEP


def test_a_body_nested_too_deeply_is_a_400_on_live_tracking_s_endpoints_too(editor_client):
    response = editor_client.post(
        "/api/v1/subscriptions/", nested_arrays(2000), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == TOO_DEEP


@pytest.mark.parametrize("depth", [200, parsers.MAX_DEPTH])
def test_a_body_nested_within_the_bound_is_refused_for_its_type(editor_client, depth):
    response = editor_client.post(
        "/api/v1/positions/bulk/", nested_arrays(depth), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "0": {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    }


def test_every_view_that_takes_a_body_bounds_its_nesting():
    writing = 0
    for path, view, initkwargs, actions in api_views():
        methods = set(actions) if actions is not None else set(view.http_method_names)
        methods = {m for m in methods if actions is not None or hasattr(view, m)}
        if methods & {"post", "put", "patch"}:
            writing += 1
            parser_classes = initkwargs.get("parser_classes", view.parser_classes)
            assert all(issubclass(p, parsers.JSONParser) for p in parser_classes), path
    assert writing > 0


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/api/schema/"])
def test_the_documentation_answers_options_with_405_not_500(path):
    response = Client(raise_request_exception=False).options(path)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"

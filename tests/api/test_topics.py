"""/api/v1/topics/: list, detail, writes, deletes, filters, search and ordering.

What every collection does alike (list order and pages, the ETag, create, update, delete, 409,
search, ordering, filters by slug and by a related object) is tested once, for all, in
test_collections.py: this file keeps what is special about topics.
"""

import pytest

from options import models
from tests import factories
from tests.api.conftest import brief_of, without_timestamps

pytestmark = pytest.mark.django_db

URL = "/api/v1/topics/"


@pytest.fixture
def data():
    report = factories.SourceFactory(slug="un-report", title="UN report")
    venezuela = factories.TopicFactory(
        slug="venezuela-2019",
        title="Venezuela 2019",
        question="How to resolve the presidential crisis?",
        country="VE",
        description="Two men claim the presidency.",
    )
    venezuela.sources.add(report)
    bolivia = factories.TopicFactory(
        slug="bolivia-2019", title="Bolivia 2019", question="Who governs?", country="BO"
    )
    blocs = factories.TopicFactory(
        slug="bloc-politics", title="Andean bloc", question="Will the bloc hold?", country=""
    )
    return {"report": report, "venezuela": venezuela, "bolivia": bolivia, "blocs": blocs}


def test_retrieve_shows_sources_and_options_in_brief(api_client, data):
    topic = data["venezuela"]
    option = factories.PolicyOptionFactory(topic=topic, title="Negotiation", slug="talks")

    response = api_client.get(f"{URL}{topic.pk}/")

    assert response.status_code == 200
    body = without_timestamps(response.json())
    assert body == {
        "id": topic.pk,
        "url": f"http://testserver/api/v1/topics/{topic.pk}/",
        "slug": "venezuela-2019",
        "title": "Venezuela 2019",
        "question": "How to resolve the presidential crisis?",
        "country": "VE",
        "description": "Two men claim the presidency.",
        "sources": [
            {
                "id": data["report"].pk,
                "url": f"http://testserver/api/v1/sources/{data['report'].pk}/",
                "slug": "un-report",
                "display": "UN report",
            }
        ],
        "options": [
            {
                "id": option.pk,
                "url": f"http://testserver/api/v1/options/{option.pk}/",
                "slug": "talks",
                "display": "Negotiation",
            }
        ],
        "page_url": "http://testserver/topics/venezuela-2019/",
    }


def test_create_takes_source_ids_and_answers_brief_objects(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "slug": "haiti-2021",
            "title": "Haiti 2021",
            "question": "Who leads the transition?",
            "country": "HT",
            "sources": [data["report"].pk],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    topic = models.Topic.objects.get(slug="haiti-2021")
    assert body["id"] == topic.pk
    assert body["url"] == f"http://testserver/api/v1/topics/{topic.pk}/"
    assert body["sources"] == [brief_of(data["report"], "sources")]
    assert body["options"] == []
    assert body["description"] == ""
    assert list(topic.sources.all()) == [data["report"]]


def test_full_update_replaces_every_field(editor_client, data):
    topic = data["venezuela"]
    other = factories.SourceFactory(title="Other")

    response = editor_client.put(
        f"{URL}{topic.pk}/",
        {
            "slug": "venezuela",
            "title": "Venezuela",
            "question": "What next?",
            "country": "",
            "description": "",
            "sources": [other.pk],
        },
    )

    assert response.status_code == 200, response.json()
    topic.refresh_from_db()
    assert (topic.slug, topic.title, topic.question, topic.country, topic.description) == (
        "venezuela",
        "Venezuela",
        "What next?",
        "",
        "",
    )
    assert list(topic.sources.all()) == [other]
    assert response.json()["sources"] == [brief_of(other, "sources")]


def test_full_update_needs_every_required_field(editor_client, data):
    response = editor_client.put(f"{URL}{data['venezuela'].pk}/", {"title": "Only a title"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"slug", "question"}


def test_create_refuses_a_duplicate_slug(editor_client, data):
    response = editor_client.post(URL, {"slug": "venezuela-2019", "title": "T", "question": "Q"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"slug": ["Topic with this Slug already exists."]}


def test_create_refuses_an_unknown_country(editor_client, data):
    response = editor_client.post(
        URL, {"slug": "t", "title": "T", "question": "Q", "country": "XX"}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"country": ['"XX" is not a valid choice.']}


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        # Found by the fuzz run: `{}` was taken as no sources, and as no country.
        ({"sources": {}}, {"sources": ['Expected a list of items but got type "dict".']}),
        ({"country": {}}, {"country": ['"{}" is not a valid choice.']}),
    ],
)
def test_create_refuses_values_of_another_json_type(editor_client, data, values, errors):
    response = editor_client.post(URL, {"slug": "t", "title": "T", "question": "Q", **values})

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert not models.Topic.objects.filter(slug="t").exists()


def test_delete_unlinks_its_sources(editor_client, data):
    response = editor_client.delete(f"{URL}{data['venezuela'].pk}/")

    assert response.status_code == 204
    assert not models.Topic.objects.filter(pk=data["venezuela"].pk).exists()
    assert models.Source.objects.filter(pk=data["report"].pk).exists()


def test_delete_of_a_topic_with_options_is_a_conflict(editor_client, data):
    topic = data["bolivia"]
    option = factories.PolicyOptionFactory(topic=topic, title="Recount")
    influence = factories.InfluenceFactory(topic=topic)

    response = editor_client.delete(f"{URL}{topic.pk}/")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "protected"
    assert body["status"] == 409
    assert body["referrers"] == [
        {"type": "influence", "id": influence.pk, "display": str(influence)},
        {"type": "policyoption", "id": option.pk, "display": "Recount"},
    ]
    assert models.Topic.objects.filter(pk=topic.pk).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=VE", ["venezuela"]),
        ("", ["venezuela", "bolivia", "blocs"]),
    ],
)
def test_filters(data, filtered_ids, query, expected):
    got, want = filtered_ids(URL, query, data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("two men", ["venezuela"]),  # description
        ("bolivia", ["bolivia"]),  # title and slug
        ("politics", ["blocs"]),  # slug only
    ],
)
def test_search(data, filtered_ids, search, expected):
    got, want = filtered_ids(URL, f"search={search}", data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("title", ["blocs", "bolivia", "venezuela"]),
        ("-title", ["venezuela", "bolivia", "blocs"]),
        ("country", ["blocs", "bolivia", "venezuela"]),
        ("-country", ["venezuela", "bolivia", "blocs"]),
        ("created", ["venezuela", "bolivia", "blocs"]),
        ("-created", ["blocs", "bolivia", "venezuela"]),
    ],
)
def test_ordering(data, get_ids, ordering, expected):
    assert get_ids(f"{URL}?ordering={ordering}") == [data[key].pk for key in expected]

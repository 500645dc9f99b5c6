"""The audit trail: every change recorded with who, when, which request and what changed; read
through `/<collection>/{id}/history/` and `/changes/`; browsed and reverted in the admin; and the
`X-Request-ID` header on every response."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from options import models
from options.api.serializers import audited_collections
from options.api.serializers.audit import ANONYMOUS_USER_FILTER
from tests import factories
from tests.test_admin import FACTORIES, admin_url

pytestmark = pytest.mark.django_db

API = "/api/v1"
CHANGES = f"{API}/changes/"
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def history(client, collection: str, pk: int, **params) -> list[dict]:
    response = client.get(f"{API}/{collection}/{pk}/history/", params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def brief_user(user) -> dict:
    return {"id": user.pk, "username": user.username}


@pytest.fixture
def position_data():
    """What an editor sends to create a position."""
    return {
        "stakeholder": factories.StakeholderFactory().pk,
        "option": factories.PolicyOptionFactory().pk,
        "stance": 1,
        "basis": "stated",
        "as_of": "2019-04-30",
        "source": factories.SourceFactory().pk,
    }


# --- Recording through the API ---------------------------------------------------------------


def test_create_change_and_delete_are_recorded_with_user_request_and_values(
    editor_client, editor, position_data
):
    created = editor_client.post(f"{API}/positions/", position_data, HTTP_X_REQUEST_ID="create-1")
    assert created.status_code == 201, created.json()
    assert created["X-Request-ID"] == "create-1"
    pk = created.json()["id"]
    url = f"http://testserver{API}/positions/{pk}/"

    changed = editor_client.patch(f"{API}/positions/{pk}/", {"stance": -1, "quote": "No."})
    assert changed.status_code == 200, changed.json()
    assert GENERATED_ID.fullmatch(changed["X-Request-ID"])

    [change, creation] = history(editor_client, "positions", pk)
    assert {key: change[key] for key in change if key not in {"date", "snapshot"}} == {
        "collection": "positions",
        "object_id": pk,
        "url": url,
        "history_id": creation["history_id"] + 1,
        "type": "changed",
        "user": brief_user(editor),
        "request_id": changed["X-Request-ID"],
        "server_request_id": changed["X-Server-Request-ID"],
        "changes": [
            {"field": "stance", "old": 1, "new": -1},
            {"field": "quote", "old": "", "new": "No."},
        ],
    }
    assert change["snapshot"]["stance"] == -1
    assert change["snapshot"]["stakeholder"] == position_data["stakeholder"]
    assert change["snapshot"]["as_of"] == "2019-04-30"
    assert creation["type"] == "created"
    assert creation["request_id"] == "create-1"
    assert creation["server_request_id"] == created["X-Server-Request-ID"] != "create-1"
    assert creation["user"] == brief_user(editor)
    # Created: the fields, from nothing…
    assert {"field": "stance", "old": None, "new": 1} in creation["changes"]
    assert {"field": "source", "old": None, "new": position_data["source"]} in creation["changes"]
    # …those given a value: `reported_by` and `quote` were left empty.
    assert not {"reported_by", "quote"} & {item["field"] for item in creation["changes"]}
    assert datetime.datetime.fromisoformat(change["date"]) > datetime.datetime.fromisoformat(
        creation["date"]
    )

    deleted = editor_client.delete(f"{API}/positions/{pk}/")
    assert deleted.status_code == 204
    assert editor_client.get(f"{API}/positions/{pk}/").status_code == 404

    # The audit trail outlives the object.
    [deletion, *_] = history(editor_client, "positions", pk)
    assert deletion["type"] == "deleted"
    assert deletion["url"] is None
    assert deletion["request_id"] == deleted["X-Request-ID"]
    assert deletion["user"] == brief_user(editor)
    assert {"field": "stance", "old": -1, "new": None} in deletion["changes"]
    assert deletion["snapshot"]["stance"] == -1


def test_a_write_makes_one_record_even_with_many_to_many_fields(editor_client):
    first, second = factories.SourceFactory.create_batch(2)
    created = editor_client.post(
        f"{API}/topics/",
        {"slug": "crisis", "title": "Crisis", "question": "What now?", "sources": [first.pk]},
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]

    changed = editor_client.patch(f"{API}/topics/{pk}/", {"sources": [second.pk, first.pk]})
    assert changed.status_code == 200

    [change, creation] = history(editor_client, "topics", pk)
    assert creation["snapshot"]["sources"] == [first.pk]
    assert {"field": "sources", "old": None, "new": [first.pk]} in creation["changes"]
    assert change["changes"] == [
        {"field": "sources", "old": [first.pk], "new": sorted([first.pk, second.pk])}
    ]
    assert change["request_id"] == changed["X-Request-ID"]


def test_event_participants_are_recorded_only_where_they_change(editor_client, editor):
    event = factories.EventFactory()
    lopez, guaido = factories.StakeholderFactory.create_batch(2)
    url = f"{API}/events/{event.pk}/"
    participants = [{"stakeholder": lopez.pk, "role": "freed"}]
    assert editor_client.patch(url, {"participants": participants}).status_code == 200
    # The same list again changes nothing; a new participant is one record.
    assert editor_client.patch(url, {"participants": participants}).status_code == 200
    participants.append({"stakeholder": guaido.pk, "role": "led"})
    response = editor_client.patch(url, {"participants": participants})
    assert response.status_code == 200

    feed = editor_client.get(CHANGES, {"collection": "event-participants"}).json()
    assert [(entry["type"], entry["snapshot"]["stakeholder"]) for entry in feed["results"]] == [
        ("created", guaido.pk),
        ("created", lopez.pk),
    ]
    assert feed["results"][0]["request_id"] == response["X-Request-ID"]
    assert feed["results"][0]["url"] is None  # no endpoint of their own


def test_a_session_login_is_recorded_as_the_user(editor, position_data):
    client = APIClient()
    assert client.login(username="editor", password="editor-password-1")
    response = client.post(f"{API}/positions/", position_data)
    assert response.status_code == 201, response.json()

    [creation] = history(client, "positions", response.json()["id"])
    assert creation["user"] == brief_user(editor)
    assert creation["request_id"] == response["X-Request-ID"]


def test_changes_outside_a_request_have_no_user_nor_request_id(api_client):
    source = factories.SourceFactory(title="A report")

    [creation] = history(api_client, "sources", source.pk)
    assert (creation["user"], creation["request_id"], creation["server_request_id"]) == (
        None,
        None,
        None,
    )
    # The API's name for the field, not the model's.
    assert "web_url" in creation["snapshot"]
    assert "url" not in creation["snapshot"]


@pytest.mark.parametrize("collection", [name for name in audited_collections() if "-" not in name])
def test_snapshots_name_the_fields_as_the_api_does(api_client, collection):
    model = audited_collections()[collection]
    obj = FACTORIES[model]()
    detail = api_client.get(f"{API}/{collection}/{obj.pk}/").json()

    [creation] = history(api_client, collection, obj.pk)
    assert set(creation["snapshot"]) <= set(detail)
    assert creation["url"] == detail["url"]


def test_load_seed_records_every_object_once_as_created():
    call_command("load_seed", stdout=io.StringIO())

    for model in audited_collections().values():
        records = model.history.all()
        assert records.count() == model.objects.count(), model
        assert set(records.values_list("history_type", "history_user", "request_id")) <= {
            ("+", None, "")
        }
    topic = models.Topic.objects.get(slug="venezuela-2019")
    # One record per object, with the links it was loaded with.
    [record] = topic.history.all()
    assert set(record.sources.values_list("source", flat=True)) == set(
        topic.sources.values_list("pk", flat=True)
    )


# --- History endpoint ------------------------------------------------------------------------


def test_history_of_an_unknown_id_is_404(api_client):
    response = api_client.get(f"{API}/positions/999/history/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_client.get(f"{API}/positions/abc/history/").status_code == 404


def test_history_of_an_object_without_records_is_empty(api_client):
    source = factories.SourceFactory()
    source.history.all().delete()  # as for objects created before the audit trail
    response = api_client.get(f"{API}/sources/{source.pk}/history/")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_history_is_paged_newest_first(api_client):
    position = factories.PositionFactory(stance=0)
    for stance in (1, 2, -1):
        position.stance = stance
        position.save()

    page = api_client.get(f"{API}/positions/{position.pk}/history/", {"limit": 2}).json()
    assert page["count"] == 4
    assert [entry["snapshot"]["stance"] for entry in page["results"]] == [-1, 2]
    # The last entry of a page is still told against its previous record, on the next page.
    assert page["results"][1]["changes"] == [{"field": "stance", "old": 1, "new": 2}]
    rest = api_client.get(page["next"]).json()
    assert [entry["type"] for entry in rest["results"]] == ["changed", "created"]


def test_history_queries_do_not_grow_with_records(api_client, django_assert_max_num_queries):
    option = factories.PolicyOptionFactory()
    option.actors.add(factories.StakeholderFactory())
    url = f"{API}/options/{option.pk}/history/"
    with CaptureQueriesContext(connection) as two_records:
        assert api_client.get(url).status_code == 200

    for n in range(30):
        option.title = f"Option, version {n}"
        option.save()
    # The count, the page's keys, the records (with authors, previous ids and existence), the
    # previous record of the oldest, and one query per many-to-many field (actors, targets,
    # sources).
    with django_assert_max_num_queries(len(two_records)):
        response = api_client.get(url)
    assert response.json()["count"] == 32
    assert len(two_records) <= 7


def test_history_is_readable_only_by_readers(api_client, settings):
    source = factories.SourceFactory()
    settings.POLICYTRACKER_PUBLIC_READ = False
    assert api_client.get(f"{API}/sources/{source.pk}/history/").status_code == 401
    assert api_client.get(CHANGES).status_code == 401


# --- Changes feed ----------------------------------------------------------------------------


@pytest.fixture
def three_changes(editor_client, position_data):
    """A source created before 2020, and a position created then changed by the editor."""
    old = factories.SourceFactory()
    old.history.update(history_date=datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC))
    created = editor_client.post(f"{API}/positions/", position_data)
    changed = editor_client.patch(f"{API}/positions/{created.json()['id']}/", {"stance": 2})
    return {"old": old, "created": created, "changed": changed}


def test_changes_list_every_collection_newest_first(api_client, three_changes):
    feed = api_client.get(CHANGES).json()
    # The factories' stakeholder, option (and its topic) and source, then the API's writes.
    kinds = [(entry["collection"], entry["type"]) for entry in feed["results"]]
    assert kinds[:2] == [("positions", "changed"), ("positions", "created")]
    assert kinds[-1] == ("sources", "created")
    assert feed["count"] == len(kinds) == 7
    assert feed["results"][0]["object_id"] == three_changes["created"].json()["id"]
    assert feed["results"][0]["url"] == three_changes["created"].json()["url"]
    assert feed["results"][0]["changes"] == [{"field": "stance", "old": 1, "new": 2}]


def test_changes_filter_by_since_user_collection_and_request(user_client, editor, three_changes):
    def kinds(**params):
        response = user_client.get(CHANGES, params)
        assert response.status_code == 200, response.json()
        return [(entry["collection"], entry["type"]) for entry in response.json()["results"]]

    assert kinds(since="2018-12-31T00:00:00Z", collection="sources")[-1] == ("sources", "created")
    assert ("sources", "created") in kinds(since="2018-12-31T00:00:00Z")
    recent = kinds(since=(timezone.now() - datetime.timedelta(hours=1)).isoformat())
    assert len(recent) == 6
    assert kinds(user="editor") == [("positions", "changed"), ("positions", "created")]
    assert kinds(user="nobody") == []
    assert kinds(collection=["topics", "positions"]) == [
        ("positions", "changed"),
        ("positions", "created"),
        ("topics", "created"),
    ]
    request_id = three_changes["changed"]["X-Request-ID"]
    assert kinds(request_id=request_id) == [("positions", "changed")]
    server_request_id = three_changes["changed"]["X-Server-Request-ID"]
    assert kinds(server_request_id=server_request_id) == [("positions", "changed")]


def test_a_client_reusing_a_request_id_cannot_pass_its_changes_for_the_other_requests(
    editor_client, user_client, position_data
):
    # Two requests under one X-Request-ID (a client may send any): the server's own ids keep
    # them apart, in the audit trail and in the feed's filter.
    first = editor_client.post(f"{API}/positions/", position_data, HTTP_X_REQUEST_ID="mine")
    second = editor_client.post(
        f"{API}/positions/", {**position_data, "basis": "expected"}, HTTP_X_REQUEST_ID="mine"
    )
    assert first.status_code == second.status_code == 201
    assert first["X-Request-ID"] == second["X-Request-ID"] == "mine"
    assert first["X-Server-Request-ID"] != second["X-Server-Request-ID"]

    shared = user_client.get(CHANGES, {"request_id": "mine"}).json()["results"]
    assert [(c["object_id"], c["server_request_id"]) for c in shared] == [
        (second.json()["id"], second["X-Server-Request-ID"]),
        (first.json()["id"], first["X-Server-Request-ID"]),
    ]
    [own] = user_client.get(CHANGES, {"server_request_id": first["X-Server-Request-ID"]}).json()[
        "results"
    ]
    assert (own["object_id"], own["request_id"]) == (first.json()["id"], "mine")


def test_anonymous_readers_are_not_told_who_changed_what(api_client, user_client, three_changes):
    [change] = api_client.get(CHANGES, {"collection": "positions", "limit": 1}).json()["results"]
    assert change["user"] is None
    [change] = user_client.get(CHANGES, {"collection": "positions", "limit": 1}).json()["results"]
    assert change["user"]["username"] == "editor"

    refused = api_client.get(CHANGES, {"user": "editor"})
    assert refused.status_code == 400
    assert refused.json()["errors"]["user"] == [ANONYMOUS_USER_FILTER]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2019-13-01T00:00:00Z"}, "since"),
        ({"collection": "nonsense"}, "collection"),
        ({"collection": ["positions", "participants"]}, "collection"),
    ],
)
def test_changes_refuse_bad_parameters(api_client, params, field):
    response = api_client.get(CHANGES, params)
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["code"]) == (400, "invalid")
    assert list(body["errors"]) == [field]
    assert response["X-Request-ID"]


def make_changes(n: int) -> None:
    """`n` changes to each collection (one object each), many-to-many fields included."""
    option = factories.PolicyOptionFactory(kind="sanctions")
    objects = [
        option,
        option.topic,
        factories.SanctionMeasureFactory(option=option),
        factories.AffiliationFactory(),
        factories.PositionDisputeFactory(),
        factories.EventParticipantFactory(),
        factories.InfluenceFactory(),
    ]
    objects += [objects[4].position, objects[5].event]
    stakeholders = factories.StakeholderFactory.create_batch(2)
    for i in range(n):
        for obj in objects:
            obj.save()
        option.actors.set(stakeholders[: i % 2 + 1])
        objects[-1].claimed_by.set(stakeholders[: i % 2 + 1])


def test_changes_queries_do_not_grow_with_changes(api_client, django_assert_max_num_queries):
    make_changes(1)
    with CaptureQueriesContext(connection) as few:
        response = api_client.get(CHANGES, {"limit": 500})
    assert response.status_code == 200

    make_changes(30)
    # The count and the page's keys (one UNION each); per audited model on the page, its records
    # (with authors, previous ids and existence) and their previous records; one per tracked
    # many-to-many field (9): whatever the number of changes.
    with django_assert_max_num_queries(len(few)):
        response = api_client.get(CHANGES, {"limit": 500})
    assert response.json()["count"] > 300
    assert len(few) <= 2 + 2 * len(audited_collections()) + 9


# --- X-Request-ID ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/positions/999/",  # the API's 404
        f"{API}/positions/",
        "/no/such/page/",  # Django's 404
        "/admin/login/",
        "/admin/",  # a redirect to the login page
        "/static/admin/css/base.css",
        "/api/schema/",
    ],
)
def test_every_response_carries_a_request_id_and_the_servers_own(client, url):
    response = client.get(url)
    assert GENERATED_ID.fullmatch(response["X-Request-ID"]), response.status_code
    # Without an id from the client, the request's id is the server's.
    assert response["X-Server-Request-ID"] == response["X-Request-ID"]


def test_every_request_gets_its_own_id(api_client):
    first = api_client.get(f"{API}/health/")["X-Request-ID"]
    assert first != api_client.get(f"{API}/health/")["X-Request-ID"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123_x.y", True),
        ("a" * 200, True),
        ("a" * 201, False),
        ("two words", False),
        ("<script>", False),
        ("", False),
    ],
)
def test_a_valid_incoming_request_id_is_kept_and_others_replaced(client, sent, kept):
    response = client.get(f"{API}/health/", HTTP_X_REQUEST_ID=sent)
    assert GENERATED_ID.fullmatch(response["X-Server-Request-ID"])
    if kept:
        assert response["X-Request-ID"] == sent
    else:
        assert response["X-Request-ID"] == response["X-Server-Request-ID"]


def test_the_schema_documents_the_request_id_headers_on_every_response(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    names = ["X-Request-ID", "X-Server-Request-ID"]
    assert set(names) <= set(schema["components"]["headers"])
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                headers = response.get("headers", {})
                for name in names:
                    assert headers.get(name) == {"$ref": f"#/components/headers/{name}"}, (
                        method,
                        path,
                        code,
                    )


# --- Admin -----------------------------------------------------------------------------------


def form_data(form) -> dict:
    """What the browser would post for an admin form as shown."""
    data = {}
    for name, field in form.fields.items():
        value = field.prepare_value(form[name].value())
        data[name] = "" if value is None else value
    return data


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda model: model._meta.model_name)
def test_admin_history_and_past_version_pages_render(admin_client, model):
    obj = FACTORIES[model]()
    obj.save()  # a second record, so that there is a change to show
    history_page = admin_client.get(admin_url(model, "history", obj.pk))
    assert history_page.status_code == 200
    assert GENERATED_ID.fullmatch(history_page["X-Request-ID"])

    oldest = obj.history.earliest()
    version = admin_client.get(
        reverse(f"admin:options_{model._meta.model_name}_simple_history", args=[obj.pk, oldest.pk])
    )
    assert version.status_code == 200
    assert version.context["original"].pk == obj.pk


def test_admin_change_is_one_record_with_the_user(admin_client, admin_user):
    topic = factories.TopicFactory(title="Old title")
    source = factories.SourceFactory()
    page = admin_client.get(admin_url(models.Topic, "change", topic.pk))
    data = {
        **form_data(page.context["adminform"].form),
        "title": "New title",
        "sources": [source.pk],
        "options-TOTAL_FORMS": "0",
        "options-INITIAL_FORMS": "0",
    }

    response = admin_client.post(admin_url(models.Topic, "change", topic.pk), data)

    assert response.status_code == 302
    change, _ = topic.history.all()
    assert (change.history_user, change.title, change.history_type) == (
        admin_user,
        "New title",
        "~",
    )
    assert GENERATED_ID.fullmatch(change.request_id)
    assert list(change.sources.values_list("source", flat=True)) == [source.pk]
    # The history page lists it, with the request's id.
    page = admin_client.get(admin_url(models.Topic, "history", topic.pk))
    assert change.request_id in page.content.decode()


def test_admin_revert_restores_fields_and_links(admin_client, admin_user):
    first, second = factories.SourceFactory.create_batch(2)
    topic = factories.TopicFactory(title="First title")
    topic.sources.set([first])
    topic.title = "Second title"
    topic.save()
    topic.sources.set([second])
    past = topic.history.filter(title="First title").latest()  # with the first source
    url = reverse("admin:options_topic_simple_history", args=[topic.pk, past.pk])

    page = admin_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert form["title"].value() == "First title"
    assert list(form["sources"].value()) == [first.pk]

    response = admin_client.post(url, form_data(form))

    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.title == "First title"
    assert list(topic.sources.all()) == [first]
    revert = topic.history.latest()
    assert (revert.history_type, revert.history_user) == ("~", admin_user)


def test_admin_revert_is_validated(admin_client):
    """A past version that clashes with today's data is refused with the form's message."""
    position = factories.PositionFactory(as_of=datetime.date(2019, 4, 30))
    past = position.history.get()
    position.as_of = datetime.date(2019, 5, 1)
    position.save()
    factories.PositionFactory(
        stakeholder=position.stakeholder,
        option=position.option,
        source=position.source,
        as_of=datetime.date(2019, 4, 30),
    )
    url = reverse("admin:options_position_simple_history", args=[position.pk, past.pk])
    form = admin_client.get(url).context["adminform"].form

    response = admin_client.post(url, form_data(form))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "__all__": [
            "This source already gives this stakeholder's position on this option, on this "
            "basis and date."
        ]
    }
    position.refresh_from_db()
    assert position.as_of == datetime.date(2019, 5, 1)


def test_admin_revert_needs_the_change_permission(client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_topic"))
    client.force_login(viewer)
    topic = factories.TopicFactory(title="First title")
    past = topic.history.get()
    topic.title = "Second title"
    topic.save()
    url = reverse("admin:options_topic_simple_history", args=[topic.pk, past.pk])

    assert client.get(admin_url(models.Topic, "history", topic.pk)).status_code == 200
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "First title"}).status_code == 403
    topic.refresh_from_db()
    assert topic.title == "Second title"


def test_admin_restores_a_deleted_record_from_its_history(admin_client):
    source = factories.SourceFactory()
    topic = factories.TopicFactory(title="Gone")
    topic.sources.set([source])
    pk, last = topic.pk, topic.history.latest()
    topic.delete()

    page = admin_client.get(admin_url(models.Topic, "history", pk))
    assert page.status_code == 200
    url = reverse("admin:options_topic_simple_history", args=[pk, last.pk])
    form = admin_client.get(url).context["adminform"].form
    response = admin_client.post(url, form_data(form))

    assert response.status_code == 302
    restored = models.Topic.objects.get(pk=pk)
    assert (restored.title, list(restored.sources.all())) == ("Gone", [source])
    # Saved anew: created again, after its delete.
    assert [record.history_type for record in restored.history.all()] == ["+", "-", "~", "+"]

"""Who may do what: roles × actions, the public-read switch, and real token authentication."""

import contextlib
import datetime
import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from options import models
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/topics/"

UNAUTHENTICATED = {
    "type": "about:blank",
    "title": "Unauthorized",
    "status": 401,
    "detail": "Authentication credentials were not provided.",
    "code": "not_authenticated",
}
FORBIDDEN = {
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
    "detail": "You do not have permission to perform this action.",
    "code": "permission_denied",
}


@contextlib.contextmanager
def clock_ahead(days: int):
    """Let knox see a clock `days` ahead."""
    later = timezone.now() + datetime.timedelta(days=days)
    with mock.patch("knox.auth.timezone.now", return_value=later):
        yield


@pytest.fixture
def client_for(request):
    """`client_for(role)`: an API client acting as a user in that role ("anonymous": nobody)."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(request.getfixturevalue(role))
        return client

    return make


@pytest.fixture
def topic():
    return factories.TopicFactory(slug="crisis", title="Crisis")


def read(client, topic):
    listed = client.get(URL)
    detail = client.get(f"{URL}{topic.pk}/")
    assert listed.status_code == detail.status_code
    return listed


def create(client, topic):
    return client.post(URL, {"slug": "new", "title": "New", "question": "What now?"})


def update(client, topic):
    return client.patch(f"{URL}{topic.pk}/", {"title": "Renamed"})


def replace(client, topic):
    return client.put(f"{URL}{topic.pk}/", {"slug": "crisis", "title": "Renamed", "question": "Q"})


def delete(client, topic):
    return client.delete(f"{URL}{topic.pk}/")


ACTIONS = {"read": read, "create": create, "update": update, "replace": replace, "delete": delete}

# role → expected status per action
TABLE = {
    "anonymous": {"read": 200, "create": 401, "update": 401, "replace": 401, "delete": 401},
    "user": {"read": 200, "create": 403, "update": 403, "replace": 403, "delete": 403},
    "staff": {"read": 200, "create": 403, "update": 403, "replace": 403, "delete": 403},
    "editor": {"read": 200, "create": 201, "update": 200, "replace": 200, "delete": 204},
    "superuser": {"read": 200, "create": 201, "update": 200, "replace": 200, "delete": 204},
}


@pytest.mark.parametrize(
    ("role", "action", "status"),
    [(role, action, status) for role, row in TABLE.items() for action, status in row.items()],
)
def test_roles_and_actions(client_for, topic, role, action, status):
    response = ACTIONS[action](client_for(role), topic)

    assert response.status_code == status
    if status == 401:
        assert response.json() == UNAUTHENTICATED
        assert response["WWW-Authenticate"] == "Token"
    elif status == 403:
        assert response.json() == FORBIDDEN
    # The data changed exactly when the write was allowed.
    topic_exists = models.Topic.objects.filter(pk=topic.pk).exists()
    assert topic_exists == (action != "delete" or status != 204)
    if action in ("update", "replace") and topic_exists:
        topic.refresh_from_db()
        assert (topic.title == "Renamed") == (status == 200)
    assert models.Topic.objects.filter(slug="new").exists() == (status == 201)


# That every collection is read anonymously and refuses creates from anonymous users (401)
# and users without the permission (403): test_collections.py.


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("user", 200), ("staff", 200), ("editor", 200), ("superuser", 200)],
)
def test_reading_needs_a_login_when_public_read_is_off(client_for, topic, settings, role, status):
    # The permission classes read the setting on every request, so overriding it works.
    settings.POLICYTRACKER_PUBLIC_READ = False
    client = client_for(role)

    listed = client.get(URL)
    detail = client.get(f"{URL}{topic.pk}/")
    analysis = client.get(f"{URL}{topic.pk}/stance-matrix/")
    health = client.get("/api/v1/health/")

    assert [r.status_code for r in (listed, detail, analysis, health)] == [status] * 4
    if status == 401:
        assert listed.json() == UNAUTHENTICATED
        assert health.json() == UNAUTHENTICATED


def create_token(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("create_api_token", username, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


INVALID_TOKEN = {
    "type": "about:blank",
    "title": "Unauthorized",
    "status": 401,
    "detail": "Invalid token.",
    "code": "authentication_failed",
}


def test_a_token_from_create_api_token_authenticates_writes(editor):
    key = create_token("editor")

    response = token_client(key).post(
        URL, {"slug": "by-token", "title": "By token", "question": "Q?"}
    )

    assert response.status_code == 201, response.json()
    assert models.Topic.objects.filter(slug="by-token").exists()
    assert len(key) == 64


def test_a_token_does_not_grant_what_the_user_lacks(user):
    client = token_client(create_token("reader"))

    assert client.get(URL).status_code == 200
    assert client.post(URL, {"slug": "s", "title": "T", "question": "Q"}).json() == FORBIDDEN


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_token_is_refused_even_for_reading(api_client, topic, method):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    response = getattr(api_client, method)(URL)

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "header",
    [
        "Token " + "0" * 64,  # well formed, but nobody's
        "Token " + "é" * 64,  # not ASCII: knox alone would fail decoding it (a 500)
        "Token " + "0" * 63 + "\x00",  # a NUL byte, which PostgreSQL refuses in a query
        "Token " + "A" * 64,  # upper case: keys are lower-case hex
    ],
)
def test_a_malformed_or_unknown_token_is_a_401(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)

    response = api_client.get(URL)

    assert (response.status_code, response.json()) == (401, INVALID_TOKEN)


def test_an_expired_token_is_refused(editor):
    key = create_token("editor", "--expires-in", "1")
    client = token_client(key)
    assert client.get(URL).status_code == 200

    with clock_ahead(2):
        response = client.get(URL)

    assert (response.status_code, response.json()) == (401, INVALID_TOKEN)


def test_a_revoked_token_is_refused_from_the_next_request(editor):
    kept, revoked = create_token("editor"), create_token("editor")
    assert token_client(revoked).get(URL).status_code == 200

    call_command("revoke_api_token", "editor", "--token-prefix", revoked[:8], stdout=io.StringIO())

    assert token_client(revoked).get(URL).json() == INVALID_TOKEN
    assert token_client(kept).get(URL).status_code == 200


def test_a_session_login_may_write(editor):
    client = APIClient()
    assert client.login(username="editor", password="editor-password-1")

    response = client.post(URL, {"slug": "by-session", "title": "By session", "question": "Q?"})

    assert response.status_code == 201


def test_a_session_write_needs_the_csrf_token(editor):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="editor", password="editor-password-1")

    response = client.post(URL, {"slug": "no-csrf", "title": "T", "question": "Q"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["detail"]

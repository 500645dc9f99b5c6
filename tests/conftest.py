"""Shared fixtures: users in each role, and API clients that act as them."""

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def no_throttling(settings):
    """The suite sends hundreds of requests a minute from one address: throttling is off, but
    for the tests that turn it on (tests/api/test_throttling.py)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None},
    }


@pytest.fixture
def api_client():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def user(django_user_model):
    """An authenticated user with no permissions."""
    return django_user_model.objects.create_user("reader", password="reader-password-1")


def editors_group() -> Group:
    """The `editors` group, as its data migration makes it. A transactional test that ran before
    (live-server and concurrency tests) flushed the database, group included, and
    serialized_rollback cannot put it back, the content types having been recreated meanwhile."""
    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="options"))
    return editors


@pytest.fixture
def editor(django_user_model):
    """A member of the `editors` group (created by a data migration)."""
    editor = django_user_model.objects.create_user("editor", password="editor-password-1")
    editor.groups.add(editors_group())
    return editor


@pytest.fixture
def staff(django_user_model):
    """A staff user who may log in to the admin but holds no model permission."""
    return django_user_model.objects.create_user(
        "staff", password="staff-password-1", is_staff=True
    )


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", password="admin-password-1")


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)  # returns None: keep the client, not the call
    return client


@pytest.fixture
def user_client(user):
    return _client_for(user)


@pytest.fixture
def editor_client(editor):
    return _client_for(editor)


@pytest.fixture
def staff_client(staff):
    return _client_for(staff)

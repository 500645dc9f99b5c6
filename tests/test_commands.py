"""Management commands, run as an operator would."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_create_api_token_prints_the_users_token(editor):
    key = run("create_api_token", "editor")
    assert key == Token.objects.get(user=editor).key
    assert len(key) == 40


def test_create_api_token_is_stable_until_rotated(editor):
    first = run("create_api_token", "editor")
    assert run("create_api_token", "editor") == first
    rotated = run("create_api_token", "editor", "--rotate")
    assert rotated != first
    assert list(Token.objects.filter(user=editor).values_list("key", flat=True)) == [rotated]


def test_create_api_token_refuses_an_unknown_user():
    with pytest.raises(CommandError, match='No user "nobody"'):
        run("create_api_token", "nobody")


def test_create_api_token_refuses_an_inactive_user(editor):
    editor.is_active = False
    editor.save()
    with pytest.raises(CommandError, match="inactive"):
        run("create_api_token", "editor")

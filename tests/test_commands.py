"""Management commands, run as an operator would."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_create_api_token_prints_a_new_token_and_stores_only_its_digest(editor):
    key = run("create_api_token", "editor")

    assert re.fullmatch(r"[0-9a-f]{64}", key)
    token = AuthToken.objects.get(user=editor)
    assert token.digest == hash_token(key)
    # Nothing stored is the key: a copy of the database gives no usable token.
    assert key not in (token.digest, token.token_key)
    assert token.token_key == key[:15]


def test_create_api_token_says_on_stderr_when_it_expires_and_how_to_revoke_it(editor):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "editor", "--expires-in", "7", stdout=out, stderr=err)
    key = out.getvalue().strip()

    assert re.fullmatch(r"[0-9a-f]{64}", key)  # stdout: the key alone, for TOKEN=$(…)
    assert f"revoke_api_token editor --token-prefix {key[:8]}" in err.getvalue()
    assert "expires" in err.getvalue()


def test_tokens_expire_after_the_setting_by_default(editor, settings):
    before = timezone.now()
    run("create_api_token", "editor")

    expiry = AuthToken.objects.get(user=editor).expiry
    assert settings.POLICYTRACKER_TOKEN_TTL_DAYS == 90
    assert (
        before + datetime.timedelta(days=90)
        <= expiry
        <= timezone.now() + datetime.timedelta(days=90)
    )


def test_create_api_token_expires_in(editor):
    run("create_api_token", "editor", "--expires-in", "7")
    run("create_api_token", "editor", "--expires-in", "0")

    expiries = [token.expiry for token in AuthToken.objects.order_by("created")]
    assert expiries[0].date() == (timezone.now() + datetime.timedelta(days=7)).date()
    assert expiries[1] is None  # 0: never


def test_create_api_token_refuses_a_negative_expiry(editor):
    with pytest.raises(CommandError, match="0 or more"):
        run("create_api_token", "editor", "--expires-in", "-1")


def test_each_token_is_new_until_rotated(editor, user):
    first = run("create_api_token", "editor")
    second = run("create_api_token", "editor")
    others = run("create_api_token", "reader")
    assert first != second
    assert AuthToken.objects.filter(user=editor).count() == 2

    rotated = run("create_api_token", "editor", "--rotate")

    assert list(AuthToken.objects.filter(user=editor).values_list("digest", flat=True)) == [
        hash_token(rotated)
    ]
    assert AuthToken.objects.get(user=user).digest == hash_token(others)


def test_create_api_token_refuses_an_unknown_user():
    with pytest.raises(CommandError, match='No user "nobody"'):
        run("create_api_token", "nobody")


def test_create_api_token_refuses_an_inactive_user(editor):
    editor.is_active = False
    editor.save()
    with pytest.raises(CommandError, match="inactive"):
        run("create_api_token", "editor")


def test_revoke_api_token_by_prefix(editor):
    kept, revoked = run("create_api_token", "editor"), run("create_api_token", "editor")

    assert run("revoke_api_token", "editor", "--token-prefix", revoked[:8]) == (
        'Revoked 1 token(s) of "editor".'
    )
    assert list(AuthToken.objects.values_list("digest", flat=True)) == [hash_token(kept)]


def test_revoke_api_token_takes_the_whole_key_too(editor):
    key = run("create_api_token", "editor")

    run("revoke_api_token", "editor", "--token-prefix", key)

    assert not AuthToken.objects.exists()


def test_revoke_api_token_all(editor, user):
    run("create_api_token", "editor")
    run("create_api_token", "editor")
    others = run("create_api_token", "reader")

    assert run("revoke_api_token", "editor", "--all") == 'Revoked 2 token(s) of "editor".'
    assert list(AuthToken.objects.values_list("digest", flat=True)) == [hash_token(others)]


def test_revoke_api_token_lists_the_tokens(editor):
    key = run("create_api_token", "editor", "--expires-in", "0")

    listed = run("revoke_api_token", "editor", "--list")

    assert re.fullmatch(
        rf"{key[:8]}  created \d{{4}}-\d\d-\d\d \d\d:\d\d UTC  never expires", listed
    )
    assert AuthToken.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--token-prefix", "abc"], "at least 8 characters"),
        (["--token-prefix", "ffffffffffff"], 'no token starting with "?ffffffffffff'),
    ],
)
def test_revoke_api_token_refuses_a_bad_prefix(editor, args, message):
    run("create_api_token", "editor")

    with pytest.raises(CommandError, match=message):
        run("revoke_api_token", "editor", *args)
    assert AuthToken.objects.count() == 1


def test_revoke_api_token_needs_to_be_told_which(editor):
    with pytest.raises(CommandError, match="one of the arguments --all --token-prefix --list"):
        run("revoke_api_token", "editor")


def test_revoke_api_token_refuses_an_unknown_user():
    with pytest.raises(CommandError, match='No user "nobody"'):
        run("revoke_api_token", "nobody", "--all")

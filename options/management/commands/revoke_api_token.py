"""`python manage.py revoke_api_token USERNAME (--all | --token-prefix PREFIX | --list)`.

Revokes (deletes) the user's API tokens: all of them, or the one whose key starts with PREFIX
(its first 8 characters or more, as `create_api_token` and `--list` show them). A revoked token
is refused (401) from the next request on. `--list` shows the user's tokens and revokes nothing.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import CONSTANTS

MIN_PREFIX = 8


class Command(BaseCommand):
    help = "Revoke USERNAME's API tokens: --all, or --token-prefix PREFIX; --list shows them."

    def add_arguments(self, parser):
        parser.add_argument("username")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--all", action="store_true", dest="revoke_all", help="Revoke every token of the user."
        )
        which.add_argument(
            "--token-prefix",
            metavar="PREFIX",
            help=f"Revoke the token whose key starts with PREFIX ({MIN_PREFIX} characters or "
            "more; the whole key works too).",
        )
        which.add_argument(
            "--list",
            action="store_true",
            dest="list_tokens",
            help="List the user's tokens (prefix, created, expiry); revoke nothing.",
        )

    def handle(self, *args, username, revoke_all, token_prefix, list_tokens, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f'No user "{username}".') from None
        tokens = AuthToken.objects.filter(user=user).order_by("created")
        if list_tokens:
            self._list(tokens)
            return
        if token_prefix is not None:
            if len(token_prefix) < MIN_PREFIX:
                raise CommandError(f"Give at least {MIN_PREFIX} characters of the token.")
            tokens = tokens.filter(token_key__startswith=token_prefix[: CONSTANTS.TOKEN_KEY_LENGTH])
            matches = tokens.count()
            if matches == 0:
                raise CommandError(f'"{username}" has no token starting with {token_prefix}.')
            if matches > 1:
                raise CommandError(f"Several tokens start with {token_prefix}: give more of it.")
        revoked = tokens.delete()[0]
        self.stdout.write(f'Revoked {revoked} token(s) of "{username}".')

    def _list(self, tokens) -> None:
        now = timezone.now()
        for token in tokens:
            if token.expiry is None:
                state = "never expires"
            else:
                verb = "expired" if token.expiry < now else "expires"
                state = f"{verb} {token.expiry:%Y-%m-%d %H:%M} UTC"
            created = f"{token.created:%Y-%m-%d %H:%M} UTC"
            self.stdout.write(f"{token.token_key[:MIN_PREFIX]}  created {created}  {state}")

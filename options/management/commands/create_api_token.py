"""`python manage.py create_api_token USERNAME`: create an API token for the user and print it.

The token is printed once, on standard output alone (`TOKEN=$(manage.py create_api_token …)`):
the database keeps only its digest (django-rest-knox), so it cannot be shown again. Clients
send it as `Authorization: Token <key>`. It expires after `--expires-in` days (default:
the setting `POLICYTRACKER_TOKEN_TTL_DAYS`; 0: never). A user may hold several tokens, one per
script or machine; `--rotate` revokes the user's other tokens first. `revoke_api_token` revokes.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from knox.models import AuthToken


def get_active_user(username: str):
    User = get_user_model()
    try:
        user = User.objects.get(**{User.USERNAME_FIELD: username})
    except User.DoesNotExist:
        raise CommandError(f'No user "{username}". Create one first (make superuser).') from None
    if not user.is_active:
        raise CommandError(f'User "{username}" is inactive: a token would not work.')
    return user


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME and print it (once: only its digest is stored). "
        "--rotate revokes the user's other tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--expires-in",
            type=int,
            metavar="DAYS",
            default=settings.POLICYTRACKER_TOKEN_TTL_DAYS,
            help="Days until the token expires; 0: never (default: %(default)s, the setting "
            "POLICYTRACKER_TOKEN_TTL_DAYS).",
        )
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Revoke the user's other tokens: they stop working at once.",
        )

    def handle(self, *args, username, expires_in, rotate, **options):
        if expires_in < 0:
            raise CommandError("--expires-in takes a number of days, 0 or more (0: never).")
        user = get_active_user(username)
        expiry = datetime.timedelta(days=expires_in) if expires_in else None
        with transaction.atomic():
            revoked = AuthToken.objects.filter(user=user).delete()[0] if rotate else 0
            token, key = AuthToken.objects.create(user=user, expiry=expiry)
        self.stdout.write(key)
        # The rest on standard error, so that `TOKEN=$(…)` captures the key alone.
        expires = f"expires {token.expiry:%Y-%m-%d %H:%M} UTC" if token.expiry else "never expires"
        revoked_note = f"; revoked {revoked} other token(s)" if rotate else ""
        self.stderr.write(
            f'Token {key[:8]}… for "{username}" {expires}{revoked_note}. Revoke it with: '
            f"manage.py revoke_api_token {username} --token-prefix {key[:8]}"
        )

"""
API tokens: django-rest-knox's, stored as SHA-512 digests (a leaked database gives no usable
token), each with an expiry, revocable one by one (`manage.py revoke_api_token`). Clients send
`Authorization: Token <key>`; `manage.py create_api_token` prints a key once.
"""

import re

from django.utils.translation import gettext_lazy as _
from knox import auth
from knox.settings import knox_settings
from rest_framework import exceptions


class TokenAuthentication(auth.TokenAuthentication):
    """knox's token authentication, refusing a malformed key before any query: knox would
    fail with a 500 on a key that is not UTF-8, and PostgreSQL on one with a NUL byte."""

    def authenticate_credentials(self, token: bytes):
        length = len(knox_settings.TOKEN_PREFIX) + knox_settings.AUTH_TOKEN_CHARACTER_LENGTH
        pattern = re.escape(knox_settings.TOKEN_PREFIX.encode()) + rb"[0-9a-f]{%d}" % (
            knox_settings.AUTH_TOKEN_CHARACTER_LENGTH
        )
        if len(token) != length or not re.fullmatch(pattern, token):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)

"""
URIs as RFC 3986 has them: the validator of every web address the service stores (a source's,
a webhook's), whichever way it is written (the API, the admin, an import).

Django's URLValidator checks the scheme and the host, and then lets anything but white space
through: `https://example.org/a"<c>` passes, which is no URI (RFC 3986 allows no quotes, `<`,
`>`, backslashes, `^`, backquotes, `{`, `|`, `}`, no control or non-ASCII character, and `%` only
before two hexadecimal digits). The schema says `format: uri`: what the API stores and sends
back must be one, so that clients and validators that check the format accept it.
"""

import re
import urllib.parse

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

_PCT = r"%[0-9A-Fa-f]{2}"
_UNRESERVED_SUB_DELIMS = r"A-Za-z0-9\-._~!$&'()*+,;="
_PCHAR = rf"(?:[{_UNRESERVED_SUB_DELIMS}:@]|{_PCT})"
#: An absolute URI with an authority (RFC 3986, section 3), as a URL is.
RFC3986_URL = re.compile(
    r"[A-Za-z][A-Za-z0-9+\-.]*://"  # scheme
    rf"(?:(?:[{_UNRESERVED_SUB_DELIMS}:]|{_PCT})*@)?"  # userinfo
    rf"(?:\[[0-9A-Za-z\-._~!$&'()*+,;=:]+\]|(?:[{_UNRESERVED_SUB_DELIMS}]|{_PCT})*)"  # host
    r"(?::[0-9]*)?"  # port
    rf"(?:/{_PCHAR}*)*"  # path
    rf"(?:\?(?:{_PCHAR}|[/?])*)?"  # query
    rf"(?:#(?:{_PCHAR}|[/?])*)?",  # fragment
    re.ASCII,
)
#: The characters RFC 3986 allows somewhere in a URI.
URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*", re.ASCII)


class RFC3986URLValidator(URLValidator):
    """Django's URLValidator (its schemes, a real host), and a URI by RFC 3986's grammar: a
    character it does not allow is refused by name, with what to write instead."""

    def __call__(self, value):
        super().__call__(value)
        if RFC3986_URL.fullmatch(value):
            return
        bad = URI_CHARACTERS.match(value).end()
        if bad < len(value):
            character = value[bad]
            shown = character if character.isprintable() else f"U+{ord(character):04X}"
            host_start = value.find("//") + 2
            host_end = host_start + len(urllib.parse.urlsplit(value).netloc)
            remedy = (
                "write the host name in its ASCII form (IDNA: xn--…)"
                if host_start <= bad < host_end and not character.isascii()
                else f"percent-encode it ({urllib.parse.quote(character, safe='')})"
            )
            message = (
                f"Enter a valid URL: {shown} (character {bad + 1}) may not appear in a URL "
                f"(RFC 3986); {remedy}."
            )
        elif re.search(r"%(?![0-9A-Fa-f]{2})", value):
            message = (
                "Enter a valid URL: % may only begin a percent-encoded character such as %20 "
                "(RFC 3986); write %25 for % itself."
            )
        else:
            message = (
                "Enter a valid URL (RFC 3986): [ and ] may only enclose an IPv6 address, and # "
                "only begin the fragment."
            )
        # A code of its own: a form field would put its generic "Enter a valid URL." in the
        # place of a message under the code "invalid".
        raise ValidationError(message, code="invalid_uri")

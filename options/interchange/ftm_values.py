"""
Property values as FollowTheMoney cleans them, for the types of the properties the FtM export
writes, so that the `followthemoney` library (`model.get_proxy(data, cleaned=False)`,
`EntityProxy.add`) changes none of them when it loads the export. Written after followthemoney
4.11 (`followthemoney.types`, with `normality` and `rigour`), which the service does not depend
on: when it is installed, tests/test_ftm_values.py checks each cleaning against it, and
tests/api/test_interchange.py the whole export.

Every value is first sanitised as the library does any text: Unicode NFC, space-like characters
as a space, control and invisible characters left out, stripped; a blank value is no value. Then
by type: a `name` loses the quotes around it and its runs of whitespace become one space; a `url`
gets a lowercase scheme and at least the path `/` (one FtM cannot hold is left out); a `country`
is a lowercase ISO code; a `date` an ISO date of a year FtM reads (1000 to 2999). A property's
values come without repeats, in their order.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from ipaddress import ip_address
from urllib.parse import urlparse

# Space-like characters, which become a space, and characters left out (C0 and C1 controls but
# tab, line feed and carriage return; zero-width and direction marks; soft hyphen; BOM; lone
# surrogates): normality's `remove_unsafe_chars`.
_SPACES = "\u2000-\u200a\u2028\u2029\u0a00\u1680\u202f\u205f\u3000"
_UNSAFE = re.compile(
    f"[{_SPACES}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u061c\u2060-\u2064"
    "\u00ad\ufeff\ud800-\udfff]"
)
_SPACE = re.compile(f"[{_SPACES}]")
# normality's `strip_quotes` and `squash_spaces`.
_QUOTED = re.compile(r"""^["'](.*)["']$""")
_WHITESPACE = re.compile(rf"[\s{_SPACES}]+")
# The schemes rigour's `clean_url` keeps (of those a URL here may have), and a host's labels.
_URL_SCHEMES = {"http", "https", "ftp"}
_HOST_LABEL = re.compile(r"[\w-]{1,63}")
_ALNUM = re.compile(r"[^\W_]")
_QID = re.compile(r"Q\d+")
_FIRST_YEAR, _LAST_YEAR = 1000, 2999  # prefixdate's years


def _safe(match: re.Match) -> str:
    return " " if _SPACE.match(match.group()) else ""


def ftm_text(value: str) -> str:
    """Any value as FtM sanitises it (the `string`, `text` and `identifier` types)."""
    return _UNSAFE.sub(_safe, unicodedata.normalize("NFC", value)).strip()


def ftm_name(value: str) -> str:
    """A `name`: sanitised, without the quotes around it, each run of whitespace one space."""
    return _WHITESPACE.sub(" ", _QUOTED.sub(r"\1", ftm_text(value))).strip(" ")


def _is_host(netloc: str, host: str | None) -> bool:
    """rigour's `_is_valid_netloc`: an IP address, or labels of letters, digits and hyphens
    of which the last (the top-level domain, if there are several) is no number nor one
    character."""
    if host is None or not host or _WHITESPACE.search(netloc):
        return False
    try:
        ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if not all(_HOST_LABEL.fullmatch(label) and _ALNUM.search(label) for label in labels):
        return False
    return len(labels) == 1 or (len(labels[-1]) > 1 and not labels[-1].isdigit())


def ftm_url(value: str) -> str:
    """A `url` with a lowercase scheme and a path (`/` at least), or "" for one FtM would not
    keep (no host, or one it does not take for a host; a scheme it does not know). The URLs
    here have a scheme (a URLField's, or the API's own): FtM's guess at a URL without one
    ("example.org/x" as "http://example.org/x") is not needed."""
    parsed = urlparse(ftm_text(value))
    scheme = parsed.scheme.lower()
    try:
        parsed.port  # noqa: B018 (raises for a port that is not one)
        host = parsed.hostname
    except ValueError:
        return ""
    if scheme not in _URL_SCHEMES or not _is_host(parsed.netloc, host):
        return ""
    return parsed._replace(scheme=scheme, path=parsed.path.strip() or "/").geturl()


def ftm_wikidata_id(value: str) -> str:
    """A Wikidata ID (an `identifier` of the format `wikidata`): Q and a number, or ""."""
    qid = ftm_text(value).rsplit("/", 1)[-1].strip().upper()
    return qid if _QID.fullmatch(qid) else ""


def ftm_country(code: str) -> str:
    """A `country`: its ISO 3166-1 alpha-2 code in lowercase."""
    return ftm_text(code).lower()


def ftm_date(value: date | None) -> str:
    """A `date`, in ISO 8601; "" for none, or for one of a year FtM does not read."""
    if value is None or not _FIRST_YEAR <= value.year <= _LAST_YEAR:
        return ""
    return value.isoformat()


def ftm_values(values: Iterable, clean: Callable[[str], str] = ftm_text) -> list[str]:
    """A property's values, each cleaned by `clean`, without blanks or repeats, in order."""
    return list(dict.fromkeys(cleaned for value in values if value and (cleaned := clean(value))))

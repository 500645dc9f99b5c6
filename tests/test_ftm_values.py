"""The FtM export's values are what the `followthemoney` library keeps of them
(options/interchange/ftm_values.py): each cleaning, value by value, against the library's own,
through `EntityProxy.add` as a reader of the export would load it.

The library is not among the service's requirements: without it these tests are skipped (as is
the check of the whole export in tests/api/test_interchange.py).
"""

import datetime

import pytest
from django_countries import countries
from hypothesis import example, given, settings
from hypothesis import strategies as st

from options.interchange.ftm_values import (
    ftm_country,
    ftm_date,
    ftm_name,
    ftm_text,
    ftm_url,
    ftm_values,
    ftm_wikidata_id,
)

followthemoney = pytest.importorskip("followthemoney", reason="followthemoney is not installed")

# Characters FtM treats apart: spaces of all kinds, controls, invisible ones, quotes,
# combining accents, and letters.
TRICKY = "  \t\n\r\x00\x07\x0b\x1f\x7f\x85\xa0\xad\u061c\u1680\u2000\u2009\u200b\u200d\u200e"
TRICKY += "\u2028\u202f\u2060\u205f\u3000\ufeff\"'e\u0301éAz-. "
texts = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(codec="utf-8"), max_size=20)


def kept(prop: str, value: str, schema: str = "Person") -> list[str]:
    """What the library keeps of `value` as the property `prop`."""
    entity = followthemoney.model.make_entity(schema)
    entity.add(prop, value)
    return entity.get(prop)


@settings(max_examples=500, deadline=None)
@given(texts)
@example('"Quoted"')
@example("'Tis")
@example("  Ana \u00a0 Pérez\u200b ")
def test_a_text_or_a_name_is_what_ftm_keeps(value):
    assert ftm_values([value]) == kept("notes", value)
    assert ftm_values([value]) == kept("classification", value)
    assert ftm_values([value], ftm_name) == kept("name", value)


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, max_size=4))
def test_a_property_keeps_each_value_once_in_order(values):
    entity = followthemoney.model.make_entity("Person")
    entity.add("alias", values)

    assert ftm_values(values, ftm_name) == entity.get("alias")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/report",
        "https://example.org",
        "HTTPS://Example.ORG/a?b=c&d=e#f",
        "https://example.org?x=1",
        "http://testserver/api/v1/sources/2/",
        "http://localhost:8000/api/v1/sources/3/",
        "http://127.0.0.1:8000/x",
        "http://[::1]/x",
        "https://user:secret@example.org:8443/a;b",
        "ftp://files.example.org/report.pdf",
        "https://exämple.org/ü",
        "https://xn--exmple-cua.org/",
        " https://example.org/a b ",
        "https://example.org/%7Euser",
        "https://example.123/",
        "https://example.o/",
        "https://€.com/",
        "https://-.com/",
        "https://example.org:99999/",
        "https://example.org:port/",
        "ftps://example.org/",
        "mailto:someone@example.org",
        "https:example.org",
    ],
)
def test_a_url_is_what_ftm_keeps(url):
    assert ftm_values([url], ftm_url) == kept("sourceUrl", url)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_any_url_path_is_what_ftm_keeps(path):
    url = f"https://example.org/{path}"

    assert ftm_values([url], ftm_url) == kept("sourceUrl", url)


def test_every_country_is_what_ftm_keeps():
    codes = [country.code for country in countries]

    assert [ftm_country(code) for code in codes] == [kept("country", code)[0] for code in codes]


@pytest.mark.parametrize("value", ["Q42", "q7", " Q1 ", "Q", "42", "P31", "Q4x"])
def test_a_wikidata_id_is_what_ftm_keeps(value):
    assert ftm_values([value], ftm_wikidata_id) == kept("wikidataId", value)


@pytest.mark.parametrize(
    "value",
    [datetime.date(2019, 1, 28), datetime.date(1, 1, 1), datetime.date(999, 12, 31)]
    + [datetime.date(1000, 1, 1), datetime.date(2999, 12, 31), datetime.date(3000, 1, 1)],
)
def test_a_date_is_what_ftm_keeps(value):
    assert ftm_values([value], ftm_date) == kept("startDate", value.isoformat(), "Sanction")


def test_ftm_text_is_the_sanitising_of_any_value():
    assert ftm_text(" a\u2009b\u200b\x00 ") == "a b"

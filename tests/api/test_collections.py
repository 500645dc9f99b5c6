"""What every collection does alike, tested once for all (NetBox's `APIViewTestCases`): list,
detail, create, update, delete, search, ordering, filters by slug and by a related object's id
and slug, ETags and `If-Match`, 409 on deleting a record others refer to, and errors.

Each collection declares its data in `COLLECTIONS`; the tests run over that table. What is
special about a collection (its fields, its validation, its nested writes) stays in its own
file, test_<collection>.py.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db.models import Model
from factory.django import DjangoModelFactory

from options import models
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"


@dataclass(frozen=True)
class Collection:
    """A collection, and the data the generic tests need to exercise it."""

    name: str  # its URL segment: /api/v1/<name>/
    model: type[Model]
    factory: type[DjangoModelFactory]
    # Factory values of three records, in the order the list gives them by default.
    listed: tuple[dict, dict, dict]
    # A valid create body; its related objects are made by factories.
    create: Callable[[], dict]
    # A valid partial update, every value as it reads back (a related object as its id).
    update: dict
    # A search term, and the factory values of a record it finds (records made with the
    # factory's defaults must not match it).
    search: tuple[str, dict]
    # A field the list sorts by, and factory values of three records in its ascending order.
    ordering: tuple[str, tuple[dict, dict, dict]]
    # A relation filtered by `<name>_id` and by `<name>` (slug), and how to link a record to a
    # new related object, which it returns.
    related: tuple[str, Callable[[Model], Model]]
    # A value of the wrong JSON type for the create body, and the errors it gets.
    invalid: tuple[dict, dict]
    # Whether the list is filtered by the records' own slug (`?slug=`).
    slug: bool = False
    # How to make a record that refers to the given one (its delete is then refused), if any.
    referrer: Callable[[Model], Model] | None = None

    @property
    def url(self) -> str:
        return f"{API}/{self.name}/"

    def detail(self, obj: Model) -> str:
        return f"{self.url}{obj.pk}/"

    def __str__(self) -> str:
        return self.name


def linked(attribute: str, make: type[DjangoModelFactory]) -> Callable[[Model], Model]:
    """Links a record to a new object made by `make`, in its many-to-many `attribute`."""

    def link(obj: Model) -> Model:
        other = make()
        getattr(obj, attribute).add(other)
        return other

    return link


def cited(source: models.Source) -> models.Source:
    """Makes `source` cite a new source, and returns that one."""
    source.cited_in = factories.SourceFactory()
    source.save()
    return source.cited_in


def ids(*objects: Model) -> list[int]:
    return [obj.pk for obj in objects]


def day(month: int, date: int, year: int = 2019) -> datetime.date:
    return datetime.date(year, month, date)


def wrong_type(field: str, value: object, message: str) -> tuple[dict, dict]:
    return {field: value}, {field: [message]}


NOT_A_STRING = "Not a valid string."

COLLECTIONS = [
    Collection(
        name="sources",
        model=models.Source,
        factory=factories.SourceFactory,
        # Newest first; on the same date, by title.
        listed=(
            {"published": day(5, 1), "title": "Statement"},
            {"published": day(4, 30), "title": "Defection talks"},
            {"published": day(4, 30), "title": "Retelling"},
        ),
        create=lambda: {
            "slug": "interview",
            "title": "An interview",
            "kind": "interview",
            "publisher": "Reuters",
            "web_url": "https://example.org/interview",
            "published": "2019-05-02",
            "cited_in": factories.SourceFactory().pk,
        },
        update={"cited_in": None, "publisher": "FANB"},
        search=("ministry", {"publisher": "Ministry of Defence"}),
        ordering=(
            "publisher",
            ({"publisher": "FANB"}, {"publisher": "Reuters"}, {"publisher": "TV"}),
        ),
        related=("cited_in", cited),
        # Found by the fuzz run: a number was taken as notes ("0").
        invalid=wrong_type("notes", 0, NOT_A_STRING),
        slug=True,
        referrer=lambda source: factories.PositionFactory(source=source),
    ),
    Collection(
        name="topics",
        model=models.Topic,
        factory=factories.TopicFactory,
        listed=({"title": "Andean bloc"}, {"title": "Bolivia 2019"}, {"title": "Venezuela 2019"}),
        create=lambda: {
            "slug": "haiti-2021",
            "title": "Haiti 2021",
            "question": "Who leads the transition?",
            "country": "HT",
            "sources": [factories.SourceFactory().pk],
        },
        update={"description": "Two men claim the presidency.", "country": "BO"},
        search=("presidential", {"question": "How to resolve the presidential crisis?"}),
        ordering=("slug", ({"slug": "bloc"}, {"slug": "bolivia"}, {"slug": "venezuela"})),
        related=("source", linked("sources", factories.SourceFactory)),
        invalid=wrong_type("question", 0, NOT_A_STRING),
        slug=True,
        referrer=lambda topic: factories.PolicyOptionFactory(topic=topic),
    ),
    Collection(
        name="stakeholders",
        model=models.Stakeholder,
        factory=factories.StakeholderFactory,
        listed=({"name": "Lima Group"}, {"name": "United States"}, {"name": "Vladimir Padrino"}),
        create=lambda: {
            "slug": "guaido",
            "name": "Juan Guaidó",
            "kind": "person",
            "country": "VE",
            "aliases": ["Interim president"],
            "wikidata_id": "Q60834000",
            "sources": [factories.SourceFactory().pk],
        },
        update={"aliases": ["VPL", "El General"]},
        search=("general", {"aliases": ["The General"]}),
        ordering=("kind", ({"kind": "bloc"}, {"kind": "person"}, {"kind": "state"})),
        related=("source", linked("sources", factories.SourceFactory)),
        invalid=wrong_type("name", 7, NOT_A_STRING),
        slug=True,
        referrer=lambda stakeholder: factories.PositionFactory(stakeholder=stakeholder),
    ),
    Collection(
        name="affiliations",
        model=models.Affiliation,
        factory=factories.AffiliationFactory,
        # By subject, then kind, then object.
        listed=(
            {"subject__name": "Cuba"},
            {"subject__name": "Maduro", "kind": "leads", "object__name": "Government"},
            {"subject__name": "Maduro", "kind": "leads", "object__name": "Party"},
        ),
        create=lambda: {
            "subject": factories.StakeholderFactory().pk,
            "kind": "backs",
            "object": factories.StakeholderFactory().pk,
            "start_date": "2019-01-23",
            "source": factories.SourceFactory().pk,
        },
        update={"role": "Observer", "end_date": "2020-01-01"},
        search=("minister", {"role": "Defence Minister"}),
        ordering=(
            "start_date",
            (
                {"start_date": day(10, 30, 2000)},
                {"start_date": day(4, 19, 2013)},
                {"start_date": day(10, 25, 2014)},
            ),
        ),
        related=("subject", lambda affiliation: affiliation.subject),
        invalid=wrong_type("role", 0, NOT_A_STRING),
    ),
    Collection(
        name="options",
        model=models.PolicyOption,
        factory=factories.PolicyOptionFactory,
        # By topic, then title.
        listed=(
            {"topic__title": "Crisis", "title": "Negotiation in Oslo"},
            {"topic__title": "Crisis", "title": "Oil sanctions"},
            {"topic__title": "Other crisis", "title": "Aid convoy"},
        ),
        create=lambda: {
            "topic": factories.TopicFactory().pk,
            "slug": "recognition",
            "title": "Recognise Guaidó",
            "kind": "recognition",
            "proposer": factories.StakeholderFactory().pk,
            "actors": [factories.StakeholderFactory().pk],
            "start_date": "2019-01-23",
        },
        update={"status": "suspended", "end_date": "2019-09-15"},
        search=("pdvsa", {"description": "Block PDVSA's revenue."}),
        ordering=(
            "start_date",
            ({"start_date": day(1, 28)}, {"start_date": day(2, 23)}, {"start_date": day(5, 15)}),
        ),
        related=("actor", linked("actors", factories.StakeholderFactory)),
        invalid=wrong_type("title", 0, NOT_A_STRING),
        slug=True,
        referrer=lambda option: factories.PositionFactory(option=option),
    ),
    Collection(
        name="sanction-measures",
        model=models.SanctionMeasure,
        factory=factories.SanctionMeasureFactory,
        # By option, then effective date.
        listed=(
            {"option__title": "Oil sanctions", "effective_date": day(1, 28)},
            {"option__title": "Personal sanctions", "effective_date": day(6, 26, 2018)},
            {"option__title": "Personal sanctions", "effective_date": day(7, 1, 2018)},
        ),
        create=lambda: {
            "option": factories.PolicyOptionFactory(kind="sanctions").pk,
            "measure_type": "financial",
            "imposing_authority": factories.StakeholderFactory(kind="state").pk,
            "target": factories.StakeholderFactory().pk,
            "threatened_date": "2019-08-01",
            "source": factories.SourceFactory().pk,
        },
        update={"legal_basis": "EO 13692", "end_date": "2024-01-01"},
        search=("2017/2074", {"legal_basis": "Council Decision 2017/2074"}),
        ordering=(
            "effective_date",
            (
                {"effective_date": day(6, 26, 2018)},
                {"effective_date": day(7, 1, 2018)},
                {"effective_date": day(1, 28)},
            ),
        ),
        related=("option", lambda measure: measure.option),
        invalid=wrong_type("legal_basis", 0, NOT_A_STRING),
    ),
    Collection(
        name="positions",
        model=models.Position,
        factory=factories.PositionFactory,
        # Newest first.
        listed=({"as_of": day(4, 30)}, {"as_of": day(4, 29)}, {"as_of": day(1, 28)}),
        create=lambda: {
            "stakeholder": factories.StakeholderFactory().pk,
            "option": factories.PolicyOptionFactory().pk,
            "stance": 2,
            "basis": "stated",
            "as_of": "2019-04-30",
            "salience": 80,
            "source": factories.SourceFactory().pk,
            "quote": "All options are on the table.",
        },
        update={"salience": 20, "confidence": "high"},
        search=("reject the coup", {"quote": "We reject the coup."}),
        ordering=("stance", ({"stance": -2}, {"stance": 1}, {"stance": 2})),
        related=("stakeholder", lambda position: position.stakeholder),
        invalid=wrong_type("quote", 0, NOT_A_STRING),
        referrer=lambda position: factories.PositionDisputeFactory(position=position),
    ),
    Collection(
        name="events",
        model=models.Event,
        factory=factories.EventFactory,
        # By date, then title.
        listed=(
            {"date": day(2, 22), "title": "Aid concert"},
            {"date": day(4, 30), "title": "Uprising"},
            {"date": day(6, 26), "title": "Alleged plot"},
        ),
        create=lambda: {
            "topic": factories.TopicFactory().pk,
            "slug": "oslo",
            "title": "Talks in Oslo",
            "date": "2019-05-15",
            "date_precision": "month",
            "certainty": "claimed",
            "claimed_by": [factories.StakeholderFactory().pk],
        },
        update={"certainty": "disputed", "location": "Caracas"},
        search=("caracas", {"location": "Caracas"}),
        ordering=(
            "title",
            ({"title": "Aid concert"}, {"title": "Alleged plot"}, {"title": "Uprising"}),
        ),
        related=("topic", lambda event: event.topic),
        invalid=wrong_type("location", 0, NOT_A_STRING),
        slug=True,
    ),
    Collection(
        name="influences",
        model=models.Influence,
        factory=factories.InfluenceFactory,
        # By topic, then capability (greatest first).
        listed=(
            {"topic__title": "Crisis", "capability": 90},
            {"topic__title": "Crisis", "capability": 70},
            {"topic__title": "Elsewhere", "capability": 30},
        ),
        create=lambda: {
            "stakeholder": factories.StakeholderFactory().pk,
            "topic": factories.TopicFactory().pk,
            "capability": 10,
            "as_of": "2019-05-01",
            "source": factories.SourceFactory().pk,
        },
        update={"capability": 35},
        search=("streets", {"rationale": "Controls the streets."}),
        ordering=("capability", ({"capability": 30}, {"capability": 70}, {"capability": 90})),
        related=("stakeholder", lambda influence: influence.stakeholder),
        invalid=wrong_type("capability", "60", "A valid integer is required."),
    ),
]

REFERRED_TO = [collection for collection in COLLECTIONS if collection.referrer]


def each(collections: list[Collection]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("collection", collections, ids=str)


def make_in_order(collection: Collection, values: tuple[dict, ...]) -> list[Model]:
    """Records made from `values`, in another order than theirs (so that ids do not give it),
    returned in theirs."""
    made = {index: collection.factory(**values[index]) for index in (1, 2, 0)}
    return [made[index] for index in range(len(values))]


def as_sent(value: object) -> object:
    """A value of a response as a request sends it: a related object by its id."""
    if isinstance(value, dict) and "id" in value:
        return value["id"]
    if isinstance(value, list):
        return [as_sent(item) for item in value]
    return value


def timestamp(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


def problem(status: int, title: str, detail: str, code: str, **extra) -> dict:
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }


UNAUTHENTICATED = problem(
    401, "Unauthorized", "Authentication credentials were not provided.", "not_authenticated"
)
FORBIDDEN = problem(
    403, "Forbidden", "You do not have permission to perform this action.", "permission_denied"
)
PRECONDITION_FAILED = problem(
    412,
    "Precondition Failed",
    "The record has changed since you read it (your If-Match is not its current ETag). "
    "Nothing was changed: read it again, then retry with its new ETag.",
    "precondition_failed",
)


# --- Reading ----------------------------------------------------------------------------------


@each(COLLECTIONS)
def test_list_is_paginated_in_its_default_order(collection, assert_paginates):
    records = make_in_order(collection, collection.listed)

    assert_paginates(collection.url, ids(*records))


@each(COLLECTIONS)
def test_detail_carries_its_version_as_etag(collection, api_client):
    record = collection.factory()
    record.save()  # version 2

    response = api_client.get(collection.detail(record))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["url"]) == (record.pk, f"http://testserver{collection.detail(record)}")
    assert (response["ETag"], body["version"]) == ('"2"', 2)
    # A list shows each record as its detail does.
    [row] = api_client.get(collection.url).json()["results"]
    assert row == body


# --- Writing ----------------------------------------------------------------------------------


@each(COLLECTIONS)
def test_create_takes_valid_values_from_an_editor_only(
    collection, api_client, user_client, editor_client
):
    sent = collection.create()
    spoilt, errors = collection.invalid
    count = collection.model.objects.count()

    anonymous = api_client.post(collection.url, sent)
    user = user_client.post(collection.url, sent)
    invalid = editor_client.post(collection.url, {**sent, **spoilt})

    assert (anonymous.status_code, anonymous.json()) == (401, UNAUTHENTICATED)
    assert anonymous["WWW-Authenticate"] == "Token"
    assert (user.status_code, user.json()) == (403, FORBIDDEN)
    assert (invalid.status_code, invalid.json()) == (
        400,
        problem(400, "Bad Request", "Invalid input.", "invalid", errors=errors),
    )
    assert collection.model.objects.count() == count

    response = editor_client.post(collection.url, sent)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {name: as_sent(body[name]) for name in sent} == sent
    assert (response["ETag"], body["version"]) == ('"1"', 1)
    assert body["url"] == f"http://testserver{collection.url}{body['id']}/"
    assert api_client.get(body["url"]).json() == body  # stored as answered


@each(COLLECTIONS)
def test_partial_update_writes_only_with_the_current_etag(collection, editor_client, api_client):
    record = collection.factory()
    collection.related[1](record)  # a related object, which the update must keep
    record.save()  # changed by someone else since the version before was read
    url = collection.detail(record)
    read = api_client.get(url)
    before = read.json()
    version = before["version"]

    stale = editor_client.patch(url, collection.update, headers={"If-Match": f'"{version - 1}"'})

    assert (stale.status_code, stale.json()) == (412, PRECONDITION_FAILED)
    assert stale["ETag"] == read["ETag"] == f'"{version}"'

    response = editor_client.patch(url, collection.update, headers={"If-Match": read["ETag"]})

    assert response.status_code == 200, response.json()
    body = response.json()
    # Accepted with the ETag read before the refused write: that one changed nothing.
    assert (response["ETag"], body["version"]) == (f'"{version + 1}"', version + 1)
    assert {name: as_sent(body[name]) for name in collection.update} == collection.update
    unchanged = set(before) - set(collection.update) - {"version", "updated"}
    assert {name: body[name] for name in unchanged} == {name: before[name] for name in unchanged}
    assert timestamp(body["updated"]) > timestamp(before["updated"])
    assert api_client.get(url).json() == body  # stored as answered


@each(COLLECTIONS)
def test_delete(collection, editor_client):
    record = collection.factory()

    response = editor_client.delete(collection.detail(record))

    assert (response.status_code, response.content) == (204, b"")
    assert not collection.model.objects.filter(pk=record.pk).exists()


@each(REFERRED_TO)
def test_delete_of_a_record_others_refer_to_is_a_conflict(collection, editor_client):
    record = collection.factory()
    referrer = collection.referrer(record)

    response = editor_client.delete(collection.detail(record))

    assert (response.status_code, response.json()) == (
        409,
        problem(
            409,
            "Conflict",
            "This record cannot be deleted: other records still refer to it. "
            "Delete or change them first.",
            "protected",
            referrers=[
                {"type": referrer._meta.model_name, "id": referrer.pk, "display": str(referrer)}
            ],
        ),
    )
    assert collection.model.objects.filter(pk=record.pk).exists()


# --- Search, ordering, filters ----------------------------------------------------------------


@each(COLLECTIONS)
def test_search(collection, get_ids):
    term, values = collection.search
    found, _ = collection.factory(**values), collection.factory()

    assert get_ids(f"{collection.url}?search={term}") == [found.pk]
    assert get_ids(f"{collection.url}?search=nothing-like-it") == []


@each(COLLECTIONS)
def test_ordering(collection, get_ids):
    field, values = collection.ordering
    records = make_in_order(collection, values)

    assert get_ids(f"{collection.url}?ordering={field}") == ids(*records)
    assert get_ids(f"{collection.url}?ordering=-{field}") == ids(*reversed(records))


@each(COLLECTIONS)
def test_filters_by_slug_and_by_a_related_object_s_id_and_slug(collection, get_ids):
    name, link = collection.related
    record, other = collection.factory(), collection.factory()
    related = link(record)
    link(other)  # another object of the same kind

    assert get_ids(f"{collection.url}?{name}_id={related.pk}") == [record.pk]
    assert get_ids(f"{collection.url}?{name}={related.slug}") == [record.pk]
    if collection.slug:
        assert get_ids(f"{collection.url}?slug={record.slug}") == [record.pk]

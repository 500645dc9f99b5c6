"""Every list endpoint runs a fixed number of queries, however many rows it shows.

Each builder makes rows with every relation the serializer shows filled in, so that a missing
`select_related`/`prefetch_related` shows up as one query per row. The client is anonymous, so
authentication adds no query.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from options import models
from tests import factories

pytestmark = pytest.mark.django_db


def make_topics(n):
    for topic in factories.TopicFactory.create_batch(n):
        topic.sources.add(factories.SourceFactory())
        factories.PolicyOptionFactory(topic=topic)


def make_stakeholders(n):
    for stakeholder in factories.StakeholderFactory.create_batch(n):
        stakeholder.sources.add(factories.SourceFactory())
        # The other ends are blocs, left out of the list by `?kind=person`.
        factories.AffiliationFactory(subject=stakeholder)
        factories.AffiliationFactory(
            subject=factories.StakeholderFactory(kind="bloc"), kind="leads", object=stakeholder
        )


def make_affiliations(n):
    factories.AffiliationFactory.create_batch(n)


def make_options(n):
    for option in factories.PolicyOptionFactory.create_batch(
        n,
        kind=models.PolicyOption.Kind.SANCTIONS,
        proposer=factories.StakeholderFactory(),
        venue=factories.StakeholderFactory(kind="bloc"),
    ):
        option.actors.add(factories.StakeholderFactory())
        option.targets.add(factories.StakeholderFactory())
        option.sources.add(factories.SourceFactory())
        factories.SanctionMeasureFactory(option=option, source=factories.SourceFactory())


def make_sanction_measures(n):
    factories.SanctionMeasureFactory.create_batch(n, source=factories.SourceFactory())


def make_sources(n):
    # The cited sources are reports, left out of the list by `?kind=news_report`.
    factories.SourceFactory.create_batch(n, cited_in=factories.SourceFactory(kind="report"))


def make_positions(n):
    for position in factories.PositionFactory.create_batch(
        n, basis="reported", reported_by=factories.StakeholderFactory()
    ):
        factories.PositionDisputeFactory(position=position)


def make_events(n):
    for event in factories.EventFactory.create_batch(n):
        factories.EventParticipantFactory(event=event)
        event.options.add(factories.PolicyOptionFactory(topic=event.topic))
        event.sources.add(factories.SourceFactory())
        event.claimed_by.add(factories.StakeholderFactory())
        event.denied_by.add(factories.StakeholderFactory())


def make_influences(n):
    factories.InfluenceFactory.create_batch(n)


@pytest.mark.parametrize(
    ("collection", "make", "queries"),
    [
        # count, page; prefetch sources, options
        ("topics", make_topics, 4),
        # count, page; prefetch sources; affiliations both ways in one query (with their
        # stakeholders and source joined)
        ("stakeholders?kind=person", make_stakeholders, 4),
        # count, page (subject, object and source joined)
        ("affiliations", make_affiliations, 2),
        # count, page (topic, proposer, venue joined); prefetch actors, targets, sources,
        # measures (with their option, stakeholders and source joined)
        ("options", make_options, 6),
        # count, page (option, imposing authority, target, source joined)
        ("sanction-measures", make_sanction_measures, 2),
        # count, page (cited_in joined)
        ("sources?kind=news_report", make_sources, 2),
        # count, page (stakeholder, option and its topic, reported_by, source joined);
        # prefetch disputes (with disputed_by and source joined)
        ("positions", make_positions, 3),
        # count, page (topic joined); prefetch participations (with stakeholder), options,
        # sources, claimed_by, denied_by
        ("events", make_events, 7),
        # count, page (stakeholder, topic, source joined)
        ("influences", make_influences, 2),
    ],
)
def test_list_runs_the_same_number_of_queries_for_1_and_50_rows(
    api_client, django_assert_num_queries, django_assert_max_num_queries, collection, make, queries
):
    path, _, query = collection.partition("?")
    url = f"/api/v1/{path}/?{query}"
    make(1)
    with CaptureQueriesContext(connection) as one_row:
        response = api_client.get(url)
    assert response.status_code == 200
    assert response.json()["count"] == 1

    make(49)
    with django_assert_num_queries(len(one_row)):
        response = api_client.get(url)
    assert response.status_code == 200
    assert response.json()["count"] == 50
    assert len(response.json()["results"]) == 50

    assert len(one_row) == queries
    with django_assert_max_num_queries(queries):
        api_client.get(url)

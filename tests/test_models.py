"""Model invariants: the database refuses what validation refuses, and evidence is not lost."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from options import models
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("factory", "values", "constraint"),
    [
        (factories.PositionFactory, {"stance": 3}, "position_stance_in_range"),
        (factories.PositionFactory, {"stance": -3}, "position_stance_in_range"),
        (factories.PositionFactory, {"salience": 101}, "position_salience_in_range"),
        (factories.InfluenceFactory, {"capability": 101}, "influence_capability_in_range"),
        (
            factories.AffiliationFactory,
            {"start_date": datetime.date(2019, 5, 1), "end_date": datetime.date(2019, 4, 1)},
            "affiliation_end_not_before_start",
        ),
        (
            factories.PolicyOptionFactory,
            {"start_date": datetime.date(2019, 5, 1), "end_date": datetime.date(2019, 4, 1)},
            "option_end_not_before_start",
        ),
    ],
)
def test_database_enforces_check_constraints(factory, values, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        factory(**values)


def test_full_clean_reports_the_same_rule_on_the_field():
    affiliation = factories.AffiliationFactory.build(
        subject=factories.StakeholderFactory(),
        object=factories.StakeholderFactory(),
        source=factories.SourceFactory(),
        start_date=datetime.date(2019, 5, 1),
        end_date=datetime.date(2019, 4, 1),
    )
    with pytest.raises(ValidationError) as error:
        affiliation.full_clean()
    assert error.value.message_dict == {
        "end_date": ["The end date cannot be before the start date."]
    }


def test_database_refuses_a_duplicate_position_from_the_same_source():
    position = factories.PositionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PositionFactory(
            stakeholder=position.stakeholder,
            option=position.option,
            basis=position.basis,
            as_of=position.as_of,
            source=position.source,
        )


def test_the_same_position_from_another_source_is_kept():
    position = factories.PositionFactory()
    factories.PositionFactory(
        stakeholder=position.stakeholder,
        option=position.option,
        basis=position.basis,
        as_of=position.as_of,
    )
    assert models.Position.objects.filter(stakeholder=position.stakeholder).count() == 2


def test_database_refuses_reported_by_on_a_stated_position():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PositionFactory(reported_by=factories.StakeholderFactory())


def test_deleting_a_stakeholder_with_positions_is_refused():
    position = factories.PositionFactory()
    with pytest.raises(ProtectedError):
        position.stakeholder.delete()
    assert models.Stakeholder.objects.filter(pk=position.stakeholder_id).exists()


def test_deleting_a_source_linked_many_to_many_is_refused_and_keeps_the_link():
    source = factories.SourceFactory()
    topic = factories.TopicFactory()
    topic.sources.add(source)
    with pytest.raises(ProtectedError) as error:
        source.delete()
    assert error.value.protected_objects == {topic}
    assert list(topic.sources.all()) == [source]


def test_bulk_delete_of_a_referenced_stakeholder_is_refused_too():
    actor = factories.StakeholderFactory()
    factories.PolicyOptionFactory().actors.add(actor)
    with pytest.raises(ProtectedError), transaction.atomic():
        models.Stakeholder.objects.filter(pk=actor.pk).delete()
    assert models.Stakeholder.objects.filter(pk=actor.pk).exists()


def test_unreferenced_objects_can_be_deleted():
    stakeholder = factories.StakeholderFactory()
    stakeholder.delete()
    assert not models.Stakeholder.objects.exists()


def test_deleting_an_event_removes_its_participations():
    participation = factories.EventParticipantFactory()
    participation.event.delete()
    assert not models.EventParticipant.objects.exists()


def test_natural_keys_round_trip():
    option = factories.PolicyOptionFactory(slug="us-sanctions")
    event = factories.EventFactory(topic=option.topic, slug="la-carlota")
    assert models.PolicyOption.objects.get_by_natural_key(*option.natural_key()) == option
    assert models.Event.objects.get_by_natural_key(*event.natural_key()) == event
    stakeholder = factories.StakeholderFactory()
    assert models.Stakeholder.objects.get_by_natural_key(*stakeholder.natural_key()) == stakeholder


def test_option_slugs_are_unique_per_topic_only():
    option = factories.PolicyOptionFactory(slug="us-sanctions")
    factories.PolicyOptionFactory(slug="us-sanctions")  # another topic
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PolicyOptionFactory(slug="us-sanctions", topic=option.topic)


def test_set_participants_replaces_the_list():
    event = factories.EventFactory()
    first, second = factories.StakeholderFactory.create_batch(2)
    event.set_participants([{"stakeholder": first, "role": "led"}])
    event.set_participants([{"stakeholder": second, "role": "spoke"}])
    assert [(p.stakeholder, p.role) for p in event.participations.all()] == [(second, "spoke")]


def test_str_gives_a_readable_label():
    position = factories.PositionFactory(
        stakeholder__name="Vladimir Padrino López",
        option__title="Transition deal",
        stance=-2,
        as_of=datetime.date(2019, 4, 30),
    )
    assert str(position) == (
        "Vladimir Padrino López on Transition deal: strongly oppose (stated, 2019-04-30)"
    )
    affiliation = factories.AffiliationFactory(
        subject__name="Maikel Moreno",
        kind=models.Affiliation.Kind.HOLDS_POST_IN,
        object__name="Supreme Tribunal of Justice",
        role="President",
    )
    assert str(affiliation) == "Maikel Moreno holds post in Supreme Tribunal of Justice (President)"


def test_stakeholder_aliases_must_be_a_list_of_names():
    stakeholder = factories.StakeholderFactory.build(aliases=["ok", ""])
    with pytest.raises(ValidationError) as error:
        stakeholder.full_clean()
    assert "aliases" in error.value.message_dict


def test_editors_group_has_every_model_permission():
    from django.contrib.auth.models import Group

    codenames = set(
        Group.objects.get(name="editors").permissions.values_list("codename", flat=True)
    )
    for model in [models.Position, models.Stakeholder, models.Source, models.Event]:
        name = model._meta.model_name
        assert {f"add_{name}", f"change_{name}", f"delete_{name}", f"view_{name}"} <= codenames


def test_a_refused_delete_names_every_referrer(editor_client):
    position = factories.PositionFactory()
    stakeholder = position.stakeholder
    option = factories.PolicyOptionFactory()
    option.targets.add(stakeholder)

    response = editor_client.delete(f"/api/v1/stakeholders/{stakeholder.pk}/")

    assert response.status_code == 409
    referrers = {(item["type"], item["id"]) for item in response.json()["referrers"]}
    assert referrers == {("position", position.pk), ("policyoption", option.pk)}


# --- Dated retractions ------------------------------------------------------------------------

RETRACTED_BEFORE_TAKEN = {"retracted_on": ["A position cannot be retracted before it was taken."]}


def test_a_position_is_retracted_once_its_retraction_is_dated():
    position = factories.PositionFactory()
    assert (position.retracted, position.retracted_on, position.retracted_precision) == (
        False,
        None,
        "day",
    )

    position.retracted_on = datetime.date(2019, 5, 1)

    assert position.retracted is True
    with pytest.raises(AttributeError):
        position.retracted = False  # read-only: it follows the date


@pytest.mark.parametrize(
    ("as_of", "as_of_precision", "retracted_on", "retracted_precision", "errors"),
    [
        (datetime.date(2019, 4, 30), "day", datetime.date(2019, 4, 29), "day", True),
        (datetime.date(2019, 4, 30), "day", datetime.date(2019, 4, 30), "day", False),
        # Intervals: a month-precision date stands for its whole month, a year's for its year.
        (datetime.date(2019, 4, 30), "month", datetime.date(2019, 4, 1), "day", False),
        (datetime.date(2019, 4, 1), "month", datetime.date(2019, 3, 31), "day", True),
        (datetime.date(2019, 4, 30), "day", datetime.date(2019, 4, 1), "month", False),
        (datetime.date(2019, 5, 1), "day", datetime.date(2019, 4, 30), "month", True),
        (datetime.date(2019, 6, 1), "year", datetime.date(2019, 1, 1), "year", False),
        (datetime.date(2019, 6, 1), "year", datetime.date(2018, 12, 31), "month", True),
    ],
)
def test_full_clean_refuses_a_retraction_before_the_position(
    as_of, as_of_precision, retracted_on, retracted_precision, errors
):
    position = factories.PositionFactory(as_of=as_of, as_of_precision=as_of_precision)
    position.retracted_on, position.retracted_precision = retracted_on, retracted_precision

    if errors:
        with pytest.raises(ValidationError) as error:
            position.full_clean()
        assert error.value.message_dict == RETRACTED_BEFORE_TAKEN
    else:
        position.full_clean()


def test_full_clean_reports_every_rule_of_a_position_at_once():
    position = factories.PositionFactory(as_of=datetime.date(2019, 4, 30))
    position.reported_by = factories.StakeholderFactory()
    position.retracted_on = datetime.date(2019, 1, 1)

    with pytest.raises(ValidationError) as error:
        position.full_clean()

    assert error.value.message_dict == {
        "reported_by": ["Only a reported position names who reported it."],
        **RETRACTED_BEFORE_TAKEN,
    }


def test_a_dispute_s_date_has_a_precision():
    dispute = factories.PositionDisputeFactory()
    assert dispute.date_precision == "day"
    dispute.date_precision = "fortnight"
    with pytest.raises(ValidationError) as error:
        dispute.full_clean()
    assert error.value.message_dict == {
        "date_precision": ["Value 'fortnight' is not a valid choice."]
    }


# --- Source reliability -----------------------------------------------------------------------


def test_a_source_s_reliability_is_not_judged_by_default():
    source = factories.SourceFactory()
    source.refresh_from_db()
    assert source.reliability == models.Source.Reliability.F == "F"
    assert [grade for grade, _ in models.Source.Reliability.choices] == list("ABCDEF")
    source.reliability = "G"
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert error.value.message_dict == {"reliability": ["Value 'G' is not a valid choice."]}


# --- Influence on one option ------------------------------------------------------------------


def test_an_influence_on_an_option_of_another_topic_is_refused():
    influence = factories.InfluenceFactory()
    influence.option = factories.PolicyOptionFactory()  # of another topic

    with pytest.raises(ValidationError) as error:
        influence.full_clean()

    assert error.value.message_dict == {
        "option": ["The option must be one of the topic's options."]
    }
    influence.option = factories.PolicyOptionFactory(topic=influence.topic)
    influence.full_clean()


def test_an_influence_names_its_scope():
    option = factories.PolicyOptionFactory(title="Transition deal", topic__title="Crisis")
    topic_wide = factories.InfluenceFactory(
        stakeholder__name="Army", topic=option.topic, capability=90
    )
    on_option = factories.InfluenceFactory(
        stakeholder=topic_wide.stakeholder, topic=option.topic, option=option, capability=40
    )
    assert str(topic_wide) == "Army on Crisis: 90 (2019-04-01)"
    assert str(on_option) == "Army on Transition deal: 40 (2019-04-01)"


def test_the_database_keeps_one_influence_per_stakeholder_scope_and_date():
    option = factories.PolicyOptionFactory()
    other_option = factories.PolicyOptionFactory(topic=option.topic)
    topic_wide = factories.InfluenceFactory(topic=option.topic)
    same = {"stakeholder": topic_wide.stakeholder, "topic": option.topic, "as_of": topic_wide.as_of}

    # A topic-wide one and one per option, on the same date: kept.
    factories.InfluenceFactory(**same, option=option)
    factories.InfluenceFactory(**same, option=other_option)
    # A second topic-wide one, or a second one on an option: refused.
    with (
        pytest.raises(IntegrityError, match="influence_once_per_date|UNIQUE"),
        transaction.atomic(),
    ):
        factories.InfluenceFactory(**same)
    with (
        pytest.raises(IntegrityError, match="influence_on_option_once_per_date|UNIQUE"),
        transaction.atomic(),
    ):
        factories.InfluenceFactory(**same, option=option)

    assert models.Influence.objects.filter(stakeholder=topic_wide.stakeholder).count() == 3
    with pytest.raises(ValidationError) as error:
        models.Influence(**same, capability=10).full_clean()
    assert error.value.messages == [
        "This stakeholder already has an influence on this topic at this date."
    ]
    with pytest.raises(ValidationError) as error:
        models.Influence(**same, option=option, capability=10).full_clean()
    assert error.value.messages == [
        "This stakeholder already has an influence on this option at this date."
    ]


def test_an_option_with_influences_cannot_be_deleted():
    option = factories.PolicyOptionFactory()
    influence = factories.InfluenceFactory(topic=option.topic, option=option)

    with pytest.raises(ProtectedError):
        option.delete()
    assert models.Influence.objects.get().option == option == influence.option

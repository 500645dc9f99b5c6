"""Change events derived from writes made through the API, on the seed's Venezuela 2019 data."""

import datetime

import pytest
import tablib
from django.core.management import call_command
from django.db import transaction

from options.models import (
    ChangeEvent,
    Event,
    PolicyOption,
    Position,
    PositionDispute,
    SanctionMeasure,
    Stakeholder,
)
from options.resources import PositionResource
from options.services import audited_write, record_create, record_delete
from options.tracking import derive
from tests import factories

API = "/api/v1"
Type = ChangeEvent.Type


@pytest.fixture
def seed(db):
    call_command("load_seed", stdout=None)


@pytest.fixture
def padrino(seed):
    """The seed without Padrino López's public denunciation: only his expected +1 on the
    transition deal stands."""
    stated = Position.objects.get(
        stakeholder__slug="vladimir-padrino-lopez",
        option__slug="transition-deal-amnesty",
        basis="stated",
    )
    body = {
        "stakeholder": stated.stakeholder_id,
        "option": stated.option_id,
        "stance": -2,
        "basis": "stated",
        "as_of": "2019-04-30",
        "confidence": "high",
        "source": stated.source_id,
        "quote": stated.quote,
    }
    stated.delete()  # outside a write: no events
    return body


def events_of_last_write() -> list[ChangeEvent]:
    last = ChangeEvent.objects.order_by("-id").first()
    assert last is not None, "no change event was recorded"
    return list(ChangeEvent.objects.filter(write=last.write).order_by("id"))


def test_a_stated_position_against_the_expected_one_changes_the_stance_and_diverges(
    padrino, editor_client
):
    response = editor_client.post(f"{API}/positions/", padrino, format="json")
    assert response.status_code == 201, response.content
    position_id = response.json()["id"]

    events = {event.type: event for event in events_of_last_write()}
    # Not forecast.shifted: as Defence Minister he is counted within the armed forces, whose
    # own position stands for him in the forecast (docs/analysis.md, "Folding").
    assert set(events) == {Type.STANCE_CHANGED, Type.DIVERGENCE_APPEARED}

    changed = events[Type.STANCE_CHANGED]
    assert changed.before["stance"] == 1 and changed.before["basis"] == "expected"
    assert changed.after == {
        "stance": -2,
        "basis": "stated",
        "position": position_id,
        "as_of": "2019-04-30",
    }
    assert changed.data["sign_flipped"] is True
    assert changed.position_id == position_id
    assert changed.source_id == padrino["source"]
    assert changed.stakeholder_id == padrino["stakeholder"]
    assert changed.option_id == padrino["option"]
    assert changed.title.startswith("Vladimir Padrino López now strongly opposes Transition deal")
    assert "(sign flipped)" in changed.title
    records = changed.data["records"]
    assert records["topic"]["slug"] == "venezuela-2019"
    assert records["stakeholder"]["name"] == "Vladimir Padrino López"
    assert records["position"]["id"] == position_id
    assert changed.user.username == "editor"

    diverged = events[Type.DIVERGENCE_APPEARED]
    assert diverged.data["bases"] == ["stated", "expected"]
    assert diverged.data["stances"] == [-2, 1]


def test_a_weighty_stakeholder_turning_shifts_the_forecast(seed, editor_client):
    position = Position.objects.get(
        stakeholder__slug="united-states", option__slug="transition-deal-amnesty"
    )
    response = editor_client.post(
        f"{API}/positions/",
        {
            "stakeholder": position.stakeholder_id,
            "option": position.option_id,
            "stance": -2,
            "basis": "revealed",
            "as_of": "2019-05-20",
            "confidence": "high",
            "source": position.source_id,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    [shifted] = [e for e in events_of_last_write() if e.type == Type.FORECAST_SHIFTED]
    assert shifted.option_id == position.option_id
    assert shifted.after["weighted_mean"] < shifted.before["weighted_mean"]
    assert shifted.data["delta"] == pytest.approx(
        shifted.after["weighted_mean"] - shifted.before["weighted_mean"]
    )
    assert shifted.title.startswith("Forecast of Transition deal")


def test_an_older_position_under_a_newer_one_changes_nothing_the_analysis_says(seed, editor_client):
    stated = Position.objects.get(
        stakeholder__slug="vladimir-padrino-lopez",
        option__slug="transition-deal-amnesty",
        basis="stated",
    )
    before = ChangeEvent.objects.count()
    response = editor_client.post(
        f"{API}/positions/",
        {
            "stakeholder": stated.stakeholder_id,
            "option": stated.option_id,
            "stance": 2,
            "basis": "stated",
            "as_of": "2019-01-10",
            "source": stated.source_id,
        },
        format="json",
    )
    assert response.status_code == 201
    assert ChangeEvent.objects.count() == before


def test_a_retraction_is_news_and_moves_the_stance_back(seed, editor_client):
    stated = Position.objects.get(
        stakeholder__slug="vladimir-padrino-lopez",
        option__slug="transition-deal-amnesty",
        basis="stated",
    )
    response = editor_client.patch(
        f"{API}/positions/{stated.pk}/", {"retracted_on": "2019-05-02"}, format="json"
    )
    assert response.status_code == 200, response.content
    events = {event.type: event for event in events_of_last_write()}
    assert Type.POSITION_RETRACTED in events
    assert events[Type.POSITION_RETRACTED].position_id == stated.pk
    changed = events[Type.STANCE_CHANGED]
    assert (changed.before["stance"], changed.after["stance"]) == (-2, 1)
    assert events[Type.DIVERGENCE_RESOLVED].data["bases"] == ["stated", "expected"]


def test_a_failed_write_records_no_event(padrino, editor_client):
    before = ChangeEvent.objects.count()
    response = editor_client.post(f"{API}/positions/", {**padrino, "stance": 7}, format="json")
    assert response.status_code == 400
    with pytest.raises(RuntimeError), transaction.atomic():
        with audited_write():
            Position.objects.create(
                **{
                    "stakeholder_id": padrino["stakeholder"],
                    "option_id": padrino["option"],
                    "stance": -2,
                    "basis": "stated",
                    "as_of": "2019-04-30",
                    "source_id": padrino["source"],
                }
            )
        raise RuntimeError("the caller's transaction rolls back")
    assert ChangeEvent.objects.count() == before


def test_events_certainty_option_status_and_sanctions(seed, editor_client):
    event = Event.objects.filter(certainty="claimed").first()
    response = editor_client.patch(
        f"{API}/events/{event.pk}/", {"certainty": "confirmed"}, format="json"
    )
    assert response.status_code == 200, response.content
    [changed] = events_of_last_write()
    assert changed.type == Type.EVENT_CERTAINTY_CHANGED
    assert (changed.before, changed.after["certainty"]) == ({"certainty": "claimed"}, "confirmed")
    assert changed.event_id == event.pk and changed.topic_id == event.topic_id
    assert set(changed.stakeholder_ids) == set(event.participants.values_list("pk", flat=True))

    option = PolicyOption.objects.get(slug="us-military-intervention")
    response = editor_client.patch(
        f"{API}/options/{option.pk}/", {"status": "rejected"}, format="json"
    )
    assert response.status_code == 200, response.content
    kinds = {e.type: e for e in events_of_last_write()}
    status = kinds[Type.OPTION_STATUS_CHANGED]
    assert status.after == {"status": "rejected"} and status.before["status"] != "rejected"

    measure = SanctionMeasure.objects.filter(effective_date__isnull=True).first()
    if measure is None:
        measure = factories.SanctionMeasureFactory(option__topic=option.topic)
        SanctionMeasure.objects.filter(pk=measure.pk).update(effective_date=None)
    response = editor_client.patch(
        f"{API}/sanction-measures/{measure.pk}/", {"effective_date": "2019-05-10"}, format="json"
    )
    assert response.status_code == 200, response.content
    [imposed] = [e for e in events_of_last_write() if e.type == Type.SANCTION_IMPOSED]
    assert imposed.after["effective_date"] == "2019-05-10"


def test_a_dispute_is_news(seed):
    """Disputes are written in the admin (a position's inline) and imports: through the write
    services, as here."""
    position = Position.objects.get(
        stakeholder__slug="vladimir-padrino-lopez",
        option__slug="transition-deal-amnesty",
        basis="expected",
    )
    maduro = Stakeholder.objects.get(slug="nicolas-maduro")
    record_create(
        PositionDispute,
        fields={
            "position": position,
            "disputed_by": maduro,
            "date": datetime.date(2019, 5, 1),
            "source": position.source,
        },
    )
    [disputed] = events_of_last_write()
    assert disputed.type == Type.POSITION_DISPUTED
    assert disputed.position_id == position.pk
    assert disputed.stakeholder_id == position.stakeholder_id
    assert disputed.data["disputed_by"] == maduro.pk
    assert set(disputed.stakeholder_ids) == {position.stakeholder_id, maduro.pk}
    assert disputed.title.startswith("Nicolás Maduro disputes Vladimir Padrino López's position")


def test_an_import_of_many_positions_makes_one_digest(seed, editor_client):
    option = PolicyOption.objects.get(slug="us-military-intervention")
    stakeholders = Stakeholder.objects.exclude(positions__option=option).order_by("pk")[:12]
    source = option.topic.sources.first() or factories.SourceFactory()
    body = [
        {
            "stakeholder": stakeholder.pk,
            "option": option.pk,
            "stance": 1,
            "basis": "stated",
            "as_of": "2019-05-01",
            "source": source.pk,
        }
        for stakeholder in stakeholders
    ]
    response = editor_client.post(f"{API}/positions/bulk/", body, format="json")
    assert response.status_code == 201, response.content
    events = events_of_last_write()
    [digest] = [e for e in events if e.type == Type.CHANGES_DIGEST]
    others = [e for e in events if e is not digest and e.pk != digest.pk]
    assert all(e.digest_id == digest.pk for e in others)
    assert digest.data["counts"][Type.STANCE_CHANGED] == 12
    assert sum(digest.data["counts"].values()) == len(others)
    assert digest.title.startswith(f"{len(others)} changes on ")


def test_writes_outside_the_topic_of_a_subscription_cost_few_queries(
    padrino, editor_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(60):
        response = editor_client.post(f"{API}/positions/", padrino, format="json")
    assert response.status_code == 201
    with audited_write():
        pass  # an empty write derives nothing
    assert ChangeEvent.objects.filter(write=ChangeEvent.objects.latest("id").write).count() == 2


def test_a_disagreement_that_persists_is_not_news_again(seed, editor_client):
    stated = Position.objects.get(
        stakeholder__slug="vladimir-padrino-lopez",
        option__slug="transition-deal-amnesty",
        basis="stated",
    )
    response = editor_client.patch(f"{API}/positions/{stated.pk}/", {"stance": -1}, format="json")
    assert response.status_code == 200, response.content
    # Stated −1 and expected +1 still disagree: the stance changed, the divergence did not.
    assert [e.type for e in events_of_last_write()] == [Type.STANCE_CHANGED]


def test_a_write_that_deletes_what_it_was_said_of_tells_of_what_is_left(seed):
    """Deleted with its only position, an option leaves no event to tell (its topic is unknown
    by then); the events of what remains keep the ids of the records gone."""
    topic = PolicyOption.objects.get(slug="us-sanctions").topic
    option = PolicyOption.objects.create(topic=topic, slug="short-lived", title="Short-lived")
    source = factories.SourceFactory()
    stakeholder = Stakeholder.objects.get(slug="russia")
    position = Position.objects.create(
        stakeholder=stakeholder,
        option=option,
        stance=2,
        basis="stated",
        as_of=datetime.date(2019, 5, 1),
        source=source,
    )
    before = ChangeEvent.objects.count()
    with audited_write():
        record_delete(position)
        record_delete(option)
        record_delete(source)
    assert ChangeEvent.objects.count() == before
    assert not PolicyOption.objects.filter(slug="short-lived").exists()


def _positions_file(stakeholders, option, source, stance=1) -> tablib.Dataset:
    data = tablib.Dataset(
        headers=["stakeholder", "topic", "option", "stance", "basis", "as_of", "source"]
    )
    for stakeholder in stakeholders:
        data.append(
            [
                stakeholder.slug,
                option.topic.slug,
                option.slug,
                stance,
                "stated",
                "2019-05-01",
                source.slug,
            ]
        )
    return data


@pytest.fixture
def asked(monkeypatch):
    """How many times the analysis was asked for forecasts by the derivation."""
    calls = []
    real = derive.outlooks

    def counted(option_ids, today):
        calls.append(set(option_ids))
        return real(option_ids, today)

    monkeypatch.setattr(derive, "outlooks", counted)
    return calls


def test_an_import_preview_derives_nothing_and_a_confirmed_import_derives_once(seed, asked):
    # Asking the analysis before and after each row made a 1,000-row preview take minutes.
    option = PolicyOption.objects.get(slug="us-military-intervention")
    stakeholders = list(Stakeholder.objects.exclude(positions__option=option).order_by("pk")[:12])
    source = option.topic.sources.first()
    data = _positions_file(stakeholders, option, source)
    events_before = ChangeEvent.objects.count()

    preview = PositionResource().import_data(data, dry_run=True)
    assert not preview.has_errors() and not preview.has_validation_errors()
    assert asked == [] and ChangeEvent.objects.count() == events_before

    result = PositionResource().import_data(data, dry_run=False)
    assert not result.has_errors()
    assert asked == [{option.pk}, {option.pk}]  # before the first row, after the last
    events = events_of_last_write()
    assert len({event.write for event in events}) == 1  # the whole file is one write
    [digest] = [e for e in events if e.type == Type.CHANGES_DIGEST]
    assert digest.data["counts"][Type.STANCE_CHANGED] == 12


def test_an_import_rolled_back_leaves_no_change_event(seed):
    option = PolicyOption.objects.get(slug="us-military-intervention")
    stakeholders = list(Stakeholder.objects.exclude(positions__option=option).order_by("pk")[:3])
    data = _positions_file(stakeholders, option, option.topic.sources.first())
    data.append([stakeholders[0].slug, option.topic.slug, option.slug, 9, "stated", "x", "?"])
    positions, events = Position.objects.count(), ChangeEvent.objects.count()

    result = PositionResource().import_data(data, dry_run=False, rollback_on_validation_errors=True)

    assert result.has_validation_errors()
    assert (Position.objects.count(), ChangeEvent.objects.count()) == (positions, events)

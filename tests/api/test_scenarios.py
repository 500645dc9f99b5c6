"""`POST /api/v1/topics/{id}/scenarios/run/`: what-if scenarios through the API, on the seed."""

import io

import pytest
from django.core.management import call_command

from options.models import ChangeEvent, PolicyOption, Position, Stakeholder, Topic
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed():
    call_command("load_seed", stdout=io.StringIO())
    topic = Topic.objects.get(slug="venezuela-2019")
    options = {o.slug: o for o in PolicyOption.objects.filter(topic=topic)}
    people = {s.slug: s for s in Stakeholder.objects.all()}
    return topic, options, people


def run(client, topic, body):
    return client.post(f"/api/v1/topics/{topic.pk}/scenarios/run/", body, format="json")


def test_anyone_may_run_a_scenario_and_nothing_is_written(api_client, seed):
    topic, options, people = seed
    intervention = options["us-military-intervention"]
    counted = (Position.objects.count(), Position.history.count(), ChangeEvent.objects.count())
    body = {
        "as_of": "2019-05-01",
        "unit": "all",
        "changes": [
            {
                "type": "stance",
                "stakeholder": people["pentagon"].pk,
                "option": intervention.pk,
                "stance": 2,
            },
            {
                "type": "add",
                "name": "Brazil",
                "kind": "state",
                "capability": 60,
                "positions": [{"option": intervention.pk, "stance": -2}],
            },
            {
                "type": "option_status",
                "option": options["negotiation-europeans"].pk,
                "status": "failed",
            },
        ],
    }

    response = run(api_client, topic, body)

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert (answer["as_of"], answer["basis"], answer["unit"]) == ("2019-05-01", "any", "all")
    by_slug = {entry["option"]["slug"]: entry for entry in answer["options"]}
    moved = by_slug["us-military-intervention"]
    assert moved["difference"]["weighted_mean"] == pytest.approx(
        moved["after"]["weighted_mean"] - moved["before"]["weighted_mean"]
    )
    movers = {m["stakeholder"]["display"]: m for m in moved["moved_by"]}
    assert movers["Pentagon"]["shift"] > 0 > movers["Brazil"]["shift"]
    assert movers["Brazil"]["stakeholder"] == {
        "id": -1,
        "url": None,
        "slug": None,
        "display": "Brazil",
        "kind": "state",
        "hypothetical": True,
    }
    assert movers["Pentagon"]["stakeholder"]["url"].endswith(
        f"/stakeholders/{people['pentagon'].pk}/"
    )
    europeans = by_slug["negotiation-europeans"]
    assert (europeans["before"]["status"], europeans["after"]["status"]) == ("proposed", "failed")
    assert europeans["after"]["ranked"] is False
    matrix = answer["stance_matrix_after"]
    column = [o["slug"] for o in matrix["options"]].index("us-military-intervention")
    [brazil] = [r for r in matrix["rows"] if r["stakeholder"]["id"] == -1]
    assert brazil["cells"][column] == {"stance": -2, "basis": "stated", "hypothetical": True}
    assert counted == (
        Position.objects.count(),
        Position.history.count(),
        ChangeEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"type": "stance", "stakeholder": "russia", "stance": 3},
            {"0": {"stance": ["Ensure this value is less than or equal to 2."]}},
        ),
        (
            {"type": "jump"},
            {
                "0": {
                    "type": [
                        "Unknown type 'jump': the types are stance, salience, capability, "
                        "drop, add, option_status."
                    ]
                }
            },
        ),
        (
            {"type": "drop", "stakeholder": 999999},
            {"0": {"stakeholder": ['Invalid pk "999999" - object does not exist.']}},
        ),
        ("drop", {"0": ["Expected an object with a `type`."]}),
        (
            {"type": {}, "option": 1, "status": "proposed"},
            {
                "0": {
                    "type": [
                        "Unknown type {}: the types are stance, salience, capability, drop, "
                        "add, option_status."
                    ]
                }
            },
        ),
    ],
)
def test_a_bad_change_is_a_400_at_its_index(api_client, seed, change, errors):
    topic, _, people = seed
    if isinstance(change, dict) and change.get("stakeholder") == "russia":
        change = {**change, "stakeholder": people["russia"].pk}  # ids differ by database
    response = run(api_client, topic, {"changes": [change]})

    assert response.status_code == 400, response.json()
    assert response.json()["errors"] == {"changes": errors}


def test_an_option_of_another_topic_is_a_400(api_client, seed):
    topic, _, people = seed
    elsewhere = factories.PolicyOptionFactory()
    body = {
        "changes": [
            {"type": "drop", "stakeholder": people["russia"].pk},
            {
                "type": "stance",
                "stakeholder": people["russia"].pk,
                "option": elsewhere.pk,
                "stance": 1,
            },
        ]
    }

    response = run(api_client, topic, body)

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "changes": {"1": {"option": [f"Option {elsewhere.pk} is not an option of this topic."]}}
    }


def test_a_scenario_reads_in_a_fixed_number_of_queries(
    api_client, seed, django_assert_max_num_queries
):
    topic, options, people = seed
    changes = [
        {"type": "salience", "stakeholder": s.pk, "salience": 90}
        for s in list(people.values())[:10]
    ]
    # The topic, each change's stakeholder (10), the snapshot (4), the stakeholders (1).
    with django_assert_max_num_queries(1 + 10 + 4 + 1 + 2):
        response = run(api_client, topic, {"changes": changes})
    assert response.status_code == 200

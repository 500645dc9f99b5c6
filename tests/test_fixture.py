"""The Venezuela 2019 seed: `load_seed` loads it once, `loaddata` can too, and it says what the
seed article says (every quote is verbatim)."""

import datetime
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from options.models import (
    Affiliation,
    Event,
    Influence,
    PolicyOption,
    Position,
    PositionDispute,
    SanctionMeasure,
    Source,
    Stakeholder,
    Topic,
)
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "venezuela-2019.json"
# The article the seed is built from, kept beside the fixture so that the quotes can always be
# checked; the workplace's copy, where there is one, must be the same text.
ARTICLE = Path(settings.BASE_DIR) / "fixtures" / "venezuela-2019.article.txt"
SHARED_ARTICLE = Path(settings.BASE_DIR).parent / "shared" / "seed" / "article.txt"
TOPIC = "venezuela-2019"
SEED_SOURCE = "seed-article"

STAKEHOLDER_SLUGS = [
    "juan-guaido",
    "leopoldo-lopez",
    "nicolas-maduro",
    "vladimir-padrino-lopez",
    "maikel-moreno",
    "diosdado-cabello",
    "edgar-zambrano",
    "john-bolton",
    "mike-pompeo",
    "pentagon",
    "donald-trump",
    "barack-obama",
    "national-assembly",
    "constituent-assembly",
    "supreme-tribunal",
    "sebin",
    "venezuelan-armed-forces",
    "russia",
    "cuba",
    "cuban-intelligence",
    "united-states",
    "us-embassy-caracas",
    "chile",
    "spain",
    "guyana",
    "south-american-states",
    "europeans",
    "florida-cuban-exiles",
    "channel-four-news",
]
OPTIONS = {
    "us-sanctions": ("sanctions", {"in_force"}),
    "negotiation-south-american-group": ("negotiation", None),
    "negotiation-europeans": ("negotiation", None),
    "us-military-intervention": ("military_intervention", {"threatened", "proposed"}),
    "transition-deal-amnesty": ("transition_deal", {"failed"}),
    "call-on-military-to-defect": (None, {"failed"}),
}
APRIL_29 = datetime.date(2019, 4, 29)
APRIL_30 = datetime.date(2019, 4, 30)
MAY_1 = datetime.date(2019, 5, 1)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def options_models():
    """The app's own models, not the audit trail's historical ones."""
    return [
        model
        for model in apps.get_app_config("options").get_models()
        if hasattr(model._meta, "simple_history_manager_attribute")
    ]


def db_counts() -> dict[str, int]:
    return {model._meta.label_lower: model.objects.count() for model in options_models()}


def fixture_counts() -> Counter:
    records = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return Counter(record["model"] for record in records)


@pytest.fixture
def seed():
    run("load_seed")
    return Topic.objects.get(slug=TOPIC)


@pytest.fixture
def article() -> str:
    return ARTICLE.read_text(encoding="utf-8")


def test_the_article_is_the_workplace_copy(article):
    if not SHARED_ARTICLE.is_file():
        pytest.skip(f"No workplace copy at {SHARED_ARTICLE} to compare with.")
    assert article == SHARED_ARTICLE.read_text(encoding="utf-8")


def option(slug) -> PolicyOption:
    return PolicyOption.objects.get(topic__slug=TOPIC, slug=slug)


def positions(stakeholder, option_slug, basis):
    return Position.objects.filter(
        stakeholder__slug=stakeholder,
        option__topic__slug=TOPIC,
        option__slug=option_slug,
        basis=basis,
    )


# --- Loading ----------------------------------------------------------------------------------


def test_load_seed_loads_every_object_of_the_fixture():
    output = run("load_seed")

    assert "Loaded" in output
    assert "positions: " in output
    expected = fixture_counts()
    assert expected["options.position"] > 0
    for label, count in db_counts().items():
        assert count == expected[label], label


def test_load_seed_twice_changes_nothing(seed):
    before = db_counts()
    stances = list(Position.objects.order_by("id").values_list("id", "stance", "updated"))

    output = run("load_seed")

    assert "already loaded, nothing to do" in output
    assert db_counts() == before
    assert list(Position.objects.order_by("id").values_list("id", "stance", "updated")) == stances


def test_load_seed_does_not_touch_existing_data():
    """Positions already in the database keep their ids and values, whatever the pks in the file,
    and an existing stakeholder with a seed slug is reused, not overwritten."""
    existing = [factories.PositionFactory(stance=0, quote=f"existing {n}") for n in range(12)]
    russia = factories.StakeholderFactory(slug="russia", name="Russian Federation", kind="state")

    run("load_seed")

    for position in existing:
        assert Position.objects.get(pk=position.pk).quote == position.quote
    assert Position.objects.count() == len(existing) + fixture_counts()["options.position"]
    russia.refresh_from_db()
    assert russia.name == "Russian Federation"
    [dispute] = PositionDispute.objects.all()
    assert dispute.position.stakeholder == russia
    assert dispute.position.option.slug == "transition-deal-amnesty"


def test_load_seed_refuses_an_invalid_fixture_and_loads_nothing(tmp_path):
    records = json.loads(FIXTURE.read_text(encoding="utf-8"))
    next(r for r in records if r["model"] == "options.position")["fields"]["stance"] = 5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(CommandError, match="stance"):
        run("load_seed", "--file", str(bad))
    assert db_counts() == dict.fromkeys(db_counts(), 0)


def test_load_seed_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("load_seed", "--file", str(tmp_path / "nope.json"))


def test_loaddata_loads_the_fixture_into_an_empty_database():
    call_command("loaddata", str(FIXTURE), stdout=io.StringIO())

    expected = fixture_counts()
    for label, count in db_counts().items():
        assert count == expected[label], label


def test_fixture_file_is_indented_utf8_with_natural_keys():
    text = FIXTURE.read_text(encoding="utf-8")
    assert "Guaidó" in text  # real accented characters, not \u escapes
    assert text.startswith('[\n  {\n    "model"')
    for record in json.loads(text):
        assert ("pk" in record) == (record["model"] == "options.position"), record


def test_every_object_passes_full_clean(seed):
    for model in options_models():
        for obj in model.objects.all():
            obj.full_clean()


# --- Evidence ---------------------------------------------------------------------------------


def test_every_quote_is_verbatim_from_the_article(seed, article):
    quoted = [
        *Position.objects.all(),
        *Affiliation.objects.all(),
        *SanctionMeasure.objects.all(),
        *PositionDispute.objects.all(),
    ]
    assert quoted
    for obj in quoted:
        assert obj.quote in article, f"{obj._meta.label} {obj}: {obj.quote!r}"


def test_every_position_has_a_quote_and_a_summary(seed):
    assert not Position.objects.filter(quote="").exists()
    assert not Position.objects.filter(summary="").exists()


def test_every_cited_source_is_cited_in_the_article(seed):
    article_source = Source.objects.get(slug=SEED_SOURCE)
    assert article_source.cited_in is None
    cited = set()
    for model in (Position, Affiliation, SanctionMeasure, PositionDispute, Influence):
        cited.update(model.objects.exclude(source=None).values_list("source", flat=True))
    for model in (Topic, Stakeholder, PolicyOption, Event):
        cited.update(model.objects.exclude(sources=None).values_list("sources", flat=True))
    others = Source.objects.filter(pk__in=cited).exclude(pk=article_source.pk)
    assert others.exists()
    for source in others:
        assert source.cited_in == article_source, source.slug
    assert set(Source.objects.values_list("pk", flat=True)) == cited


# --- Facts ------------------------------------------------------------------------------------


def test_topic(seed):
    assert seed.country == "VE"
    assert "Venezuela" in seed.title
    assert list(seed.sources.values_list("slug", flat=True)) == [SEED_SOURCE]


def test_every_listed_stakeholder_exists(seed):
    slugs = set(Stakeholder.objects.values_list("slug", flat=True))
    assert set(STAKEHOLDER_SLUGS) <= slugs
    assert Stakeholder.objects.get(slug="channel-four-news").kind == "media"
    assert Stakeholder.objects.get(slug="south-american-states").country == ""


@pytest.mark.parametrize(("slug", "expected"), OPTIONS.items())
def test_every_listed_option_exists(seed, slug, expected):
    kind, statuses = expected
    found = option(slug)
    if kind:
        assert found.kind == kind
    if statuses:
        assert found.status in statuses


def test_padrino_was_expected_to_back_the_deal_and_denounced_it(seed):
    [expected] = positions("vladimir-padrino-lopez", "transition-deal-amnesty", "expected")
    [stated] = positions("vladimir-padrino-lopez", "transition-deal-amnesty", "stated")
    assert (expected.stance, expected.as_of) == (1, APRIL_29)
    assert expected.as_of_precision in {"day", "month"}
    assert (stated.stance, stated.as_of, stated.as_of_precision) == (-2, APRIL_30, "day")
    [moreno] = positions("maikel-moreno", "transition-deal-amnesty", "expected")
    assert moreno.stance == 1


def test_channel_four_reports_bolton_for_and_the_pentagon_against_intervention(seed):
    [bolton] = positions("john-bolton", "us-military-intervention", "reported")
    [pentagon] = positions("pentagon", "us-military-intervention", "reported")
    assert (bolton.stance, pentagon.stance) == (2, -2)
    for position in (bolton, pentagon):
        assert position.reported_by.slug == "channel-four-news"
        assert position.source.publisher == "Channel Four News"
        assert position.source.cited_in.slug == SEED_SOURCE


def test_pompeo_said_military_action_was_possible_on_1_may(seed):
    [pompeo] = positions("mike-pompeo", "us-military-intervention", "stated")
    assert (pompeo.stance, pompeo.as_of, pompeo.as_of_precision) == (1, MAY_1, "day")
    [south_americans] = positions("south-american-states", "us-military-intervention", "stated")
    assert south_americans.stance < 0


def test_only_reported_positions_name_who_reported_them(seed):
    assert not Position.objects.exclude(basis="reported").exclude(reported_by=None).exists()


def test_russia_denies_what_bolton_reports(seed):
    [dispute] = PositionDispute.objects.all()
    assert dispute.disputed_by.slug == "russia"
    assert dispute.position.reported_by.slug == "john-bolton"
    assert dispute.date >= dispute.position.as_of


def test_la_carlota_uprising(seed):
    event = Event.objects.get(topic=seed, slug="la-carlota-uprising")
    assert (event.date, event.date_precision, event.certainty) == (APRIL_30, "day", "confirmed")
    assert {"juan-guaido", "leopoldo-lopez"} <= set(
        event.participants.values_list("slug", flat=True)
    )
    assert "call-on-military-to-defect" in event.options.values_list("slug", flat=True)


def test_the_aeroplane_story_is_claimed_by_bolton_and_denied_by_russia(seed):
    [event] = Event.objects.filter(
        topic=seed, claimed_by__slug="john-bolton", denied_by__slug="russia"
    )
    assert event.certainty in {"denied", "disputed"}
    assert "Cuba" in event.description


def test_lopez_takes_refuge_in_the_chilean_then_spanish_embassy(seed):
    [event] = Event.objects.filter(topic=seed, participants__slug="chile")
    assert {"leopoldo-lopez", "spain"} <= set(event.participants.values_list("slug", flat=True))


def test_affiliations(seed):
    def roles(subject, kind, obj):
        return set(
            Affiliation.objects.filter(
                subject__slug=subject, kind=kind, object__slug=obj
            ).values_list("role", flat=True)
        )

    assert "Defence Minister" in roles(
        "vladimir-padrino-lopez", "holds_post_in", "venezuelan-government"
    )
    assert roles("maikel-moreno", "leads", "supreme-tribunal")
    assert roles("diosdado-cabello", "leads", "constituent-assembly")
    assert roles("juan-guaido", "leads", "national-assembly")
    assert "National Security Advisor" in roles("john-bolton", "holds_post_in", "united-states")
    assert "Secretary of State" in roles("mike-pompeo", "holds_post_in", "united-states")


def test_influences(seed):
    influences = Influence.objects.filter(topic=seed)
    assert influences.count() >= 5
    assert all(influence.rationale and influence.source for influence in influences)
    armed_forces = influences.get(stakeholder__slug="venezuelan-armed-forces")
    assert armed_forces.capability > influences.get(stakeholder__slug="juan-guaido").capability


# --- Through the API --------------------------------------------------------------------------


def padrino_on_the_deal(topic: Topic, as_of: str) -> dict:
    response = APIClient().get(f"/api/v1/topics/{topic.pk}/stance-matrix/?as_of={as_of}")
    assert response.status_code == 200
    body = response.json()
    column = [o["slug"] for o in body["options"]].index("transition-deal-amnesty")
    [row] = [r for r in body["rows"] if r["stakeholder"]["slug"] == "vladimir-padrino-lopez"]
    return row["cells"][column]


def test_stance_matrix_shows_padrino_turn_against_the_deal(seed):
    before = padrino_on_the_deal(seed, "2019-04-29")
    assert (before["stance"], before["basis"], before["divergent"]) == (1, "expected", False)

    after = padrino_on_the_deal(seed, "2019-05-01")
    assert (after["stance"], after["basis"], after["divergent"]) == (-2, "stated", True)
    assert after["stances"] == {"stated": -2, "expected": 1}


def test_intervention_forecast_on_1_may_matches_the_hand_calculation(seed):
    """The worked example of docs/analysis.md: Pentagon −2 (weight 50 × 50), Pompeo +1
    (50 × 50), Bolton +2 (50 × 80); every capability and two saliences defaulted."""
    intervention = option("us-military-intervention")

    body = APIClient().get(f"/api/v1/options/{intervention.pk}/forecast/?as_of=2019-05-01").json()

    assert (body["counted"], body["total_weight"]) == (3, 9000)
    assert (body["defaulted"], body["defaulted_capability"], body["defaulted_salience"]) == (
        3,
        3,
        2,
    )
    assert body["weighted_mean"] == pytest.approx((2500 * -2 + 2500 * 1 + 4000 * 2) / 9000)
    assert body["weighted_median"] == 1
    assert body["support_share"] == pytest.approx(6500 / 9000)
    assert body["oppose_share"] == pytest.approx(2500 / 9000)
    assert body["neutral_share"] == 0
    assert sorted(s["slug"] for s in body["pivotal"]) == ["john-bolton", "mike-pompeo", "pentagon"]

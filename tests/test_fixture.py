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
    "sebin-officers",
    "venezuelan-national-guard",
    "national-guard-officers",
    "venezuelan-armed-forces",
    "russia",
    "cuba",
    "cuban-intelligence",
    "united-states",
    "us-embassy",
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
MAY_10 = datetime.date(2019, 5, 10)
# The article's own reports have no reporter: its author is not named.
ARTICLE_REPORTS = (
    "The article reports it (its author is not named, so no stakeholder reports it), as of its "
    "writing (about 10 May 2019, hence month precision)."
)
BEFORE_THE_UPRISING = (
    "Held before the 30 April 2019 uprising (the article's 'last week'); the secret meetings are "
    "not dated, hence the month precision."
)
ANALYST_ESTIMATE = "Analyst's estimate (the article gives no figure): "


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


def position_values(position: Position) -> dict:
    """Everything a position says, its related objects by slug."""
    return {
        "stakeholder": position.stakeholder.slug,
        "option": position.option.slug,
        "stance": position.stance,
        "basis": position.basis,
        "reported_by": position.reported_by.slug if position.reported_by else None,
        "as_of": position.as_of,
        "as_of_precision": position.as_of_precision,
        "salience": position.salience,
        "confidence": position.confidence,
        "source": position.source.slug,
        "quote": position.quote,
        "summary": position.summary,
        "notes": position.notes,
        "retracted_on": position.retracted_on,
    }


def affiliation_values(affiliation: Affiliation) -> dict:
    """Everything an affiliation says, its related objects by slug."""
    return {
        "subject": affiliation.subject.slug,
        "kind": affiliation.kind,
        "object": affiliation.object.slug,
        "role": affiliation.role,
        "start_date": affiliation.start_date,
        "end_date": affiliation.end_date,
        "source": affiliation.source.slug if affiliation.source else None,
        "quote": affiliation.quote,
        "notes": affiliation.notes,
    }


def affiliation(subject, kind, obj) -> Affiliation:
    return Affiliation.objects.get(subject__slug=subject, kind=kind, object__slug=obj)


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
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
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
    [south_americans] = positions("south-american-states", "us-military-intervention", "reported")
    assert south_americans.stance < 0


def test_only_reported_positions_name_who_reported_them(seed):
    assert not Position.objects.exclude(basis="reported").exclude(reported_by=None).exists()


def test_russia_denies_what_bolton_reports(seed):
    [dispute] = PositionDispute.objects.all()
    assert dispute.disputed_by.slug == "russia"
    assert (dispute.position.stakeholder.slug, dispute.position.option.slug) == (
        "russia",
        "transition-deal-amnesty",
    )
    assert dispute.position.basis == "reported"
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
    influences = Influence.objects.filter(topic=seed, option=None)
    assert influences.count() >= 5
    assert all(influence.rationale and influence.source for influence in influences)
    armed_forces = influences.get(stakeholder__slug="venezuelan-armed-forces")
    assert armed_forces.capability > influences.get(stakeholder__slug="juan-guaido").capability


# --- The analyst's review of the seed against the article ---------------------------------------


def test_south_american_states_guyana_and_exiles_are_reported_by_the_article(seed):
    common = {
        "option": "us-military-intervention",
        "basis": "reported",
        "reported_by": None,
        "as_of": MAY_10,
        "as_of_precision": "month",
        "source": SEED_SOURCE,
        "notes": ARTICLE_REPORTS,
        "retracted_on": None,
    }
    [south_americans] = positions("south-american-states", "us-military-intervention", "reported")
    assert position_values(south_americans) == {
        **common,
        "stakeholder": "south-american-states",
        "stance": -2,
        "salience": 80,
        "confidence": "medium",
        "quote": "do not want the US to intervene militarily in Venezuela",
        "summary": (
            "The article reports that the South American states do not want the US to intervene "
            "militarily in Venezuela."
        ),
    }
    [guyana] = positions("guyana", "us-military-intervention", "reported")
    assert position_values(guyana) == {
        **common,
        "stakeholder": "guyana",
        "stance": -2,
        "salience": 90,
        "confidence": "medium",
        "quote": (
            "Guyana has a particular interest in this for obvious reasons – do not want the US to "
            "intervene militarily in Venezuela"
        ),
        "summary": (
            "The article counts Guyana among the South American states that do not want the US "
            "to intervene militarily, with a particular interest in the matter."
        ),
    }
    [exiles] = positions("florida-cuban-exiles", "us-military-intervention", "reported")
    assert position_values(exiles) == {
        **common,
        "stakeholder": "florida-cuban-exiles",
        "stance": 1,
        "salience": None,
        "confidence": "low",
        "quote": (
            "takes a belligerent line on Venezuela, and would have no qualms about the current "
            "administration there being removed by less benign methods than negotiation"
        ),
        "summary": (
            "The article reports that the community takes a belligerent line on Venezuela and "
            "would have no qualms about Maduro’s administration being removed by less benign "
            "methods than negotiation."
        ),
    }
    for slug in ("south-american-states", "guyana", "florida-cuban-exiles"):
        assert (
            not Position.objects.filter(stakeholder__slug=slug)
            .exclude(basis__in=["reported", "expected"])
            .exists()
        ), slug


def test_national_guard_and_sebin_positions_are_their_officers(seed):
    guard_officers = Stakeholder.objects.get(slug="national-guard-officers")
    assert (
        guard_officers.name,
        guard_officers.kind,
        guard_officers.country.code,
        guard_officers.aliases,
        guard_officers.description,
        list(guard_officers.sources.values_list("slug", flat=True)),
    ) == (
        "National Guard officers",
        "armed_forces",
        "VE",
        [],
        "A number of National Guard officers who stood with Guaidó and Leopoldo López outside La "
        "Carlota airforce base on 30 April 2019, when they called on the military to desert "
        "Maduro. The article does not say how many they were, nor speak for the National Guard "
        "as a whole.",
        [SEED_SOURCE],
    )
    sebin_officers = Stakeholder.objects.get(slug="sebin-officers")
    assert (
        sebin_officers.name,
        sebin_officers.kind,
        sebin_officers.country.code,
        sebin_officers.aliases,
        sebin_officers.description,
        list(sebin_officers.sources.values_list("slug", flat=True)),
    ) == (
        "Sebin officers",
        "armed_forces",
        "VE",
        [],
        "The officers of Sebin, Maduro’s most feared intelligence service, who released Leopoldo "
        "López from house arrest at the start of the 30 April 2019 attempt. The article does not "
        "speak for Sebin as a whole.",
        [SEED_SOURCE],
    )

    common = {
        "option": "call-on-military-to-defect",
        "stance": 1,
        "basis": "revealed",
        "reported_by": None,
        "as_of": APRIL_30,
        "as_of_precision": "day",
        "salience": None,
        "confidence": "low",
        "source": SEED_SOURCE,
        "retracted_on": None,
    }
    [guard] = Position.objects.filter(stakeholder=guard_officers)
    assert position_values(guard) == {
        **common,
        "stakeholder": "national-guard-officers",
        "quote": "in the company of Mr Leopoldo López and a number of National Guard officers",
        "summary": (
            "A number of National Guard officers stood with Guaidó outside La Carlota when he "
            "called on the military to desert Maduro."
        ),
        "notes": (
            "The officers’ position, not the National Guard’s: the article says nothing of the "
            "Guard as a whole."
        ),
    }
    [sebin] = Position.objects.filter(stakeholder=sebin_officers)
    assert position_values(sebin) == {
        **common,
        "stakeholder": "sebin-officers",
        "quote": "Mr López was released from house arrest by the officers of Sebin",
        "summary": (
            "The officers of Sebin released López from house arrest at the start of the attempt."
        ),
        "notes": (
            "The officers’ position, not Sebin’s: the article says nothing of the service as a "
            "whole."
        ),
    }
    assert not Position.objects.filter(
        stakeholder__slug__in=["venezuelan-national-guard", "sebin"]
    ).exists()

    membership = {"kind": "member_of", "role": "Officers", "start_date": None, "end_date": None}
    membership |= {"source": SEED_SOURCE, "notes": ""}
    assert affiliation_values(
        affiliation("national-guard-officers", "member_of", "venezuelan-national-guard")
    ) == {
        **membership,
        "subject": "national-guard-officers",
        "object": "venezuelan-national-guard",
        "quote": "a number of National Guard officers",
    }
    assert affiliation_values(affiliation("sebin-officers", "member_of", "sebin")) == {
        **membership,
        "subject": "sebin-officers",
        "object": "sebin",
        "quote": "the officers of Sebin",
    }

    # They, not the institutions, took part in the events.
    def roles(event):
        return set(
            Event.objects.get(topic=seed, slug=event).participations.values_list(
                "stakeholder__slug", "role"
            )
        )

    assert ("national-guard-officers", "Accompanied Guaidó outside La Carlota") in roles(
        "la-carlota-uprising"
    )
    assert roles("lopez-released-by-sebin") == {
        ("leopoldo-lopez", "Released from house arrest"),
        ("sebin-officers", "Released López from house arrest"),
    }


def test_the_embassy_is_called_what_the_article_calls_it(seed, article):
    assert "The Americans of course through their embassy" in article
    assert not Stakeholder.objects.filter(slug="us-embassy-caracas").exists()
    embassy = Stakeholder.objects.get(slug="us-embassy")
    assert (embassy.name, embassy.kind, embassy.country.code, embassy.description) == (
        "US embassy",
        "government_body",
        "US",
        "The embassy through which the Americans warned that Maduro and his accomplices are "
        "directly responsible for Zambrano’s security. The article does not say where it is.",
    )
    assert affiliation_values(affiliation("us-embassy", "member_of", "united-states")) == {
        "subject": "us-embassy",
        "kind": "member_of",
        "object": "united-states",
        "role": "Embassy",
        "start_date": None,
        "end_date": None,
        "source": SEED_SOURCE,
        "quote": "The Americans of course through their embassy",
        "notes": "",
    }
    warning = Event.objects.get(topic=seed, slug="us-embassy-zambrano-warning")
    assert set(warning.participations.values_list("stakeholder__slug", "role")) == {
        ("us-embassy", "Issued the warning"),
        ("united-states", "Warned of consequences through its embassy"),
    }
    source = Source.objects.get(slug="us-embassy-zambrano-warning")
    assert (source.title, source.publisher) == (
        "US embassy warning on the detention of Zambrano",
        "US embassy",
    )
    seed_text = FIXTURE.read_text(encoding="utf-8")
    assert "embassy in Caracas" not in seed_text
    assert "us-embassy-caracas" not in seed_text


def test_padrino_affiliation_note_doubts_the_military_would_comply(seed, article):
    doubt = (
        "It is possible that when the chips were down General Padrino thought that even if he "
        "declared for the National Assembly and ordered the military heads to follow suit, they "
        "would not all necessarily comply."
    )
    assert doubt in article
    assert affiliation_values(
        affiliation("vladimir-padrino-lopez", "holds_post_in", "venezuelan-armed-forces")
    ) == {
        "subject": "vladimir-padrino-lopez",
        "kind": "holds_post_in",
        "object": "venezuelan-armed-forces",
        "role": "General",
        "start_date": None,
        "end_date": None,
        "source": SEED_SOURCE,
        "quote": "General Padrino",
        "notes": (
            "The article doubts that the military heads would all have complied had he ordered "
            f"them to follow him: “{doubt}”"
        ),
    }


def test_capabilities_say_they_are_analyst_estimates(seed):
    rationales = {
        "venezuelan-armed-forces": "the whole plan hinged on the military deserting Maduro; "
        "when it did not, the attempt failed within hours.",
        "nicolas-maduro": "holds Miraflores, is backed by the Constituent Assembly and his "
        "“loyal” commanders, and reasserted himself after 30 April.",
        "vladimir-padrino-lopez": "as Defence Minister his declaration would have cleared the "
        "way for the military to back the National Assembly; his denunciation ended the attempt.",
        "united-states": "imposes sanctions, knew of the plan from its planning stage and talks "
        "of military action, but the failure of 30 April was also its failure.",
        "maikel-moreno": "as President of the Supreme Tribunal, his declaring the Constituent "
        "Assembly illegitimate was to start the transition.",
        "juan-guaido": "heads the National Assembly and is recognised by many as interim "
        "president, but could not carry the military.",
        "russia": "Bolton says the Russians dissuaded Maduro from leaving; they deny it.",
        "diosdado-cabello": "heads the Constituent Assembly, which strips opposition deputies of "
        "immunity.",
        "cuban-intelligence": "the military is reported to be under constant surveillance by the "
        "Cubans, who have decades of experience at repression.",
        "leopoldo-lopez": "leader of Guaidó’s party and the country’s most famous political "
        "prisoner; his appearance may have unnerved the military, which does not trust him.",
    }
    topic_wide = Influence.objects.filter(topic=seed, option=None)
    assert {
        i.stakeholder.slug: (i.capability, i.as_of, i.rationale, i.source.slug) for i in topic_wide
    } == {
        slug: (capability, APRIL_29, ANALYST_ESTIMATE + rationales[slug], SEED_SOURCE)
        for slug, capability in {
            "venezuelan-armed-forces": 90,
            "nicolas-maduro": 80,
            "vladimir-padrino-lopez": 75,
            "united-states": 70,
            "maikel-moreno": 50,
            "juan-guaido": 45,
            "russia": 45,
            "diosdado-cabello": 40,
            "cuban-intelligence": 35,
            "leopoldo-lopez": 30,
        }.items()
    }
    for influence in Influence.objects.all():
        assert influence.rationale.startswith(ANALYST_ESTIMATE), influence
        assert "(seed article)" not in influence.rationale, influence


def test_every_source_is_graded(seed):
    grades = {
        source.slug: (source.reliability, source.notes.rsplit(". ", 1)[-1])
        for source in Source.objects.all()
    }
    assert grades == {
        SEED_SOURCE: (
            "C",
            "Graded C (fairly reliable) by the analyst: an unsigned analysis piece, which hedges "
            "its claims.",
        ),
        "washington-post-secret-negotiations": (
            "B",
            "Graded B (usually reliable) by the analyst: a usually reliable paper, but known only "
            "second hand, through the seed article.",
        ),
        "bolton-statements-2019": (
            "D",
            "Graded D (not usually reliable) by the analyst: Bolton is a party to the events he "
            "describes, and the Russians deny his story.",
        ),
        "channel-four-news-bolton-meeting": (
            "B",
            "Graded B (usually reliable) by the analyst: an established British news "
            "broadcaster, but known only second hand, through the seed article.",
        ),
        "reuters-zambrano-detention": (
            "B",
            "Graded B (usually reliable) by the analyst: a usually reliable news agency, but "
            "known only second hand, through the seed article.",
        ),
        "us-embassy-zambrano-warning": (
            "B",
            "Graded B (usually reliable) by the analyst: an official statement, reliable as to "
            "what the embassy said (not as to the truth of its claims).",
        ),
    }
    # The grade is added to the notes, which keep what they said.
    assert Source.objects.get(slug=SEED_SOURCE).notes.startswith(
        "The seed article of the Venezuela 2019 topic."
    )


def test_maduro_was_expected_to_leave(seed):
    [expected] = positions("nicolas-maduro", "transition-deal-amnesty", "expected")
    assert position_values(expected) == {
        "stakeholder": "nicolas-maduro",
        "option": "transition-deal-amnesty",
        "stance": 1,
        "basis": "expected",
        "reported_by": None,
        "as_of": APRIL_29,
        "as_of_precision": "month",
        "salience": 100,
        "confidence": "low",
        "source": "washington-post-secret-negotiations",
        "quote": "his response would be to leave Venezuela",
        "summary": (
            "Under the deal, once Padrino López and Moreno had spoken out against him, Maduro was "
            "expected to respond by leaving Venezuela: to go along with the transition."
        ),
        "notes": (
            f"{BEFORE_THE_UPRISING} The expectation of the deal’s makers, in the Washington "
            "Post’s account; not a commitment of Maduro’s, who did not leave."
        ),
        "retracted_on": None,
    }
    # What he did instead, the next day.
    [revealed] = positions("nicolas-maduro", "transition-deal-amnesty", "revealed")
    assert (revealed.stance, revealed.as_of) == (-2, APRIL_30)


def test_senior_military_were_expected_to_back_the_national_assembly(seed):
    expected = positions("venezuelan-armed-forces", "transition-deal-amnesty", "expected")
    [before] = expected.filter(as_of=APRIL_29)
    assert position_values(before) == {
        "stakeholder": "venezuelan-armed-forces",
        "option": "transition-deal-amnesty",
        "stance": 1,
        "basis": "expected",
        "reported_by": None,
        "as_of": APRIL_29,
        "as_of_precision": "month",
        "salience": 80,
        "confidence": "low",
        "source": "bolton-statements-2019",
        "quote": "senior members of the military to declare their loyalty to the National Assembly",
        "summary": (
            "According to Bolton, once Moreno had declared the Constituent Assembly illegitimate, "
            "the Defence Minister and senior members of the military were to declare their "
            "loyalty to the National Assembly."
        ),
        "notes": (
            f"{BEFORE_THE_UPRISING} Bolton’s account of the plan, as the article reports it; the "
            "senior military did not do so on 30 April."
        ),
        "retracted_on": None,
    }
    # The article's later expectation, as of its writing, is the other way.
    [after] = expected.exclude(pk=before.pk)
    assert (after.stance, after.as_of, after.source.slug) == (-1, MAY_10, SEED_SOURCE)


def test_cuba_watches_maduros_military(seed):
    surveillance = (
        "has been reported to be under constant surveillance by the Cubans, who have decades of "
        "experience at repression"
    )
    assert affiliation_values(affiliation("cuba", "backs", "nicolas-maduro")) == {
        "subject": "cuba",
        "kind": "backs",
        "object": "nicolas-maduro",
        "role": "",
        "start_date": None,
        "end_date": None,
        "source": SEED_SOURCE,
        "quote": surveillance,
        "notes": (
            "The article’s report (it does not say by whom) that the Cubans keep Maduro’s "
            "military under constant watch, one of the reasons it gives for the military not "
            "deserting him."
        ),
    }
    [position] = Position.objects.filter(stakeholder__slug="cuba")
    assert position_values(position) == {
        "stakeholder": "cuba",
        "option": "call-on-military-to-defect",
        "stance": -2,
        "basis": "reported",
        "reported_by": None,
        "as_of": MAY_10,
        "as_of_precision": "month",
        "salience": None,
        "confidence": "low",
        "source": SEED_SOURCE,
        "quote": surveillance.removeprefix("has been reported to be "),
        "summary": (
            "The article reports that the military is under constant surveillance by the Cubans, "
            "who have decades of experience at repression: Cuba works against the military "
            "deserting Maduro."
        ),
        "notes": (
            "The article reports it without saying by whom (its author is not named, so no "
            "stakeholder reports it), as of its writing (about 10 May 2019, hence month "
            "precision)."
        ),
        "retracted_on": None,
    }


def test_the_trump_administration_commits_to_removing_maduro(seed, article):
    commitment = (
        "Once the Trump administration has committed itself to seeing Mr Maduro off the "
        "political stage in Caracas, all its best efforts cannot be seen to fizzle out in failure."
    )
    assert commitment in article
    event = Event.objects.get(topic=seed, slug="trump-administration-commits-to-removing-maduro")
    assert {
        "title": event.title,
        "description": event.description,
        "date": event.date,
        "date_precision": event.date_precision,
        "location": event.location,
        "certainty": event.certainty,
        "participants": set(event.participations.values_list("stakeholder__slug", "role")),
        "options": set(event.options.values_list("slug", flat=True)),
        "sources": list(event.sources.values_list("slug", flat=True)),
        "claimed_by": list(event.claimed_by.all()),
        "denied_by": list(event.denied_by.all()),
    } == {
        "title": "The Trump administration commits itself to Maduro’s removal",
        "description": (
            f"The article: “{commitment}” It does not date the commitment, which came before the "
            "article (about 10 May 2019), hence the year precision. It warns that Washington "
            "could be cornered into a military intervention, and that empty threats reveal "
            "weakness."
        ),
        "date": MAY_10,
        "date_precision": "year",
        "location": "",
        "certainty": "confirmed",
        "participants": {
            (
                "united-states",
                "Its administration committed itself to seeing Maduro off the political stage",
            ),
            ("donald-trump", "President; his administration committed itself to Maduro’s removal"),
        },
        "options": {"us-military-intervention", "us-sanctions"},
        "sources": [SEED_SOURCE],
        "claimed_by": [],
        "denied_by": [],
    }


def test_the_russian_denial_is_dated_to_the_month(seed):
    [dispute] = PositionDispute.objects.all()
    assert {
        "position": {
            key: position_values(dispute.position)[key]
            for key in ("stakeholder", "option", "basis", "reported_by", "as_of")
        },
        "disputed_by": dispute.disputed_by.slug,
        "date": dispute.date,
        "date_precision": dispute.date_precision,
        "source": dispute.source.slug,
        "quote": dispute.quote,
        "notes": dispute.notes,
    } == {
        "position": {
            "stakeholder": "russia",
            "option": "transition-deal-amnesty",
            "basis": "reported",
            "reported_by": "john-bolton",
            "as_of": APRIL_30,
        },
        "disputed_by": "russia",
        "date": MAY_1,
        "date_precision": "month",
        "source": SEED_SOURCE,
        "quote": "the Russians, of course, have denied the story",
        "notes": (
            "The article does not date the denial, only that it came after Bolton’s claim of 30 "
            "April and before the article (about 10 May 2019): May 2019, hence the month "
            "precision (1 May is the estimate)."
        ),
    }


def test_the_pentagon_is_part_of_the_united_states(seed):
    assert affiliation_values(affiliation("pentagon", "member_of", "united-states")) == {
        "subject": "pentagon",
        "kind": "member_of",
        "object": "united-states",
        "role": "",
        "start_date": None,
        "end_date": None,
        "source": SEED_SOURCE,
        "quote": (
            "at a meeting involving Mr Bolton, Secretary of State Mike Pompeo and someone from "
            "the Pentagon"
        ),
        "notes": (
            "The article presents the Pentagon as one of the US administration’s voices at the "
            "meeting with Bolton and Pompeo, which Channel Four reported."
        ),
    }


def test_the_united_states_can_carry_out_an_intervention(seed):
    [influence] = Influence.objects.exclude(option=None)
    assert {
        "stakeholder": influence.stakeholder.slug,
        "topic": influence.topic.slug,
        "option": influence.option.slug,
        "capability": influence.capability,
        "as_of": influence.as_of,
        "rationale": influence.rationale,
        "source": influence.source.slug,
    } == {
        "stakeholder": "united-states",
        "topic": TOPIC,
        "option": "us-military-intervention",
        "capability": 90,
        "as_of": APRIL_29,
        "rationale": (
            f"{ANALYST_ESTIMATE}it would carry out an intervention, which its officials debate "
            "(Bolton for, the Pentagon against; Pompeo says military action is possible)."
        ),
        "source": SEED_SOURCE,
    }
    # It overrides, on this option only, the topic-wide capability.
    topic_wide = Influence.objects.get(stakeholder__slug="united-states", option=None)
    assert topic_wide.capability == 70

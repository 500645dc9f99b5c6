"""The read-only pages: the topic list, the topic page, the stance matrix SVG and a stakeholder's
positions over time."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from knox.models import AuthToken

from options import figures
from options.models import Stakeholder
from tests import factories

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
APRIL_29, APRIL_30 = datetime.date(2019, 4, 29), datetime.date(2019, 4, 30)


def build_crisis():
    """A topic with every mark a page shows, as of 10 May 2019:

    - the minister was expected to back the deal (+1, 29 Apr), then denounced it (stated −2,
      30 Apr): a change across bases; a newer but weaker guess (expected 0, low confidence,
      4 May) does not replace the stated position, and diverges from it;
    - the ally backed the deal (+2, 29 Apr) and retracted that on 3 May;
    - the hawk is reported to back an intervention in April 2019 (known to the month, stored as
      20 April), with low confidence and no salience: the page says "Apr 2019", never "20 Apr";
    - the dove opposes it (−1, 1 May), which Russia disputes on 2 May;
    - the old plan has ended: not ranked. The intervention's supporters hold no rated capability:
      not ranked either, and counted with default capabilities.
    """
    topic = factories.TopicFactory(slug="crisis", title="The crisis")
    deal = factories.PolicyOptionFactory(topic=topic, slug="deal", title="Deal")
    intervention = factories.PolicyOptionFactory(
        topic=topic, slug="intervention", title="Intervention"
    )
    old_plan = factories.PolicyOptionFactory(
        topic=topic, slug="old-plan", title="Old plan", status="ended"
    )
    minister, ally, hawk, dove = (
        factories.StakeholderFactory(slug=name.lower(), name=name)
        for name in ("Minister", "Ally", "Hawk", "Dove")
    )
    russia = factories.StakeholderFactory(slug="russia", name="Russia", kind="state")
    government = factories.StakeholderFactory(
        slug="government", name="Government", kind="government_body"
    )
    factories.AffiliationFactory(
        subject=minister, kind="holds_post_in", object=government, role="Defence Minister"
    )
    report = factories.SourceFactory(title="The report", url="https://example.org/report")
    for stakeholder, capability in ((minister, 60), (ally, 40)):
        factories.InfluenceFactory(stakeholder=stakeholder, topic=topic, capability=capability)
    factories.PositionFactory(
        stakeholder=minister, option=deal, stance=1, basis="expected", as_of=APRIL_29, source=report
    )
    factories.PositionFactory(
        stakeholder=minister,
        option=deal,
        stance=-2,
        basis="stated",
        as_of=APRIL_30,
        source=report,
        quote="denounced the coup",
    )
    factories.PositionFactory(
        stakeholder=minister,
        option=deal,
        stance=0,
        basis="expected",
        confidence="low",
        as_of=datetime.date(2019, 5, 4),
    )
    factories.PositionFactory(
        stakeholder=ally,
        option=deal,
        stance=2,
        as_of=APRIL_29,
        retracted_on=datetime.date(2019, 5, 3),
    )
    factories.PositionFactory(stakeholder=ally, option=old_plan, stance=1, as_of=APRIL_29)
    factories.PositionFactory(
        stakeholder=hawk,
        option=intervention,
        stance=2,
        basis="reported",
        as_of=datetime.date(2019, 4, 20),
        as_of_precision="month",
        confidence="low",
        salience=None,
    )
    disputed = factories.PositionFactory(
        stakeholder=dove, option=intervention, stance=-1, as_of=datetime.date(2019, 5, 1)
    )
    factories.PositionDisputeFactory(
        position=disputed,
        disputed_by=russia,
        date=datetime.date(2019, 5, 2),
        quote="The dove never said so",
        source=factories.SourceFactory(title="Russian statement"),
    )
    factories.EventFactory(topic=topic, title="Uprising", date=APRIL_30)
    return topic


@pytest.fixture
def topic():
    return build_crisis()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def cell(html: str, stakeholder: str, option: str) -> str:
    """The <td> of a stakeholder's cell on an option in the topic page's matrix."""
    match = re.search(
        rf"<td class=\"cell[^\"]*\"[^>]*>(?:(?!</td>).)*?{stakeholder} on {option}:.*?</td>",
        html,
        re.S,
    )
    assert match, f"no cell for {stakeholder} on {option}"
    return match.group(0)


def section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}">')[1].split("</section>")[0]


# --- The topic page: the matrix ------------------------------------------------------------------


def test_page_shows_the_matrix_forecast_and_timeline(client, topic):
    html = page(client, "/topics/crisis/?as_of=2019-05-10")

    assert 'data-rows="4" data-columns="3"' in html
    assert 'href="https://example.org/report"' in html  # each cell links to its source
    assert 'href="/stakeholders/minister/"' in html  # each row to the stakeholder's page
    assert "<svg" in html and "forecast-row" in html  # the forecast bars
    assert "Uprising" in html and "denounced the coup" in html  # the timeline
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html.replace("https://example.org/report", "")
    assert "<script" not in html  # the Content-Security-Policy forbids inline scripts


def test_cells_carry_their_basis_and_marks(client, topic):
    html = page(client, "/topics/crisis/?as_of=2019-05-10")

    minister = cell(html, "Minister", "Deal")
    assert 'class="cell divergent"' in minister
    assert (
        'data-basis="stated"' in minister
        and '<span class="basis" aria-hidden="true">S<' in minister
    )
    assert ">≠<" in minister
    assert "diverges: stated −2 vs expected 0" in minister  # the pair of bases, in words
    assert "as of 30 Apr 2019" in minister and "medium confidence" in minister
    assert "evidence weight 0.45" in minister  # medium (0.75) × grade F (0.6)
    assert "source: The report (grade F: reliability cannot be judged)" in minister

    ally = cell(html, "Ally", "Deal")
    assert "retracted" in ally.split(">")[0]  # the class: the stance is struck through
    assert "retracted 3 May 2019: it no longer counts" in ally
    assert "evidence weight 0.00" in ally

    dove = cell(html, "Dove", "Intervention")
    assert "disputed" in dove.split(">")[0] and ">⚑<" in dove
    assert "disputed: someone denies it" in dove

    hawk = cell(html, "Hawk", "Intervention")
    assert "low-confidence" in hawk.split(">")[0] and ">?<" in hawk
    assert 'data-basis="reported"' in hawk and ">R<" in hawk
    assert "as of Apr 2019" in hawk
    assert "uncertain" not in hawk.split(">")[0]  # 10 May is past April


def test_a_month_precision_position_is_never_shown_as_a_day(client, topic):
    html = page(client, "/topics/crisis/?as_of=2019-04-15")

    hawk = cell(html, "Hawk", "Intervention")
    assert "uncertain" in hawk.split(">")[0]  # 15 April lies inside April: a dotted border
    assert ">?~<" in hawk and ">+2<" in hawk  # low confidence, uncertain timing
    assert (
        "timing uncertain: dated only Apr 2019, so it may not yet have been taken on 15 Apr" in hawk
    )
    assert "~ may be later than 15 Apr 2019" in section(html, "timeline")
    for url in ("/topics/crisis/?as_of=2019-05-10", "/stakeholders/hawk/"):
        html = page(client, url)
        assert "Apr 2019" in html
        assert "20 Apr 2019" not in html and "20 April" not in html


def test_the_legend_explains_every_mark(client, topic):
    legend = page(client, "/topics/crisis/?as_of=2019-05-10").split('id="marks-legend"')[1]
    for words in (
        "S stated",
        "R reported",
        "E expected",
        "V revealed",
        "bases diverge",
        "low confidence",
        "disputed",
        "retracted",
        "timing uncertain",
    ):
        assert words in legend


def test_page_as_of_an_earlier_date(client, topic):
    html = page(client, "/topics/crisis/?as_of=2019-04-29&basis=expected")
    assert 'data-rows="1" data-columns="3"' in html
    assert "divergent" not in html.split("<tbody>")[1].split("</tbody>")[0]


def test_a_dispute_or_retraction_not_yet_known_is_not_shown(client, topic):
    html = page(client, "/topics/crisis/?as_of=2019-05-01")
    assert "⚑" not in cell(html, "Dove", "Intervention")
    assert "retracted" not in cell(html, "Ally", "Deal").split(">")[0]
    assert "Russia" not in section(html, "timeline")


def test_page_with_a_bad_date_says_so(client, topic):
    response = client.get("/topics/crisis/?as_of=not-a-date")
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_page_of_an_unknown_topic_is_404(client):
    assert client.get("/topics/nope/").status_code == 404


# --- The topic page: the forecast ------------------------------------------------------------------


def forecast_row(html: str, option_slug: str) -> str:
    forecast = section(html, "forecast")
    return forecast.split(f'data-option="{option_slug}">')[1].split('<tr class="forecast-row')[0]


def test_forecast_shows_the_interval_coverage_and_defaults(client, topic):
    html = page(client, "/topics/crisis/?as_of=2019-05-10")

    deal = forecast_row(html, "deal")
    assert '<span class="flag rank">#1</span>' in deal
    assert '<g class="interval">' in deal and 'class="whisker"' in deal
    assert '<circle class="mean"' in deal
    assert re.search(
        r'80\xa0% interval <span class="nowrap">[−+]?\d\.\d\d … [−+]?\d\.\d\d</span>', deal
    )
    assert "coverage 60\xa0%" in deal  # the minister's 60 of the 100 rated
    assert "with a default" not in deal.split("<details>")[0]
    assert "<details>" in deal and "Breakdown" in deal
    assert "Minister" in deal and "Ally" in deal  # the breakdown, the retracted ally at 0

    intervention = forecast_row(html, "intervention")
    assert "not ranked" in intervention
    assert "hold 0% of the topic&#x27;s rated capability" in intervention
    assert "2 with a default" in intervention
    assert re.search(r"capability: (Dove, Hawk|Hawk, Dove)", intervention)
    assert "salience: Hawk" in intervention
    assert "coverage 0\xa0%" in intervention

    old_plan = forecast_row(html, "old-plan")
    assert "Not ranked: " in old_plan and "only open options are ranked" in old_plan


def test_forecast_of_an_option_nobody_weighs_on(client):
    topic = factories.TopicFactory(slug="empty")
    factories.PolicyOptionFactory(topic=topic, slug="lonely")
    html = page(client, "/topics/empty/")
    row = forecast_row(html, "lonely")
    assert "no positions" in row and "coverage unknown" in row and "not ranked" in row


# --- The topic page: the timeline ------------------------------------------------------------------


def test_timeline_marks_changes_across_bases_disputes_and_retractions(client, topic):
    timeline = section(page(client, "/topics/crisis/?as_of=2019-05-10"), "timeline")

    entries = re.findall(r'<li class="entry ([^"]*)">(.*?)</li>', timeline, re.S)
    kinds = [kind.split()[0] for kind, _ in entries]
    assert kinds.count("event") == 1 and kinds.count("dispute") == 1
    assert kinds.count("retraction") == 1 and kinds.count("position") == 7

    changed = [text for kind, text in entries if "changed" in kind.split()]
    assert any("stance changed: expected +1 → stated −2" in text for text in changed)

    (weaker,) = [text for kind, text in entries if "not-effective-entry" in kind.split()]
    assert "not taken as their position: stated −2 of 30 Apr 2019 still stands" in weaker

    (dispute,) = [text for kind, text in entries if kind.startswith("dispute")]
    assert "Russia</a> disputes" in dispute and "Dove</a> on Intervention" in dispute
    assert "The dove never said so" in dispute and "Russian statement" in dispute

    (retraction,) = [text for kind, text in entries if kind.startswith("retraction")]
    assert "Ally</strong></a> retracts on Deal" in retraction
    assert "no standing position left" in retraction

    dates = re.findall(r'<span class="date">([^<]*)</span>', timeline)
    assert "Apr 2019" in dates and "20 Apr 2019" not in dates  # the hawk's, to the month
    assert dates[-1] == "4 May 2019"


def test_timeline_pages_the_newest_entries(client, topic, monkeypatch):
    monkeypatch.setattr(figures, "TIMELINE_PAGE_SIZE", 4)
    newest = section(page(client, "/topics/crisis/?as_of=2019-05-10"), "timeline")
    assert "Entries 7–10 of 10" in newest and "timeline_page=2" in newest
    oldest = section(page(client, "/topics/crisis/?as_of=2019-05-10&timeline_page=3"), "timeline")
    assert "Entries 1–2 of 10" in oldest and "Earlier entries" not in oldest
    assert page(client, "/topics/crisis/?timeline_page=x")  # a bad page is the newest


# --- The SVG matrix --------------------------------------------------------------------------------


def svg_cells(client, url: str) -> dict[str, ET.Element]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    cells = root.findall(f".//{SVG}g[@data-stance]")
    return {cell.find(f"{SVG}title").text.split(":")[0]: cell for cell in cells}


def test_svg_matrix(client, topic):
    cells = svg_cells(client, "/topics/crisis/stance-matrix.svg?as_of=2019-05-10")

    assert sorted(cells) == [
        "Ally on Deal",
        "Ally on Old plan",
        "Dove on Intervention",
        "Hawk on Intervention",
        "Minister on Deal",
    ]
    minister = cells["Minister on Deal"]
    assert minister.get("class") == "cell divergent"
    assert minister.find(f"{SVG}rect").get("stroke-dasharray") == "5 3"
    assert minister.find(f"{SVG}text[@class='basis']").text == "S"
    assert "≠" in minister.find(f"{SVG}text[@class='marks']").text
    assert cells["Ally on Deal"].find(f"{SVG}line[@class='struck']") is not None
    assert "⚑" in cells["Dove on Intervention"].find(f"{SVG}text[@class='marks']").text
    hawk = cells["Hawk on Intervention"]
    assert "?" in hawk.find(f"{SVG}text[@class='marks']").text
    assert "as of Apr 2019" in hawk.find(f"{SVG}title").text


def test_svg_matrix_marks_uncertain_timing_and_explains_the_marks(client, topic):
    response = client.get("/topics/crisis/stance-matrix.svg?as_of=2019-04-15")
    root = ET.fromstring(response.content)
    hawk = root.find(f".//{SVG}g[@data-basis='reported']")
    assert hawk.find(f"{SVG}rect[@class='uncertain']").get("stroke-dasharray") == "2 2"
    assert hawk.find(f"{SVG}text[@class='marks']").text == "?~"
    legend = " ".join(text.text for text in root.find(f"{SVG}g[@class='legend']"))
    for words in ("S stated", "bases diverge", "low", "disputed", "retracted", "uncertain"):
        assert words in legend
    assert "20 Apr" not in response.content.decode()


# --- The list of topics ----------------------------------------------------------------------------


def test_topic_list(client, topic):
    factories.TopicFactory(slug="quiet", title="A quiet topic", country="")
    html = page(client, "/topics/")

    rows = re.findall(r'<tr class="topic" data-slug="([^"]+)">(.*?)</tr>', html, re.S)
    assert [slug for slug, _ in rows] == ["quiet", "crisis"]  # by title
    crisis = dict(rows)["crisis"]
    assert 'href="/topics/crisis/"' in crisis and "How should the crisis be resolved?" in crisis
    assert "Venezuela" in crisis
    numbers = re.findall(r'<td class="number[^"]*">(\d+)</td>', crisis)
    assert numbers == ["3", "4", "7", "1"]  # options, stakeholders, positions, events
    assert "4 May 2019" in crisis  # the newest position
    assert re.findall(r'<td class="number[^"]*">(\d+)</td>', dict(rows)["quiet"]) == ["0"] * 4


# --- A stakeholder's page --------------------------------------------------------------------------


def test_stakeholder_page_shows_positions_over_time(client, topic):
    html = page(client, "/stakeholders/minister/")

    assert "<h1>Minister</h1>" in html and "Person" in html and "Venezuela" in html
    assert "Holds post in" in html and "Government" in html and "Defence Minister" in html
    assert 'href="/topics/crisis/">Deal</a>' in html
    rows = re.findall(r'<tr class="entry([^"]*)">(.*?)</tr>', html, re.S)
    assert len(rows) == 3
    (first, _), (change, changed), (weak, weaker) = rows
    assert first == "" and "29 Apr 2019" in rows[0][1] and "expected" in rows[0][1]
    assert "changed" in change and "expected +1 → stated −2" in changed
    assert "denounced the coup" in changed and 'href="https://example.org/report"' in changed
    assert "not-effective-entry" in weak
    assert "not taken as their position: stated −2 of 30 Apr 2019 still stands" in weaker
    assert "low" in weaker


def test_stakeholder_page_shows_disputes_and_retractions(client, topic):
    dove = page(client, "/stakeholders/dove/")
    assert "⚑ disputed by Russia, 2 May 2019" in dove
    ally = page(client, "/stakeholders/ally/")
    assert "retracted 3 May 2019" in ally and 'class="entry retracted"' in ally
    assert ally.index("Deal") < ally.index("Old plan")
    government = page(client, "/stakeholders/government/")
    assert "Minister</a> holds post in Government" in government
    assert "No positions recorded for Government" in government


def test_stakeholder_page_of_an_unknown_stakeholder_is_404(client):
    assert client.get("/stakeholders/nobody/").status_code == 404


# --- Reading rights, links from elsewhere ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/topics/", "/topics/crisis/", "/topics/crisis/stance-matrix.svg", "/stakeholders/minister/"],
)
def test_pages_need_a_login_when_reading_is_not_public(client, topic, settings, user, url):
    settings.POLICYTRACKER_PUBLIC_READ = False
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response.url
    client.force_login(user)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/topics/", "/topics/crisis/", "/topics/crisis/stance-matrix.svg", "/stakeholders/minister/"],
)
def test_pages_take_an_api_token_when_reading_is_not_public(client, topic, settings, user, url):
    # A script building a report fetches the SVG with the token it uses for the API.
    settings.POLICYTRACKER_PUBLIC_READ = False
    _, key = AuthToken.objects.create(user=user)

    response = client.get(url, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200

    refused = client.get(url, HTTP_AUTHORIZATION="Token " + "0" * len(key))
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Token"
    assert b"Invalid token." in refused.content


def test_a_reader_sent_to_log_in_finds_the_login_and_comes_back(client, topic, settings, user):
    settings.POLICYTRACKER_PUBLIC_READ = False
    user.set_password("a-long-password-1")
    user.save()

    sent = client.get("/topics/crisis/")
    assert sent.status_code == 302
    login_page = client.get(sent.url)
    assert login_page.status_code == 200  # not a 404
    back = client.post(
        sent.url,
        {"username": user.username, "password": "a-long-password-1"},
        REMOTE_ADDR="10.1.1.1",
    )
    assert back.status_code == 302 and back.url == "/topics/crisis/"
    assert client.get(back.url).status_code == 200

    # A login without `next` lands on the topics, not on a 404.
    client.logout()
    landed = client.post(
        "/api-auth/login/",
        {"username": user.username, "password": "a-long-password-1"},
        REMOTE_ADDR="10.1.1.2",
    )
    assert landed.status_code == 302 and client.get(landed.url).status_code == 200


def test_the_schema_and_its_documentation_stay_public(client, settings):
    settings.POLICYTRACKER_PUBLIC_READ = False
    for url in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert client.get(url).status_code == 200, url


def test_topic_api_links_the_page(api_client, topic):
    body = api_client.get(f"/api/v1/topics/{topic.pk}/").json()
    assert body["page_url"] == "http://testserver/topics/crisis/"


def test_admin_topic_page_links_the_page(admin_client, topic):
    html = admin_client.get(f"/admin/options/topic/{topic.pk}/change/").content.decode()
    assert "/admin/r/" in html  # Django's "View on site", which redirects to the page
    redirect = admin_client.get(f"/admin/r/{_content_type_id(topic)}/{topic.pk}/", follow=False)
    assert redirect.url.endswith("/topics/crisis/")


def _content_type_id(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


# --- Query counts ----------------------------------------------------------------------------------

# topic; matrix: options, positions, stakeholders, sources; forecast: positions, influences,
# ties, stakeholders; timeline: counts and keys of events, positions, disputes and retractions,
# then events (+5 prefetches), disputes, positions (+ their disputes) and the positions replayed
TOPIC_PAGE_QUERIES = 27


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/topics/", 1),
        ("/topics/crisis/?as_of=2019-06-01", TOPIC_PAGE_QUERIES),
        # topic; options, positions, stakeholders; sources
        ("/topics/crisis/stance-matrix.svg?as_of=2019-06-01", 5),
        # the stakeholder, its affiliations, its positions, their disputes
        ("/stakeholders/minister/", 4),
    ],
)
def test_pages_run_a_fixed_number_of_queries(
    client, topic, url, queries, django_assert_max_num_queries
):
    minister = Stakeholder.objects.get(slug="minister")
    days = iter(range(1, 100))

    def grow():
        other = factories.TopicFactory()
        for target in (topic, other):
            options = factories.PolicyOptionFactory.create_batch(3, topic=target)
            factories.EventFactory.create_batch(2, topic=target)
            for stakeholder in [*factories.StakeholderFactory.create_batch(4), minister]:
                factories.AffiliationFactory(subject=stakeholder)
                factories.InfluenceFactory(
                    stakeholder=stakeholder,
                    topic=target,
                    as_of=datetime.date(2019, 1, 1) + datetime.timedelta(days=next(days)),
                )
                for option in options:
                    position = factories.PositionFactory(
                        stakeholder=stakeholder,
                        option=option,
                        retracted_on=datetime.date(2019, 5, 20),
                    )
                    factories.PositionDisputeFactory(position=position)

    for _ in range(2):
        with django_assert_max_num_queries(queries):
            assert client.get(url).status_code == 200
        grow()

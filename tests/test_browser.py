"""The pages in a real browser: Playwright driving Debian's chromium (never a downloaded browser)
against a live server. Screenshots go to test-artifacts/ (look at them)."""

import pytest
from django.core.management import call_command

from options.models import Topic
from tests.browser import ARTIFACTS, chromium, requires_chromium
from tests.test_pages import build_crisis

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    # Whatever the Content-Security-Policy refuses, chromium reports on the console (as it
    # does the favicon the site has none of).
    page.console_errors = []

    def console(message):
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            page.console_errors.append(message.text)

    page.on("console", console)
    yield page
    assert page.console_errors == []
    context.close()


@pytest.fixture
def crisis(transactional_db):
    return build_crisis()


def matrix_size(page) -> tuple[int, int]:
    rows = page.locator("table.matrix tbody tr").count()
    columns = page.locator("table.matrix thead th.option").count()
    return rows, columns


def matrix_cell(page, stakeholder: str, option: str):
    row = page.locator("table.matrix tbody tr", has=page.get_by_role("link", name=stakeholder))
    columns = page.locator("table.matrix thead th.option").all_inner_texts()
    return row.locator("td").nth(columns.index(option))


def svg_screenshot(page, name: str) -> None:
    """A picture of the SVG document shown (a full-page screenshot of one never ends)."""
    svg = page.locator("svg").first
    width, height = (int(svg.get_attribute(size)) for size in ("width", "height"))
    page.set_viewport_size({"width": width, "height": height})
    page.screenshot(path=ARTIFACTS / name)


def test_topic_page_marks_forecast_and_timeline(live_server, crisis, page):
    page.goto(f"{live_server.url}/topics/crisis/?as_of=2019-05-10")

    assert matrix_size(page) == (4, 3)
    minister = matrix_cell(page, "Minister", "Deal")
    assert "divergent" in minister.get_attribute("class")
    assert minister.locator(".basis").inner_text() == "S"
    assert minister.locator(".marks").inner_text() == "≠"
    assert minister.locator(".stance").inner_text() == "−2"
    assert "stated −2 vs expected 0" in minister.get_attribute("title")
    ally = matrix_cell(page, "Ally", "Deal")
    assert ally.locator(".stance").evaluate("e => getComputedStyle(e).textDecorationLine") == (
        "line-through"
    )
    assert matrix_cell(page, "Dove", "Intervention").locator(".marks").inner_text() == "⚑"
    hawk = matrix_cell(page, "Hawk", "Intervention")
    assert hawk.locator(".marks").inner_text() == "?"
    assert "as of Apr 2019" in hawk.get_attribute("title")
    assert page.locator("#marks-legend").is_visible()

    # The forecast: a whisker for each interval, the ranks and the flags, coverage, defaults.
    deal = page.locator("tr.forecast-row[data-option=deal]")
    interval = deal.locator("g.interval")
    assert interval.is_visible() and interval.bounding_box()["width"] > 2
    assert deal.locator("circle.mean").is_visible()
    assert deal.locator(".flag.rank").inner_text() == "#1"
    assert deal.locator(".coverage").inner_text() == "coverage 60\xa0%"
    intervention = page.locator("tr.forecast-row[data-option=intervention]")
    assert intervention.locator(".flag.not-ranked").is_visible()
    assert "2 with a default" in intervention.locator(".defaults").inner_text()
    assert page.locator(".flag.not-ranked").count() == 2
    breakdown = page.locator("tr.forecast-details details").first
    breakdown.locator("summary").click()
    assert breakdown.locator("table.breakdown").is_visible()

    # The timeline: the change across bases, the weaker guess, the dispute, the retraction.
    change = page.locator("ol.timeline li.changed .change")
    assert change.first.is_visible()
    assert "expected +1 → stated −2" in change.all_inner_texts()[0]
    assert page.locator("ol.timeline li.not-effective-entry .not-effective").is_visible()
    dispute = page.locator("ol.timeline li.dispute")
    assert dispute.is_visible() and "Russia disputes" in dispute.inner_text()
    assert page.locator("ol.timeline li.retraction").is_visible()
    page.screenshot(path=ARTIFACTS / "topic-page.png", full_page=True)

    # The date control reloads the page for another date: on 15 April only the hawk's position
    # (dated to April) may already have been taken: its timing is uncertain.
    page.fill("input[name=as_of]", "2019-04-15")
    page.click("button[type=submit]")
    page.wait_for_url("**as_of=2019-04-15**")

    assert matrix_size(page) == (1, 3)
    hawk = matrix_cell(page, "Hawk", "Intervention")
    assert "uncertain" in hawk.get_attribute("class")
    assert hawk.locator(".marks").inner_text() == "?~"
    assert hawk.locator(".cell-body").evaluate("e => getComputedStyle(e).borderTopStyle") == (
        "dotted"
    )
    page.screenshot(path=ARTIFACTS / "topic-page-2019-04-15.png", full_page=True)


def test_topic_list_page(live_server, crisis, page):
    page.goto(f"{live_server.url}/topics/")
    row = page.locator("tr.topic[data-slug=crisis]")
    assert row.locator("td.options").inner_text() == "3"
    page.screenshot(path=ARTIFACTS / "topics.png", full_page=True)
    row.get_by_role("link", name="The crisis").click()
    page.wait_for_url("**/topics/crisis/")
    assert matrix_size(page) == (4, 3)


def test_stakeholder_page(live_server, crisis, page):
    page.goto(f"{live_server.url}/topics/crisis/?as_of=2019-05-10")
    page.locator("table.matrix").get_by_role("link", name="Minister", exact=True).click()
    page.wait_for_url("**/stakeholders/minister/")

    rows = page.locator("table.history tr.entry")
    assert rows.count() == 3
    assert rows.nth(1).locator(".change").inner_text() == "expected +1 → stated −2"
    assert "stated −2 of 30 Apr 2019 still stands" in rows.nth(2).inner_text()
    assert "Defence Minister" in page.locator("#affiliations").inner_text()
    page.screenshot(path=ARTIFACTS / "stakeholder-page.png", full_page=True)

    page.goto(f"{live_server.url}/stakeholders/dove/")
    assert page.locator(".disputed-mark").inner_text() == "⚑ disputed by Russia, 2 May 2019"


def test_stance_matrix_svg_renders(live_server, crisis, page):
    page.goto(f"{live_server.url}/topics/crisis/stance-matrix.svg?as_of=2019-05-10")
    assert page.locator("g.cell").count() == 5
    assert page.locator("g.legend").is_visible()
    svg_screenshot(page, "stance-matrix-svg.png")


def test_seed_topic_page(live_server, transactional_db, page):
    """The Venezuela 2019 seed, for a look at real data (its content is asserted elsewhere)."""
    call_command("load_seed")
    topic = Topic.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/topics/{topic.slug}/?as_of=2019-05-01")
    assert page.locator("table.matrix tbody tr").count() > 0
    assert page.locator("tr.forecast-row").count() == topic.options.count()
    page.screenshot(path=ARTIFACTS / "topic-page-seed.png", full_page=True)
    page.goto(f"{live_server.url}/topics/{topic.slug}/stance-matrix.svg?as_of=2019-05-01")
    svg_screenshot(page, "stance-matrix-seed.png")

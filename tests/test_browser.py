"""The topic page in a real browser: Playwright driving Debian's chromium (never a downloaded
browser) against a live server. Screenshots go to test-artifacts/."""

import datetime

import pytest

from tests import factories
from tests.browser import ARTIFACTS, chromium, requires_chromium

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def crisis(transactional_db):
    topic = factories.TopicFactory(slug="crisis", title="The crisis")
    deal = factories.PolicyOptionFactory(topic=topic, title="Transition deal")
    intervention = factories.PolicyOptionFactory(topic=topic, title="Military intervention")
    minister, ally, hawk = (
        factories.StakeholderFactory(name=name) for name in ("Minister", "Ally", "Hawk")
    )
    april_29, april_30 = datetime.date(2019, 4, 29), datetime.date(2019, 4, 30)
    factories.PositionFactory(
        stakeholder=minister, option=deal, stance=1, basis="expected", as_of=april_29
    )
    factories.PositionFactory(
        stakeholder=minister, option=deal, stance=-2, basis="stated", as_of=april_30
    )
    factories.PositionFactory(stakeholder=ally, option=deal, stance=2, as_of=april_29)
    factories.PositionFactory(stakeholder=hawk, option=intervention, stance=2, as_of=april_30)
    return topic


def matrix_size(page) -> tuple[int, int]:
    rows = page.locator("table.matrix tbody tr").count()
    columns = page.locator("table.matrix thead th.option").count()
    return rows, columns


def test_topic_page_grid_and_date_control(live_server, crisis, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/topics/crisis/?as_of=2019-05-01")

    assert matrix_size(page) == (3, 2)
    assert page.locator("table.matrix td.divergent").count() == 1
    assert page.locator("#forecast svg g.bar").count() == 2
    page.screenshot(path=ARTIFACTS / "topic-page-2019-05-01.png", full_page=True)

    # The date control reloads the page for another date: on 29 April only two stakeholders
    # had a position, and nobody had yet contradicted what was expected of them.
    page.fill("input[name=as_of]", "2019-04-29")
    page.click("button[type=submit]")
    page.wait_for_url("**as_of=2019-04-29**")

    assert matrix_size(page) == (2, 2)
    assert page.locator("table.matrix td.divergent").count() == 0
    page.screenshot(path=ARTIFACTS / "topic-page-2019-04-29.png", full_page=True)


def test_stance_matrix_svg_renders(live_server, crisis, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/topics/crisis/stance-matrix.svg?as_of=2019-05-01")
    assert page.locator("g.cell").count() == 3  # 3 stakeholders × 2 options, 3 positions
    page.screenshot(path=ARTIFACTS / "stance-matrix.png")

"""The Content-Security-Policy in a real browser: the docs (Swagger UI, Redoc), the admin and
the topic page work under it with no violation, and it does block an inline script. Playwright
drives Debian's chromium (never a downloaded browser) against a live server; screenshots go to
test-artifacts/."""

import pytest

from tests import factories
from tests.browser import ARTIFACTS, chromium, requires_chromium

# Every CSP violation the page sees, reported by the browser itself.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`
  );
});
"""

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


class WatchedPage:
    """A page that records console errors and CSP violations."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        page.on(
            "console",
            lambda message: (
                self.console_errors.append(f"{message.text} {message.location.get('url', '')}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.add_init_script(WATCH_VIOLATIONS)

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations")

    def assert_clean(self, blocked_outside: tuple[str, ...] = ()) -> None:
        """No violation, no console error; except that each address in `blocked_outside`, on
        another site, must have been blocked (the console says so, as an error)."""
        assert [v.split(" (")[0] for v in self.violations()] == [
            f"img-src blocked {url}" for url in blocked_outside
        ]
        # The browser's own request for /favicon.ico (the pages name none) is no CSP matter.
        ignored = (*blocked_outside, "/favicon.ico")
        errors = [e for e in self.console_errors if not any(url in e for url in ignored)]
        assert errors == []

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / name, full_page=False)


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    yield WatchedPage(context.new_page())
    context.close()


@pytest.fixture
def topic(transactional_db):
    topic = factories.TopicFactory(slug="crisis", title="The crisis")
    option = factories.PolicyOptionFactory(topic=topic, title="Transition deal")
    factories.PositionFactory(option=option, stance=2)
    return topic


def test_swagger_ui_renders_under_the_policy(live_server, watched, transactional_db):
    watched.page.goto(f"{live_server.url}/api/docs/")

    watched.page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert watched.page.locator(".swagger-ui .opblock").count() > 20
    assert (
        watched.page.locator(".swagger-ui .title")
        .first.inner_text()
        .startswith("policytracker API")
    )
    # Expanding an operation draws its parameters and responses.
    watched.page.locator(".opblock-summary").first.click()
    watched.page.wait_for_selector(".opblock-body .responses-wrapper")
    # "Try it out" calls the API from the page (connect-src 'self').
    watched.page.locator(".try-out__btn").first.click()
    watched.page.locator(".execute").first.click()
    status = watched.page.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=30_000)
    assert status.inner_text().strip() == "200"
    watched.screenshot("csp-swagger-ui.png")
    watched.assert_clean()


def test_redoc_renders_under_the_policy(live_server, watched, transactional_db):
    watched.page.goto(f"{live_server.url}/api/redoc/")

    watched.page.wait_for_selector("h1:has-text('policytracker API')", timeout=30_000)
    # Redoc's search runs in a worker made from a blob: address (worker-src blob:).
    watched.page.locator("[role=search] input").fill("forecast")
    results = watched.page.locator("[data-role='search:results']")
    results.get_by_text("Forecast the option's support").wait_for(timeout=30_000)
    watched.screenshot("csp-redoc.png")
    # Redoc's sidebar credit ("API docs by Redocly") loads its logo from Redocly's site, the one
    # outside asset of the docs: the policy blocks it (Redoc then hides the image).
    watched.assert_clean(blocked_outside=("https://cdn.redoc.ly/redoc/logo-mini.svg",))


def test_the_admin_login_page_renders_under_the_policy(live_server, watched, transactional_db):
    watched.page.goto(f"{live_server.url}/admin/login/")

    assert watched.page.locator("input[name=username]").is_visible()
    watched.assert_clean()


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/options/position/add/", "/admin/options/stakeholder/add/"]
)
def test_the_admin_works_under_the_policy(live_server, watched, django_user_model, path):
    django_user_model.objects.create_superuser("admin", password="admin-password-1")
    watched.page.goto(f"{live_server.url}/admin/login/?next={path}")
    watched.page.fill("input[name=username]", "admin")
    watched.page.fill("input[name=password]", "admin-password-1")
    watched.page.click("input[type=submit]")
    watched.page.wait_for_url(f"**{path}")

    if path.endswith("/add/"):
        # The autocomplete widgets (select2, run by the admin's script files) are live.
        watched.page.locator(".select2-container").first.click()
        watched.page.wait_for_selector(".select2-search__field")
    watched.assert_clean()


def test_the_browsable_api_renders_under_the_policy(live_server, watched, topic):
    watched.page.goto(f"{live_server.url}/api/v1/topics/")

    assert watched.page.locator(".response-info").get_by_text('"slug": "crisis"').count() == 1
    # Its scripts run: the format menu drops down.
    watched.page.locator("#get-form .dropdown-toggle").click()
    assert watched.page.locator("#get-form .dropdown-menu").is_visible()
    watched.assert_clean()


def test_the_topic_page_renders_under_the_policy(live_server, watched, topic):
    watched.page.goto(f"{live_server.url}/topics/crisis/?as_of=2030-01-01")

    assert watched.page.locator("table.matrix td[data-stance='2']").count() == 1
    # The cells' colours come from style attributes, which the policy allows.
    colour = watched.page.locator("table.matrix td[data-stance='2']").evaluate(
        "cell => getComputedStyle(cell).backgroundColor"
    )
    assert colour == "rgb(30, 132, 73)"  # #1e8449
    watched.screenshot("csp-topic-page.png")
    watched.assert_clean()


def test_the_policy_blocks_an_inline_script(live_server, watched, transactional_db):
    # The control: a script injected into the page does not run, and the browser says why.
    watched.page.goto(f"{live_server.url}/api/docs/")
    watched.page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)

    watched.page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.body.appendChild(script);
        }"""
    )

    assert watched.page.evaluate("window.__injected") is None
    assert [v.split(" blocked ")[0] for v in watched.violations()] == ["script-src-elem"]

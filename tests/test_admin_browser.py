"""The admin as an editor uses it, in a real browser: Playwright driving Debian's chromium (never
a downloaded browser) against a live server. Logging in, recording a position through the
autocomplete widgets (select2), the message for a stance out of range, a spreadsheet import
whose bad row is shown. A screenshot of each step goes to test-artifacts/admin-*.png."""

import pytest
import tablib

from options import models
from tests import factories
from tests.browser import ARTIFACTS, chromium, requires_chromium, sync_api
from tests.conftest import editors_group

PASSWORD = "editor-password-1"

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    """A new page, whose script errors (a Content-Security-Policy violation is one) are kept in
    `page.errors`."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            page.errors.append(f"{message.text} {message.location.get('url', '')}")
            # The browser's own request for /favicon.ico (the admin names none) is no error.
            if message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"admin-{name}.png", full_page=True)


@pytest.fixture
def crisis(transactional_db):
    topic = factories.TopicFactory(slug="venezuela", title="Venezuela 2019")
    factories.PolicyOptionFactory(topic=topic, slug="transition-deal", title="Transition deal")
    factories.StakeholderFactory(slug="padrino", name="Vladimir Padrino López")
    factories.StakeholderFactory(slug="guaido", name="Juan Guaidó")
    factories.SourceFactory(slug="un-report", title="UN report")
    return topic


@pytest.fixture
def logged_in(live_server, crisis, page, django_user_model, settings):
    """The page, after an editor logged in through the admin's login form."""
    # A fast hasher: the default one takes longer than the rest of the login.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    editor = django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)
    editor.groups.add(editors_group())

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    sync_api.expect(page.locator("#user-tools")).to_contain_text("editor")
    return page


def pick(page, field: str, search: str, choice: str) -> None:
    """Choose `choice` in an autocomplete widget, as an editor does: open it, type, click."""
    page.click(f"#id_{field} + .select2")
    page.fill(".select2-container--open .select2-search__field", search)
    page.locator(".select2-results__option", has_text=choice).click()
    sync_api.expect(page.locator(f"#select2-id_{field}-container")).to_contain_text(choice)


def test_an_editor_records_a_position_and_is_told_a_stance_of_5_is_out_of_range(
    live_server, logged_in
):
    page = logged_in
    screenshot(page, "1-logged-in")
    page.goto(f"{live_server.url}/admin/options/position/add/")
    pick(page, "stakeholder", "padr", "Vladimir Padrino López")
    pick(page, "option", "trans", "Transition deal")
    pick(page, "source", "UN", "UN report")
    page.select_option("#id_basis", "stated")
    page.fill("#id_as_of", "2019-04-30")
    page.fill("#id_stance", "5")
    screenshot(page, "2-position-form")

    page.click("input[name=_save]")

    sync_api.expect(page.locator(".errornote")).to_contain_text("Please correct the error below.")
    sync_api.expect(page.locator(".field-stance .errorlist")).to_have_text(
        "Ensure this value is less than or equal to 2."
    )
    # What was chosen stays chosen.
    sync_api.expect(page.locator("#select2-id_stakeholder-container")).to_contain_text("Padrino")
    assert models.Position.objects.count() == 0
    screenshot(page, "3-stance-out-of-range")

    page.fill("#id_stance", "1")
    page.click("input[name=_save]")

    page.wait_for_url(f"{live_server.url}/admin/options/position/")
    sync_api.expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    rows = page.locator("#result_list tbody tr")
    sync_api.expect(rows).to_have_count(1)
    sync_api.expect(rows.first).to_contain_text("Vladimir Padrino López")
    sync_api.expect(rows.first).to_contain_text("+1 Support")
    screenshot(page, "4-position-in-changelist")
    assert page.errors == []


def positions_csv(padrino_stance: str, guaido_stance: str) -> bytes:
    data = tablib.Dataset(
        headers=["stakeholder", "topic", "option", "stance", "basis", "as_of", "source"]
    )
    data.append(
        [
            "padrino",
            "venezuela",
            "transition-deal",
            padrino_stance,
            "stated",
            "2019-05-01",
            "un-report",
        ]
    )
    data.append(
        [
            "guaido",
            "venezuela",
            "transition-deal",
            guaido_stance,
            "stated",
            "2019-05-01",
            "un-report",
        ]
    )
    return data.export("csv").encode()


def test_an_editor_imports_a_csv_and_sees_the_error_of_its_bad_row(live_server, logged_in):
    page = logged_in
    page.goto(f"{live_server.url}/admin/options/position/")
    page.click("a.import_link")

    page.set_input_files(
        "input[name=import_file]",
        {"name": "positions.csv", "mimeType": "text/csv", "buffer": positions_csv("-1", "5")},
    )
    # The page's script picked the format from the file's name.
    sync_api.expect(page.locator("select[name=format] option:checked")).to_have_text("csv")
    page.click("input[type=submit]")

    sync_api.expect(page.locator("h2")).to_contain_text(["Some rows failed to validate"])
    [bad_row] = page.locator("table.import-preview tbody tr").all()
    sync_api.expect(bad_row.locator("td").first).to_have_text("2")
    # The row's errors show when the pointer is on them.
    bad_row.locator("td.errors").hover()
    errors = bad_row.locator(".validation-error-container")
    sync_api.expect(errors).to_be_visible()
    sync_api.expect(errors).to_contain_text("Ensure this value is less than or equal to 2.")
    assert not page.locator("input[name=confirm]").count()
    screenshot(page, "5-import-bad-row")

    page.set_input_files(
        "input[name=import_file]",
        {"name": "positions.csv", "mimeType": "text/csv", "buffer": positions_csv("-1", "2")},
    )
    page.click("input[type=submit]")
    sync_api.expect(page.locator("table.import-preview tr.new")).to_have_count(2)
    assert models.Position.objects.count() == 0  # a preview, so far
    screenshot(page, "6-import-preview")

    page.click("input[name=confirm]")

    page.wait_for_url(f"{live_server.url}/admin/options/position/")
    sync_api.expect(page.locator(".messagelist .success")).to_have_text(
        "Import finished: 2 new, 0 updated, 0 deleted and 0 skipped positions."
    )
    sync_api.expect(page.locator("#result_list tbody tr")).to_have_count(2)
    screenshot(page, "7-imported")
    assert page.errors == []

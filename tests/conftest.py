"""Shared fixtures: users in each role, and API clients that act as them; and the contract
check that validates every API response the tests get against docs/openapi.yaml."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from rest_framework.test import APIClient

from tests import contract

UNDOCUMENTED = "undocumented_response"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{UNDOCUMENTED}(reason): the test sends requests the schema does not describe on "
        "purpose (an unknown path, a method the operation does not have): its responses are not "
        "validated against docs/openapi.yaml (tests/contract.py). Prefer `with "
        "contract.undocumented(reason):` around just those requests.",
    )
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_ContractStatsFromWorkers(), "contract-stats")


# Tests that send, on purpose, requests the schema does not describe: their responses are not
# validated (the marker above, put on them here rather than in each file). Keyed by the test's
# node id without parameters. Keep it short: a test that needs it for one request should rather
# wrap that request in `with contract.undocumented(...)`.
UNDOCUMENTED_ON_PURPOSE = {
    **dict.fromkeys(
        [
            "tests/api/test_errors.py::test_an_unknown_address_under_api_is_a_json_404",
            "tests/api/test_errors.py::test_an_unknown_address_under_api_is_json_with_debug_on_too",
            "tests/api/test_errors.py::test_a_write_to_an_unknown_address_is_a_json_404_not_a_csrf_page",
        ],
        "addresses under /api/ that are no operation of the schema: their JSON 404",
    ),
    **dict.fromkeys(
        [
            "tests/api/test_errors.py::test_a_get_without_the_trailing_slash_is_redirected",
            "tests/api/test_errors.py::test_a_post_without_the_trailing_slash_names_the_address",
        ],
        "addresses without their trailing slash: the redirect, or the 404 naming the address",
    ),
    **dict.fromkeys(
        [
            "tests/api/test_errors.py::test_a_method_the_collection_does_not_have_is_a_json_405",
            "tests/api/test_health.py::test_health_is_read_only",
            "tests/api/test_change_events.py::test_change_events_cannot_be_written",
            "tests/api/test_interchange.py::test_an_export_is_read_only",
            "tests/api/test_positions_export.py::test_reading_needs_what_the_list_needs",
        ],
        "methods the operation does not have: 405 (or 401 first, for an anonymous client)",
    ),
    **dict.fromkeys(
        [
            "tests/api/test_errors.py::test_a_server_error_under_api_is_a_json_500",
            "tests/test_logging.py::test_a_server_error_is_logged_with_its_request_id",
        ],
        "a server error (500) forced by the test: no operation promises one",
    ),
    "tests/test_hardening.py::test_the_csv_export_and_a_detail_bound_the_search_too": (
        "a detail read with `search`, a parameter its operation does not take (the list's "
        "filters, and so their bounds, apply to a detail too)"
    ),
}
# Responses the server sends that the schema does not describe yet, each a known gap to close in
# the schema (the test is not validated until then; remove the entry with the fix).
KNOWN_MISMATCHES: dict[str, str] = {}


def pytest_collection_modifyitems(config, items):
    opted_out = {**UNDOCUMENTED_ON_PURPOSE, **KNOWN_MISMATCHES}
    for item in items:
        reason = opted_out.get(item.nodeid.split("[")[0])
        if reason is not None:
            item.add_marker(pytest.mark.undocumented_response(reason))


@pytest.fixture(autouse=True)
def validated_responses(request, monkeypatch):
    """Every response of Django's test client and DRF's APIClient (whatever fixture or test made
    the client) is validated against the committed schema when its path is under /api/; a
    mismatch fails the test with the request, the status, openapi-core's errors and the part of
    the body at fault. See tests/contract.py for what is checked and what is skipped."""
    marker = request.node.get_closest_marker(UNDOCUMENTED)
    if marker is not None and not (marker.args or marker.kwargs.get("reason")):
        pytest.fail(f"@pytest.mark.{UNDOCUMENTED} needs a reason")
    send = Client.request

    def request_and_validate(self, **environ):
        response = send(self, **environ)
        contract.check_django_response(response)
        return response

    monkeypatch.setattr(Client, "request", request_and_validate)
    if marker is None:
        yield
    else:
        with contract.undocumented(marker.args[0] if marker.args else marker.kwargs["reason"]):
            yield


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller adds them up
        workeroutput["contract"] = dict(contract.STATS)
        workeroutput["contract_seconds"] = contract.SECONDS[0]


class _ContractStatsFromWorkers:
    def pytest_testnodedown(self, node, error):
        output = getattr(node, "workeroutput", {})
        contract.STATS.update(output.get("contract", {}))
        contract.SECONDS[0] += output.get("contract_seconds", 0.0)


def pytest_terminal_summary(terminalreporter, config):
    if getattr(config, "workeroutput", None) is not None or not contract.STATS:
        return
    stats = dict(contract.STATS)
    validated = stats.pop("validated", 0)
    terminalreporter.write_line(
        f"contract: {validated} API responses validated against docs/openapi.yaml "
        f"(tests/contract.py) in {contract.SECONDS[0]:.1f} s; not validated: "
        + (
            "; ".join(
                f"{count} {reason.removeprefix('skipped: ')}"
                for reason, count in sorted(stats.items())
            )
            or "none"
        )
    )


@pytest.fixture(autouse=True)
def no_throttling(settings):
    """The suite sends hundreds of requests a minute from one address: throttling is off, but
    for the tests that turn it on (tests/api/test_throttling.py)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None},
    }


@pytest.fixture
def api_client():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def user(django_user_model):
    """An authenticated user with no permissions."""
    return django_user_model.objects.create_user("reader", password="reader-password-1")


def editors_group() -> Group:
    """The `editors` group, as its data migration makes it. A transactional test that ran before
    (live-server and concurrency tests) flushed the database, group included, and
    serialized_rollback cannot put it back, the content types having been recreated meanwhile."""
    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="options"))
    return editors


@pytest.fixture
def editor(django_user_model):
    """A member of the `editors` group (created by a data migration)."""
    editor = django_user_model.objects.create_user("editor", password="editor-password-1")
    editor.groups.add(editors_group())
    return editor


@pytest.fixture
def staff(django_user_model):
    """A staff user who may log in to the admin but holds no model permission."""
    return django_user_model.objects.create_user(
        "staff", password="staff-password-1", is_staff=True
    )


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", password="admin-password-1")


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)  # returns None: keep the client, not the call
    return client


@pytest.fixture
def user_client(user):
    return _client_for(user)


@pytest.fixture
def editor_client(editor):
    return _client_for(editor)


@pytest.fixture
def staff_client(staff):
    return _client_for(staff)

"""Server errors are logged, each line with the id of the request (settings.LOGGING)."""

import logging

import pytest
from django.conf import settings
from django.test import Client

from options.api import health


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def django_request_records():
    """What Django's request logger emits, through the filters the settings give its handler."""
    [console] = [h for h in logging.getLogger("django").handlers if h.get_name() == "console"]
    logger = logging.getLogger("django.request")
    handler = Records()
    for log_filter in console.filters:
        handler.addFilter(log_filter)
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_errors_go_to_the_console_whatever_debug_says():
    assert settings.LOGGING["loggers"]["django"]["handlers"] == ["console"]
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["request_id"]
    assert "%(request_id)s" in settings.LOGGING["formatters"]["line"]["format"]


@pytest.mark.django_db
def test_a_server_error_is_logged_with_its_request_id(monkeypatch, django_request_records):
    def fail(*args, **kwargs):
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr(health.HealthView, "get", fail)
    response = Client(raise_request_exception=False).get(
        "/api/v1/health/", HTTP_X_REQUEST_ID="trace-me-42"
    )

    assert response.status_code == 500
    assert response["X-Request-ID"] == "trace-me-42"
    [record] = [r for r in django_request_records if r.levelno == logging.ERROR]
    assert record.request_id == "trace-me-42"
    assert record.exc_info[0] is RuntimeError
    line = logging.Formatter(settings.LOGGING["formatters"]["line"]["format"]).format(record)
    assert "request_id=trace-me-42" in line and "RuntimeError: the database caught fire" in line


def test_a_line_outside_a_request_says_so(django_request_records):
    logging.getLogger("django.request").warning("outside")
    assert django_request_records[-1].request_id == "-"

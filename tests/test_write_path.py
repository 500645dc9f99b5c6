"""One audited write path (options/services.py): whoever writes — the API, the admin, the
spreadsheet import, the FtM import, load_seed — the write is one unit that records every object
it touches in the audit trail, once, and after it commits names exactly those objects in one
`records_written` signal (what change events hang on). A refused write sends nothing."""

import ast
import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db.models import Max
from django.urls import reverse

from options import models, services
from options.audit import Recorded
from options.interchange import ftm_import
from tests import factories
from tests.test_admin import admin_url, management_form
from tests.test_admin_import_export import csv_text, import_file

pytestmark = pytest.mark.django_db

AUDITED = [
    model
    for model in apps.get_app_config("options").get_models()
    if hasattr(model, "history") and not model.__name__.startswith("Historical")
]
POSITIONS = "/api/v1/positions/"
EVENTS = "/api/v1/events/"


@dataclass
class Writes:
    sent: list[set[Recorded]] = field(default_factory=list)  # one set per signal
    audited: set[Recorded] = field(default_factory=set)  # the audit trail's new records

    def assert_one_write(self) -> set[Recorded]:
        """One signal, naming exactly what the audit trail recorded (and something)."""
        assert self.audited, "nothing was recorded"
        assert self.sent == [self.audited]
        return self.audited

    def assert_nothing_written(self) -> None:
        assert (self.sent, self.audited) == ([], set())


@pytest.fixture
def capture_writes(django_capture_on_commit_callbacks):
    """A block's writes: the `records_written` signals sent once its transactions committed
    (the test's own transaction never does), and the audit trail's records it added."""

    @contextmanager
    def capture():
        writes = Writes()

        def receive(sender, records, **kwargs):
            writes.sent.append(set(records))

        last = {
            model: model.history.aggregate(last=Max("history_id"))["last"] or 0 for model in AUDITED
        }
        services.records_written.connect(receive)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                yield writes
        finally:
            services.records_written.disconnect(receive)
        for model in AUDITED:
            new = model.history.filter(history_id__gt=last[model])
            writes.audited.update(
                Recorded(model, pk, history_type)
                for pk, history_type in new.values_list("id", "history_type")
            )

    return capture


@pytest.fixture
def related():
    option = factories.PolicyOptionFactory()
    return {
        "stakeholder": factories.StakeholderFactory(),
        "option": option,
        "source": factories.SourceFactory(),
    }


def new_position(related: dict, **values) -> dict:
    return {
        "stakeholder": related["stakeholder"].pk,
        "option": related["option"].pk,
        "stance": 1,
        "basis": "stated",
        "as_of": "2019-04-30",
        "source": related["source"].pk,
        **values,
    }


# --- The API ------------------------------------------------------------------------------------


def test_an_api_create_update_and_delete_are_one_write_each(editor_client, related, capture_writes):
    with capture_writes() as created:
        response = editor_client.post(POSITIONS, new_position(related), format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert created.assert_one_write() == {Recorded(models.Position, pk, "+")}

    with capture_writes() as changed:
        response = editor_client.patch(
            f"{POSITIONS}{pk}/", {"stance": -1}, format="json", HTTP_IF_MATCH='"1"'
        )
    assert response.status_code == 200, response.json()
    assert changed.assert_one_write() == {Recorded(models.Position, pk, "~")}

    with capture_writes() as deleted:
        response = editor_client.delete(f"{POSITIONS}{pk}/", HTTP_IF_MATCH='"2"')
    assert response.status_code == 204
    assert deleted.assert_one_write() == {Recorded(models.Position, pk, "-")}


def test_an_api_write_at_a_stale_version_writes_nothing(editor_client, capture_writes):
    position = factories.PositionFactory()
    position.save()  # version 2

    with capture_writes() as stale_update:
        response = editor_client.patch(
            f"{POSITIONS}{position.pk}/", {"stance": -1}, format="json", HTTP_IF_MATCH='"1"'
        )
    assert (response.status_code, response["ETag"]) == (412, '"2"')
    stale_update.assert_nothing_written()

    with capture_writes() as stale_delete:
        response = editor_client.delete(f"{POSITIONS}{position.pk}/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    stale_delete.assert_nothing_written()
    assert models.Position.objects.get(pk=position.pk).version == 2


def test_a_refused_delete_writes_nothing(editor_client, capture_writes):
    position = factories.PositionFactory()

    with capture_writes() as refused:
        response = editor_client.delete(f"/api/v1/sources/{position.source_id}/")
    assert response.status_code == 409
    refused.assert_nothing_written()


def test_a_bulk_create_is_one_write(editor_client, related, capture_writes):
    items = [new_position(related, as_of=f"2019-05-0{day}") for day in (1, 2, 3)]

    with capture_writes() as writes:
        response = editor_client.post(f"{POSITIONS}bulk/", items, format="json")
    assert response.status_code == 201, response.json()
    ids = {item["id"] for item in response.json()}
    assert writes.assert_one_write() == {Recorded(models.Position, pk, "+") for pk in ids}


def test_a_bulk_create_with_an_invalid_item_writes_nothing(editor_client, related, capture_writes):
    items = [new_position(related), new_position(related, stance=9)]

    with capture_writes() as writes:
        response = editor_client.post(f"{POSITIONS}bulk/", items, format="json")
    assert response.status_code == 400
    writes.assert_nothing_written()


def test_an_event_and_its_participants_are_one_write(editor_client, related, capture_writes):
    payload = {
        "topic": related["option"].topic_id,
        "slug": "oslo",
        "title": "Talks in Oslo",
        "date": "2019-05-15",
        "participants": [{"stakeholder": related["stakeholder"].pk, "role": "delegation"}],
        "sources": [related["source"].pk],
    }
    with capture_writes() as writes:
        response = editor_client.post(EVENTS, payload, format="json")
    assert response.status_code == 201, response.json()
    event = models.Event.objects.get(pk=response.json()["id"])
    [participant] = event.participations.all()
    assert writes.assert_one_write() == {
        Recorded(models.Event, event.pk, "+"),
        Recorded(models.EventParticipant, participant.pk, "+"),
    }


# --- The admin ----------------------------------------------------------------------------------


def test_an_admin_save_and_deletes_are_one_write_each(admin_client, capture_writes):
    # A change page's save with an inline: the position and its new dispute, one write.
    position = factories.PositionFactory()
    form = {
        "stakeholder": position.stakeholder_id,
        "option": position.option_id,
        "stance": "-1",
        "basis": "stated",
        "as_of": "2019-04-30",
        "as_of_precision": "day",
        "confidence": "medium",
        "retracted_on": "",
        "retracted_precision": "day",
        "source": position.source_id,
        "quote": "",
        **management_form("disputes", total=1),
        "disputes-0-disputed_by": factories.StakeholderFactory().pk,
        "disputes-0-date": "2019-05-01",
        "disputes-0-date_precision": "day",
        "disputes-0-source": position.source_id,
    }
    with capture_writes() as saved:
        response = admin_client.post(admin_url(models.Position, "change", position.pk), form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert saved.assert_one_write() == {
        Recorded(models.Position, position.pk, "~"),
        Recorded(models.PositionDispute, position.disputes.get().pk, "+"),
    }

    stakeholder = factories.StakeholderFactory()
    with capture_writes() as deleted:
        response = admin_client.post(
            reverse("admin:options_stakeholder_delete", args=[stakeholder.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert deleted.assert_one_write() == {Recorded(models.Stakeholder, stakeholder.pk, "-")}

    sources = factories.SourceFactory.create_batch(2)
    with capture_writes() as deleted_together:
        response = admin_client.post(
            reverse("admin:options_source_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [s.pk for s in sources],
                "post": "yes",
            },
        )
    assert response.status_code == 302
    assert deleted_together.assert_one_write() == {
        Recorded(models.Source, source.pk, "-") for source in sources
    }


def test_an_admin_delete_of_a_referenced_record_writes_nothing(admin_client, capture_writes):
    position = factories.PositionFactory()

    with capture_writes() as refused:
        response = admin_client.post(
            reverse("admin:options_source_delete", args=[position.source_id]), {"post": "yes"}
        )
    assert response.status_code == 200  # the page that says why not
    refused.assert_nothing_written()


# --- Imports ------------------------------------------------------------------------------------


def test_a_spreadsheet_import_is_one_write(admin_client, capture_writes):
    # One write for the whole file (options/resources.py): one transaction, one historical
    # record per object, the change events derived once.
    rows = [
        {"slug": slug, "name": slug.title(), "kind": "person", "sources": ""}
        for slug in ("maduro", "guaido")
    ]
    with capture_writes() as writes:
        import_file(admin_client, models.Stakeholder, csv_text(*rows))
    created = {s.slug: s.pk for s in models.Stakeholder.objects.all()}
    assert writes.audited == {Recorded(models.Stakeholder, pk, "+") for pk in created.values()}
    assert writes.assert_one_write() == writes.audited


def test_an_ftm_import_is_one_write_and_its_dry_run_none(capture_writes):
    lines = [
        '{"id": "NK-1", "schema": "Person", "properties": {"name": ["Diosdado Cabello"]}}',
        '{"id": "NK-2", "schema": "Organization", "properties": {"name": ["Sebin"]}}',
    ]
    with capture_writes() as dry_run:
        ftm_import(lines=lines, dry_run=True)
    dry_run.assert_nothing_written()

    with capture_writes() as writes:
        ftm_import(lines=lines)
    assert writes.assert_one_write() == {
        Recorded(models.Stakeholder, pk, "+")
        for pk in models.Stakeholder.objects.values_list("pk", flat=True)
    }


def test_load_seed_is_one_write(capture_writes):
    with capture_writes() as writes:
        call_command("load_seed", stdout=io.StringIO())
    recorded = writes.assert_one_write()
    assert {r for r in recorded if r.model is models.Position} == {
        Recorded(models.Position, pk, "+")
        for pk in models.Position.objects.values_list("pk", flat=True)
    }


# --- No other way in ----------------------------------------------------------------------------

# Modules that open transactions of their own, and why they are not writes of records.
OWN_TRANSACTIONS = {
    "options/services.py": "the write path itself",
    "options/models/base.py": "a save takes the next version with it (TimeStampedModel.save)",
    "options/backup.py": "a restore replaces the whole database, audit trail included",
    "options/interchange/common.py": "a read snapshot",
    "options/interchange/ftm_import.py": "the FtM import's dry run around its write",
    "options/management/commands/create_api_token.py": "API tokens are not audited records",
    "options/management/commands/generate_synthetic_data.py": "benchmark data, not records",
    "options/tracking/delivery.py": "a delivery's attempt and its outcome: a log, not records",
}


def test_only_the_write_services_open_audited_writes():
    """A module that pairs its own transaction with the audit trail's grouping is a second
    write path: it goes through options/services.py instead."""
    offenders = []
    for path in sorted(Path(settings.BASE_DIR, "options").rglob("*.py")):
        relative = path.relative_to(settings.BASE_DIR).as_posix()
        if "/migrations/" in relative or relative in {"options/audit.py", "options/services.py"}:
            continue
        names = {
            node.attr if isinstance(node, ast.Attribute) else node.id
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Attribute | ast.Name)
        }
        if "one_record_per_object" in names or (
            "atomic" in names and relative not in OWN_TRANSACTIONS
        ):
            offenders.append(relative)
    assert offenders == [], "write through options/services.py (audited_write, record_*)"

"""Backup and restore: `export_data` writes the whole database, audit trail and accounts
included, and `import_data` brings every row back exactly (ids, timestamps, versions, history
with its users and request ids), into an empty database or over this one (`--replace`), all or
nothing, and without recording any history of its own."""

import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from options import models
from options.backup import BackupJSONEncoder

pytestmark = pytest.mark.django_db

API = "/api/v1"
POSTGRES_URL = os.environ.get(
    "BACKUP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def compared_models() -> list:
    """Every table a backup must bring back, listed here rather than taken from the code
    under test: the accounts, and every model of the app (historical and many-to-many too)."""
    return [
        Group,
        Group.permissions.through,
        User,
        User.groups.through,
        User.user_permissions.through,
        AuthToken,
        LogEntry,
        *apps.get_app_config("options").get_models(include_auto_created=True),
    ]


def historical_models() -> list:
    return [model for model in compared_models() if hasattr(model, "instance_type")]


def snapshot() -> dict[str, list[dict]]:
    """Every row of every compared table, every field, in primary-key order."""
    return {
        model._meta.label_lower: list(model._base_manager.order_by("pk").values())
        for model in compared_models()
    }


def assert_same(after: dict, before: dict) -> None:
    assert after.keys() == before.keys()
    for label, rows in before.items():
        assert after[label] == rows, label


def portable_snapshot() -> dict[str, list]:
    """`snapshot()` as JSON, with content types and permissions named by natural key (their ids
    differ between databases), for comparing two databases."""
    natural = {
        ContentType: {ct.pk: ct.natural_key() for ct in ContentType.objects.all()},
        Permission: {
            p.pk: p.natural_key() for p in Permission.objects.select_related("content_type")
        },
    }
    tables = {}
    for model in compared_models():
        lookups = {
            field.attname: natural[field.related_model]
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model in natural
        }
        rows = list(model._base_manager.order_by("pk").values())
        for row in rows:
            for attname, keys in lookups.items():
                row[attname] = keys.get(row[attname])
        tables[model._meta.label_lower] = rows
    return json.loads(json.dumps(tables, cls=BackupJSONEncoder))


def latest_migration(app_label: str) -> str:
    [(_, name)] = MigrationLoader(connection).graph.leaf_nodes(app_label)
    return name


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def export(path: Path) -> Path:
    assert "Exported" in run("export_data", str(path))
    return path


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def ok(response, status=200) -> dict:
    assert response.status_code == status, response.content
    return response.json() if response.content else {}


@pytest.fixture
def rich_database(editor) -> dict:
    """The seed, then an editor's changes through the API (history with a user and request
    ids, many-to-many links, deleted records), more accounts, tokens, an admin log entry and a
    session. Returns the editor's token key and the position it made."""
    run("load_seed")
    _, key = AuthToken.objects.create(user=editor)
    client = token_client(key)
    stakeholders = dict(models.Stakeholder.objects.values_list("slug", "pk"))
    options = dict(models.PolicyOption.objects.values_list("slug", "pk"))
    source = models.Source.objects.get(slug="seed-article").pk
    topic = models.Topic.objects.get().pk
    event = models.Event.objects.order_by("pk").first().pk
    # Someone follows the topic: the writes below make change events, and deliveries to it.
    subscription = models.Subscription.objects.create(
        owner=editor, name="Venezuela", url="https://hooks.example.org/in"
    )
    subscription.topics.set([topic])
    subscription.stakeholders.set([stakeholders["russia"], stakeholders["cuba"]])
    subscription.options.set([options["negotiation-europeans"]])

    position = ok(
        client.post(
            f"{API}/positions/",
            {
                "stakeholder": stakeholders["russia"],
                "option": options["negotiation-europeans"],
                "stance": 1,
                "basis": "stated",
                "as_of": "2019-05-02",
                "source": source,
            },
            HTTP_X_REQUEST_ID="backup-create",
        ),
        201,
    )["id"]
    ok(client.patch(f"{API}/positions/{position}/", {"stance": -1}, HTTP_X_REQUEST_ID="change"))
    new_source = ok(
        client.post(f"{API}/sources/", {"slug": "a-report", "title": "A report", "kind": "report"}),
        201,
    )["id"]
    ok(client.patch(f"{API}/topics/{topic}/", {"sources": [source, new_source]}))
    ok(
        client.patch(
            f"{API}/events/{event}/",
            {
                "participants": [{"stakeholder": stakeholders["cuba"], "role": "advised"}],
                "claimed_by": [stakeholders["john-bolton"]],
                "denied_by": [stakeholders["russia"], stakeholders["cuba"]],
                "sources": [new_source],
            },
        )
    )
    ok(
        client.post(
            f"{API}/sanction-measures/",
            {
                "option": options["us-sanctions"],
                "measure_type": "asset_freeze",
                "target": stakeholders["nicolas-maduro"],
                "effective_date": "2019-01-28",
            },
        ),
        201,
    )
    # Deleted records: their history stays.
    doomed = ok(
        client.post(f"{API}/sources/", {"slug": "doomed", "title": "x", "kind": "report"}), 201
    )
    ok(client.delete(f"{API}/sources/{doomed['id']}/"), 204)

    # Records without history (bulk-made, as generate_synthetic_data makes them): an import
    # that saved records would give them one.
    models.Source.objects.bulk_create(
        [models.Source(slug=f"bulk-{n}", title="Made in bulk", kind="report") for n in range(3)]
    )

    reviewers = Group.objects.create(name="reviewers")
    reviewers.permissions.add(
        Permission.objects.get_by_natural_key("view_position", "options", "position")
    )
    analyst = User.objects.create_user("analyst", "analyst@example.org", "analyst-password-1")
    analyst.groups.add(reviewers)
    analyst.user_permissions.add(
        Permission.objects.get_by_natural_key("add_position", "options", "position")
    )
    AuthToken.objects.create(user=analyst, expiry=None)
    LogEntry.objects.create(
        user=analyst,
        content_type=ContentType.objects.get_for_model(models.Topic),
        object_id=str(topic),
        object_repr="A topic",
        action_flag=CHANGE,
        change_message="[]",
    )
    delivery = subscription.deliveries.order_by("pk").first()
    models.DeliveryAttempt.objects.create(
        delivery=delivery,
        number=1,
        started=delivery.created,
        url=subscription.url,
        status_code=503,
        latency_ms=120,
        succeeded=False,
        error="HTTP 503",
        response_excerpt="Service Unavailable",
    )
    Client().force_login(analyst)  # a session: not backed up
    return {"key": key, "position": position}


def test_the_rich_database_fills_every_table(rich_database):
    """So that comparing every table after a round trip proves something."""
    assert [label for label, rows in snapshot().items() if not rows] == []
    assert (
        models.Position.history.filter(request_id="backup-create").get().history_user.username
        == "editor"
    )
    assert models.Source.history.filter(slug="doomed", history_type="-").exists()


def empty_database() -> None:
    """What `migrate` leaves: no data, no account, the `editors` group, id counters at 1."""
    emptied = [
        model for model in compared_models() if model not in (Group, Group.permissions.through)
    ]
    with connection.cursor() as cursor:
        for model in reversed(emptied):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        if connection.vendor == "postgresql":
            for sql in connection.ops.sequence_reset_sql(no_style(), emptied):
                cursor.execute(sql)
        elif connection.vendor == "sqlite":
            tables = [model._meta.db_table for model in emptied]
            cursor.execute(
                f"DELETE FROM sqlite_sequence WHERE name IN ({', '.join(['%s'] * len(tables))})",
                tables,
            )
    Group.objects.exclude(name="editors").delete()
    assert [label for label, rows in snapshot().items() if rows] == [
        "auth.group",
        "auth.group_permissions",
    ]


# --- The round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["backup.jsonl", "backup.jsonl.gz"])
def test_import_into_an_empty_database_restores_every_row_exactly(rich_database, tmp_path, name):
    before = snapshot()
    path = export(tmp_path / name)
    empty_database()

    output = run("import_data", str(path))

    assert output.startswith(f"Imported {sum(len(rows) for rows in before.values())} rows")
    assert_same(snapshot(), before)


def test_import_replace_restores_every_row_and_drops_what_came_since(rich_database, tmp_path):
    before = snapshot()
    path = export(tmp_path / "backup.jsonl")
    # Changes after the backup: all undone by the restore.
    client = token_client(rich_database["key"])
    ok(client.patch(f"{API}/positions/{rich_database['position']}/", {"stance": 2}))
    ok(client.post(f"{API}/sources/", {"slug": "later", "title": "Later", "kind": "report"}), 201)
    User.objects.create_user("newcomer")
    assert Session.objects.exists()

    run("import_data", str(path), "--replace")

    assert_same(snapshot(), before)
    assert not Session.objects.exists()  # everyone logs in again


def test_import_records_no_history(rich_database, tmp_path):
    """The audit trail comes back as it was: not one record more, none overwritten, none dated
    after the export (raw inserts: no `save()`, no signal)."""
    before = {model: list(model.objects.order_by("pk").values()) for model in historical_models()}
    path = export(tmp_path / "backup.jsonl")
    exported = timezone.now()
    empty_database()

    run("import_data", str(path))

    after = {model: list(model.objects.order_by("pk").values()) for model in historical_models()}
    assert {model: len(rows) for model, rows in after.items()} == {
        model: len(rows) for model, rows in before.items()
    }
    assert after == before
    assert not any(
        model.objects.filter(history_date__gte=exported).exists()
        for model in historical_models()
        if hasattr(model, "history_date")
    )


def test_after_an_import_new_rows_get_new_ids_and_old_tokens_work(rich_database, tmp_path):
    """The id counters are moved past the imported ids (PostgreSQL's sequences), and a token
    issued before the backup authenticates after the restore."""
    path = export(tmp_path / "backup.jsonl")
    empty_database()
    run("import_data", str(path))
    highest = models.Position.objects.order_by("-pk").first().pk

    created = ok(
        token_client(rich_database["key"]).post(
            f"{API}/positions/",
            {
                "stakeholder": models.Stakeholder.objects.get(slug="chile").pk,
                "option": models.PolicyOption.objects.get(slug="us-sanctions").pk,
                "stance": 0,
                "basis": "stated",
                "as_of": "2019-06-01",
                "source": models.Source.objects.get(slug="seed-article").pk,
            },
        ),
        201,
    )

    assert created["id"] > highest
    assert models.Position.history.filter(id=created["id"]).get().history_user.username == "editor"
    assert User.objects.create_user("someone-new").pk > User.objects.get(username="analyst").pk
    assert Group.objects.create(name="new-group").pk > Group.objects.get(name="reviewers").pk


def test_the_file_holds_password_hashes_and_token_digests_but_no_key(rich_database, tmp_path):
    text = export(tmp_path / "backup.jsonl").read_text(encoding="utf-8")
    editor = User.objects.get(username="editor")

    assert editor.password.startswith(("pbkdf2_", "argon2", "bcrypt", "scrypt", "md5"))
    assert json.dumps(editor.password) in text
    assert all(token.digest in text for token in AuthToken.objects.all())
    assert rich_database["key"] not in text
    assert "django_session" not in text and '"sessions.session"' not in text
    # Permissions by natural key, not by id.
    assert '"permission":["view_position","options","position"]' in text


def test_the_header_says_what_the_file_holds(rich_database, tmp_path):
    lines = export(tmp_path / "backup.jsonl").read_text(encoding="utf-8").splitlines()
    header, footer = json.loads(lines[0]), json.loads(lines[-1])

    assert header["format"] == "policytracker-backup"
    assert header["version"] == 1
    assert header["migrations"]["options"] == latest_migration("options")
    # Every table compared here, and no other: the accounts and the whole app.
    assert header["counts"] == {label: len(rows) for label, rows in snapshot().items()}
    assert footer == {
        "end": "policytracker-backup",
        "objects": len(lines) - 2,
        "sha256": hashlib.sha256("".join(f"{line}\n" for line in lines[:-1]).encode()).hexdigest(),
    }
    # Parents before children: options after topics; users, and the records, before history.
    order = [json.loads(line)["model"] for line in lines[1:-1]]
    assert order.index("options.topic") < order.index("options.policyoption")
    assert order.index("auth.user") < order.index("options.historicalposition")
    assert order.index("options.position") < order.index("options.historicalposition")


# --- Refusals: nothing changes ----------------------------------------------------------------


def rewrite(path: Path, edit) -> None:
    """Apply `edit` to the file's header and rows (a list of dicts), and sign it again: the
    result is a well-formed backup whose content the checks must judge."""
    lines = path.read_text(encoding="utf-8").splitlines()
    objects = [json.loads(line) for line in lines[:-1]]
    edit(objects)
    body = "".join(
        json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n" for obj in objects
    )
    footer = {
        "end": "policytracker-backup",
        "objects": len(objects) - 1,
        "sha256": hashlib.sha256(body.encode()).hexdigest(),
    }
    path.write_text(body + json.dumps(footer) + "\n", encoding="utf-8")


def test_import_into_a_database_that_is_not_empty_is_refused(rich_database, tmp_path):
    path = export(tmp_path / "backup.jsonl")
    before = snapshot()

    with pytest.raises(CommandError, match=r"This database is not empty: it has \d+ rows") as error:
        run("import_data", str(path))

    assert "--replace" in str(error.value)
    assert_same(snapshot(), before)


def test_import_refuses_a_file_from_another_migration_state(rich_database, tmp_path):
    path = export(tmp_path / "backup.jsonl")
    rewrite(path, lambda objects: objects[0]["migrations"].update(options="9999_future"))
    before = snapshot()

    with pytest.raises(CommandError) as error:
        run("import_data", str(path), "--replace")

    assert str(error.value).startswith(
        "The file was exported from a database at another migration state (options: the file "
        f"9999_future, this database {latest_migration('options')})."
    )
    assert_same(snapshot(), before)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[: len(data) // 2], "is truncated"),
        (lambda data: data[: data.rindex(b"\n", 0, len(data) - 1) + 1], "is truncated"),
        (lambda data: data.replace(b'"stance":1', b'"stance":2', 1), "is damaged"),
        (lambda data: data.replace(b"\n", b"\n\n", 3), "is damaged"),
        (lambda data: b"", "is empty"),
        (lambda data: b"[]\n", "is not a policytracker backup"),
    ],
    ids=[
        "cut-mid-line",
        "cut-at-a-line",
        "a-value-changed",
        "lines-added",
        "empty",
        "not-a-backup",
    ],
)
def test_import_refuses_a_damaged_file_and_changes_nothing(
    rich_database, tmp_path, damage, message
):
    path = export(tmp_path / "backup.jsonl")
    path.write_bytes(damage(path.read_bytes()))
    before = snapshot()

    with pytest.raises(CommandError, match=message):
        run("import_data", str(path), "--replace")

    assert_same(snapshot(), before)


def test_import_refuses_a_truncated_compressed_file(rich_database, tmp_path):
    path = export(tmp_path / "backup.jsonl.gz")
    path.write_bytes(path.read_bytes()[:-100])
    before = snapshot()

    with pytest.raises(CommandError, match="truncated"):
        run("import_data", str(path), "--replace")

    assert_same(snapshot(), before)


def test_import_replace_rolls_back_when_a_row_refers_to_nothing(rich_database, tmp_path):
    """The data is deleted and the rows inserted before the foreign keys are checked: a
    failure then undoes the deletion too."""
    path = export(tmp_path / "backup.jsonl")

    def dangling_user(objects):
        row = next(obj for obj in objects[1:] if obj["model"] == "options.historicalposition")
        row["fields"]["history_user"] = 999_999

    rewrite(path, dangling_user)
    before = snapshot()

    with pytest.raises(CommandError, match="Nothing was imported"):
        run("import_data", str(path), "--replace")

    assert_same(snapshot(), before)
    assert Session.objects.exists()


@pytest.mark.parametrize(
    "row",
    [
        {
            "model": "sessions.session",
            "pk": "x",
            "fields": {"session_data": "", "expire_date": None},
        },
        {"model": "auth.permission", "pk": 1, "fields": {"name": "x"}},
        {"model": "options.nothing", "pk": 1, "fields": {}},
    ],
    ids=["a-session", "a-permission", "an-unknown-model"],
)
def test_import_refuses_rows_of_tables_a_backup_does_not_hold(rich_database, tmp_path, row):
    path = export(tmp_path / "backup.jsonl")
    rewrite(path, lambda objects: objects.insert(1, row))
    before = snapshot()

    with pytest.raises(CommandError, match="line 2: not a row of a backed-up model"):
        run("import_data", str(path), "--replace")

    assert_same(snapshot(), before)


def test_import_refuses_a_file_whose_counts_do_not_match_its_rows(rich_database, tmp_path):
    path = export(tmp_path / "backup.jsonl")
    rewrite(path, lambda objects: objects[0]["counts"].update({"options.position": 1}))
    before = snapshot()

    with pytest.raises(CommandError, match="says it holds 1 rows of options.position"):
        run("import_data", str(path), "--replace")

    assert_same(snapshot(), before)


def test_export_to_a_missing_folder_fails_cleanly(tmp_path):
    with pytest.raises(CommandError, match="Cannot read or write"):
        run("export_data", str(tmp_path / "nowhere" / "backup.jsonl"))


# --- Across databases -------------------------------------------------------------------------


SNAPSHOT_SCRIPT = (
    "import django, json, sys; django.setup(); "
    "from tests.test_backup import portable_snapshot; json.dump(portable_snapshot(), sys.stdout)"
)


@pytest.fixture
def throwaway_postgres() -> str:
    """A new PostgreSQL database's URL, dropped afterwards; skips when PostgreSQL is not
    reachable (BACKUP_TEST_POSTGRES_URL names the server and a database to connect to)."""
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}")
    name = f"policytracker_backup_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def manage(database_url: str, *args: str, code: str | None = None) -> str:
    command = [sys.executable, "-c", code] if code else [sys.executable, "manage.py", *args]
    result = subprocess.run(
        command,
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "policytracker.settings",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{command[1:]}: {result.stdout}\n{result.stderr}"
    return result.stdout


def test_a_backup_restores_into_a_new_postgresql_database(
    rich_database, tmp_path, throwaway_postgres
):
    """Exported from the test database (SQLite in a default run), imported with the commands
    into a PostgreSQL database fresh from `migrate`: every row the same, content types and
    permissions matched by natural key, and the sequences past the imported ids."""
    path = export(tmp_path / "backup.jsonl.gz")

    manage(throwaway_postgres, "migrate", "--no-input", "-v", "0")
    manage(throwaway_postgres, "import_data", str(path))

    restored = json.loads(manage(throwaway_postgres, code=SNAPSHOT_SCRIPT))
    assert restored.keys() == portable_snapshot().keys()
    for label, rows in portable_snapshot().items():
        assert restored[label] == rows, label
    manage(throwaway_postgres, "create_api_token", "analyst")  # a new token row
    manage(
        throwaway_postgres,
        code=(
            "import django; django.setup(); from tests import factories; "
            "factories.PositionFactory()"  # new rows in many tables, with new ids
        ),
    )

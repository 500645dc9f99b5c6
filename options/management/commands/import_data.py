"""`python manage.py import_data FILE [--replace]`: restore a backup written by `export_data`.

The whole file is checked before anything changes: it must be complete and undamaged (its last
line holds a digest of the others), and exported from a database at the same migration state
as this one (else: migrate this database to the file's state, import, then migrate). Then it
is imported in one transaction: all of it, or on any error nothing. Rows keep their ids,
timestamps and versions; the audit trail is restored as it was and records nothing new.

Without `--replace` the database must be empty: no data, no history, no user, no token (just
after `migrate`). Its groups (`migrate` makes `editors`) are replaced by the file's.

`--replace` first deletes, in the same transaction, every row of the app and of its audit
trail, every user, group, API token and admin log entry, and every session (everyone logs in
again), then imports: the database becomes the backup. Accounts and tokens made since the
backup are gone; tokens in the backup work again until they expire.

On PostgreSQL the id sequences are moved past the imported ids, so new rows do not collide.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from options.backup import BackupError, backup_import


class Command(BaseCommand):
    help = (
        "Restore a backup written by export_data into an empty database, or with --replace "
        "into this one, replacing all its data and accounts. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup to read (.gz: gzip-compressed).")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete all the data, history, users, groups, tokens and sessions first "
            "(in the same transaction: on error, nothing changes).",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to restore into (default: %(default)s).",
        )

    def handle(self, *args, file, replace, database, verbosity, **options):
        path = Path(file)
        started = time.perf_counter()
        try:
            header = backup_import(path=path, replace=replace, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from None
        # The query planner's statistics on the restored rows (SQLite never gathers them itself).
        with connections[database].cursor() as cursor:
            cursor.execute("ANALYZE")
        counts = header["counts"]
        replaced = " (replacing the database's data and accounts)" if replace else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {sum(counts.values())} rows of {len(counts)} tables from {path}, "
                f"exported {header['exported_at']} from {header['database']}{replaced} "
                f"({time.perf_counter() - started:.1f} s)."
            )
        )
        if verbosity > 1:
            for label, count in counts.items():
                self.stdout.write(f"  {label}: {count}")

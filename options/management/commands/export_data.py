"""`python manage.py export_data FILE`: write the whole database to FILE, history included.

FILE is JSON lines (`options/backup.py` describes it), gzip-compressed when its name ends in
`.gz`. It holds every row of the app, of the audit trail and of the accounts (users with their
password hashes, groups, API token digests, the admin's log), each with its id: keep it as
private as the database. Sessions, content types and permissions are not in it (`migrate`
makes the last two). The rows are read from one snapshot of the database and written a line at
a time, so a large database never has to fit in memory. `import_data FILE` restores it.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from options.backup import BackupError, backup_export


def file_size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


class Command(BaseCommand):
    help = (
        "Write the whole database (data, audit trail, accounts) to FILE as JSON lines "
        "(gzip when FILE ends in .gz); import_data restores it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to write (replaced if it exists).")
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to export (default: %(default)s).",
        )

    def handle(self, *args, file, database, verbosity, **options):
        path = Path(file)
        started = time.perf_counter()
        try:
            header = backup_export(path=path, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = header["counts"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {sum(counts.values())} rows of {len(counts)} tables to {path} "
                f"({file_size(path.stat().st_size)}, {time.perf_counter() - started:.1f} s)."
            )
        )
        if verbosity > 1:
            for label, count in counts.items():
                self.stdout.write(f"  {label}: {count}")

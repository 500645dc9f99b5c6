"""`python manage.py import_ftm FILE [--dry-run]`: stakeholders from FollowTheMoney entities.

FILE (or `-`, standard input) holds FtM entities in JSON lines, e.g. an OpenSanctions extract or
this service's own `/api/v1/export/ftm.jsonl`. The work is `options.interchange.ftm_import`: each
Person, Organization, Company, PublicBody or LegalEntity entity completes the stakeholder it
matches (by its id `policytracker-stakeholder-<id>` if it has one, else by OpenSanctions ID,
then by name; only blank fields are filled in) or becomes a new one; other schemata are counted
and left alone. All or nothing: a bad line stops the import with its number, and nothing is
saved. The report names each entity left alone, and what to do about it.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from options.interchange import FtMImportError, FtMImportReport, ftm_import

STAKEHOLDER_ID = "policytracker-stakeholder-<id>"


class Command(BaseCommand):
    help = (
        "Create or complete stakeholders from FollowTheMoney entities in JSON lines (FILE, or - "
        "for standard input), e.g. an OpenSanctions extract or this service's FtM export. "
        "Matches existing stakeholders by their id in the export (policytracker-stakeholder-N), "
        "else by OpenSanctions ID, then by name, and only fills in their blank fields."
    )
    # `call_command(..., stdin=…)` reads "-" from it (tests).
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="FtM entities, one a line; - reads standard input.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what the import would do, and save nothing.",
        )

    def handle(self, *args, file, dry_run, **options):
        name = "standard input" if file == "-" else file
        try:
            if file == "-":
                report = ftm_import(lines=options.get("stdin", sys.stdin.buffer), dry_run=dry_run)
            else:
                with Path(file).open("rb") as lines:
                    report = ftm_import(lines=lines, dry_run=dry_run)
        except OSError as error:
            raise CommandError(f"Cannot read {name}: {error}") from None
        except FtMImportError as error:
            raise CommandError(f"{name}, {error} Nothing was imported.") from None
        self._report(name, report, dry_run)

    def _report(self, name: str, report: FtMImportReport, dry_run: bool) -> None:
        heading = f"Dry run of {name}, nothing saved:" if dry_run else f"Imported {name}:"
        self.stdout.write(self.style.SUCCESS(heading))
        self.stdout.write(f"  created: {report.created}")
        self.stdout.write(f"  updated: {report.updated}")
        self.stdout.write(f"  unchanged: {report.unchanged}")
        self.stdout.write(f"  skipped: {report.skipped}")
        for schema, count in sorted(report.not_imported.items()):
            self.stdout.write(f"    {schema}: {count} (a schema that is not imported)")
        if report.ambiguous:
            self.stdout.write(
                f"    ambiguous: {len(report.ambiguous)} (left alone: each could be any of the "
                "stakeholders listed under it)"
            )
            for first, *details in report.ambiguous:
                self.stdout.write(f"      {first}")
                for detail in details:
                    self.stdout.write(f"        {detail}")
        if report.mismatched:
            self.stdout.write(
                f"    id of another stakeholder: {len(report.mismatched)} (left alone: if the "
                "stakeholder was renamed since the export, there is nothing to import; if the "
                "file comes from another database, give these entities ids of their own, not "
                f"{STAKEHOLDER_ID}, and import again)"
            )
            for line in report.mismatched:
                self.stdout.write(f"      {line}")
        if report.unknown_ids:
            self.stdout.write(
                f"  ids of stakeholders not here: {len(report.unknown_ids)} (deleted since the "
                "export, or another database's ids: matched by OpenSanctions ID and name "
                "instead)"
            )
            for line in report.unknown_ids:
                self.stdout.write(f"    {line}")

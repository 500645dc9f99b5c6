"""`python manage.py run_smp FILE.csv`: run KTAB's Spatial Model of Politics on a KTAB CSV file.

The file is a KTAB scenario (options/analysis/ktab_csv.py); the model runs as KTAB's smpc runs it
with its default parameters (options/analysis/smp.py), outside any topic, and the history is
printed as one line of JSON: {"actors": [...], "dimensions": [...], "rounds": R,
"positions": P}, P[state][actor][dimension] on the 0–100 scale, state 0 being the input, which
is the shape of KTAB's reference runs in tests/data/ktab/, so that it can be compared with KTAB.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from options.analysis.ktab_csv import read_ktab_csv
from options.analysis.smp import smp_run


class Command(BaseCommand):
    help = (
        "Run KTAB's Spatial Model of Politics (smpc's defaults) on a KTAB CSV scenario and print "
        "the positions, round by round, as JSON."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="A KTAB CSV scenario (as KTAB's examples/smp/doc/).")

    def handle(self, *args, file, **options):
        try:
            scenario = read_ktab_csv(file)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        except ValueError as error:
            raise CommandError(f"{file}: {error}") from None
        try:
            history = smp_run(scenario)
        except ValueError as error:
            raise CommandError(f"{file}: the model stops: {error}") from None
        self.stdout.write(json.dumps(history.as_dict()))

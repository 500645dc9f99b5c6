"""
The benchmark's data and scenarios: the synthetic dataset of a size (generated once per
database), a few additions the generator does not make, and the scenarios' URLs, with their
parameters picked from the data.

Needs Django set up (bench/run.py does it).
"""

import datetime
import itertools
import random
import time
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Max

from options import models

SEED = 1
PREFIX = f"syn{SEED}-"
SIZES = {
    # The default dataset.
    "default": {"topics": 20, "stakeholders": 5000, "options": 1000, "positions": 200_000},
    "small": {"topics": 5, "stakeholders": 500, "options": 150, "positions": 20_000},
    # The scale target (PostgreSQL): the default dataset with five times the positions.
    "million": {"topics": 20, "stakeholders": 5000, "options": 1000, "positions": 1_000_000},
    # For the smoke test: seconds, not minutes.
    "tiny": {"topics": 2, "stakeholders": 60, "options": 20, "positions": 1_000},
}
# The generator makes no sanction measures, option actors or targets, nor disputes; the
# benchmark adds some (marked with this programme code) so that those paths do work too.
BENCH_MARK = "BENCH"
MEASURES = 20
DISPUTE_EVERY = 25  # one position in 25 is disputed
PAGE = 100  # the page size of the list scenarios
PAGE_BY_SIZE = {"tiny": 20}  # smaller pages for the smoke test
SEARCH = "0042"  # matches "Stakeholder 000042", "…004200" to "…004299", "…000420" to "…000429"
MATRIX_ROWS = 100  # the stance matrix's wanted rows


def prepare(size: str, stdout=None) -> dict:
    """Migrate, then generate the dataset of `size` unless it is there already (the `syn1-`
    topics), and add the benchmark's extras. Returns what was done and how long it took."""
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    generated = False
    if not models.Topic.objects.filter(slug__startswith=PREFIX).exists():
        call_command("generate_synthetic_data", seed=SEED, stdout=stdout, **SIZES[size])
        generated = True
    generated_at = time.perf_counter()
    add_extras()
    # The planner's statistics, with the extras and any index a migration just added, so that
    # the plans do not change in mid-run (PostgreSQL's autovacuum would otherwise do it then).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    prepared = time.perf_counter()
    return {
        "migrate_seconds": round(migrated - started, 2),
        "generated": generated,
        "generate_seconds": round(generated_at - migrated, 2) if generated else None,
        "extras_seconds": round(prepared - generated_at, 2),
    }


def bench_option() -> models.PolicyOption:
    """The option of the option-detail scenario: the first sanctions option of the data (or the
    first option, made a sanctions one if there is none)."""
    options = models.PolicyOption.objects.filter(topic__slug__startswith=PREFIX).order_by("id")
    option = options.filter(kind=models.PolicyOption.Kind.SANCTIONS).first()
    if option is None:
        option = options.first()
        option.kind = models.PolicyOption.Kind.SANCTIONS
        option.save(update_fields=["kind"])
    return option


@transaction.atomic
def add_extras() -> None:
    """Sanction measures, actors, targets and sources on the option-detail scenario's option,
    and disputes on one position in DISPUTE_EVERY. Once: they are marked."""
    if models.SanctionMeasure.objects.filter(programme_code=BENCH_MARK).exists():
        return
    rng = random.Random(SEED)
    option = bench_option()
    stakeholder_ids = list(
        models.Stakeholder.objects.filter(slug__startswith=PREFIX).values_list("id", flat=True)
    )
    source_ids = list(
        models.Source.objects.filter(slug__startswith=PREFIX).values_list("id", flat=True)
    )
    option.actors.set(rng.sample(stakeholder_ids, min(5, len(stakeholder_ids))))
    option.targets.set(rng.sample(stakeholder_ids, min(5, len(stakeholder_ids))))
    option.sources.set(rng.sample(source_ids, min(3, len(source_ids))))
    types = models.SanctionMeasure.MeasureType.values
    start = datetime.date(2016, 1, 1)
    models.SanctionMeasure.objects.bulk_create(
        models.SanctionMeasure(
            option=option,
            measure_type=rng.choice(types),
            imposing_authority_id=rng.choice(stakeholder_ids),
            target_id=rng.choice(stakeholder_ids),
            programme_code=BENCH_MARK,
            legal_basis=f"Executive order {n}",
            effective_date=start + datetime.timedelta(days=rng.randrange(0, 3000)),
            source_id=rng.choice(source_ids),
        )
        for n in range(1, MEASURES + 1)
    )
    # In the lists' order, so that the first page has some too.
    positions = models.Position.objects.filter(stakeholder__slug__startswith=PREFIX).values_list(
        "id", "as_of", "stakeholder_id"
    )[::DISPUTE_EVERY]
    models.PositionDispute.objects.bulk_create(
        (
            models.PositionDispute(
                position_id=position_id,
                disputed_by_id=rng.choice([s for s in stakeholder_ids[:50] if s != stakeholder]),
                date=as_of + datetime.timedelta(days=rng.randrange(1, 30)),
                source_id=rng.choice(source_ids),
                quote="That is not our position.",
            )
            for position_id, as_of, stakeholder in positions
        ),
        batch_size=2000,
    )


# --- Scenarios --------------------------------------------------------------------------------


@dataclass
class Scenario:
    """A request to measure, with its baselines' equivalents (None: no such baseline)."""

    name: str
    title: str
    api: str
    floor: str | None = None
    naive: str | None = None
    detail: str = ""  # what the parameters picked from the data are
    info: dict = field(default_factory=dict)

    def variants(self) -> dict[str, str]:
        urls = {"api": self.api, "floor": self.floor, "naive": self.naive}
        return {variant: url for variant, url in urls.items() if url}


def _matrix_kinds(topic: models.Topic, as_of: datetime.date) -> tuple[list[str], int, int]:
    """The stakeholder kinds whose stakeholders make a stance matrix of the topic closest to
    MATRIX_ROWS rows (a stakeholder has one kind, so rows add up). Returns the kinds, the rows
    with them and the rows with every kind."""
    counts = dict(
        models.Position.objects.filter(option__topic=topic, as_of__lte=as_of)
        .order_by()
        .values_list("stakeholder__kind")
        .annotate(rows=Count("stakeholder", distinct=True))
        .values_list("stakeholder__kind", "rows")
    )
    kinds = sorted(counts)
    best = min(
        (
            combination
            for n in range(1, len(kinds) + 1)
            for combination in itertools.combinations(kinds, n)
        ),
        key=lambda combination: (
            abs(sum(counts[k] for k in combination) - MATRIX_ROWS),
            len(combination),
        ),
    )
    return list(best), sum(counts[k] for k in best), sum(counts.values())


def scenarios(page: int = PAGE) -> list[Scenario]:
    """The benchmark's scenarios, their parameters picked from the data; lists by `page`."""
    topics = list(models.Topic.objects.filter(slug__startswith=PREFIX).order_by("id")[:2])
    topic = topics[0]
    as_of = models.Position.objects.aggregate(last=Max("as_of"))["last"]
    columns = topic.options.count()

    # The stakeholder with the most stated positions, over the middle 80 % of their dates.
    busiest = (
        models.Position.objects.filter(basis="stated")
        .values("stakeholder")
        .annotate(n=Count("id"))
        .order_by("-n", "stakeholder")
        .first()
    )
    stakeholder = models.Stakeholder.objects.get(pk=busiest["stakeholder"])
    dates = sorted(
        models.Position.objects.filter(stakeholder=stakeholder, basis="stated").values_list(
            "as_of", flat=True
        )
    )
    after, before = dates[len(dates) // 10], dates[len(dates) * 9 // 10]
    filtered_query = (
        f"stakeholder={stakeholder.slug}&basis=stated&as_of_after={after}&as_of_before={before}"
        f"&limit={page}"
    )
    filtered_rows = models.Position.objects.filter(
        stakeholder=stakeholder, basis="stated", as_of__range=(after, before)
    ).count()

    option = bench_option()
    kinds, rows, all_rows = _matrix_kinds(topic, as_of)
    kind_query = "".join(f"&stakeholder_kind={kind}" for kind in kinds)
    timeline_from = as_of - datetime.timedelta(days=365)
    # For counting the timeline's queries: pages that start with an event, whatever their size
    # (a page with events reads the events' relations too).
    event = topic.events.filter(date__lte=as_of).order_by("-date").first()
    event_window = f"from={event.date if event else timeline_from}&to={as_of}"

    return [
        Scenario(
            "positions-list",
            "Positions list",
            f"/api/v1/positions/?limit={page}",
            f"/bench/floor/positions/?limit={page}",
            f"/bench/naive/positions/?limit={page}",
            detail=f"page 1 of {page}, nested brief objects",
        ),
        Scenario(
            "positions-filtered",
            "Positions filtered",
            f"/api/v1/positions/?{filtered_query}",
            f"/bench/floor/positions/?{filtered_query}",
            f"/bench/naive/positions/?{filtered_query}",
            detail=(
                f"stakeholder {stakeholder.slug} + basis stated + as_of {after} to {before}: "
                f"{filtered_rows} rows"
            ),
        ),
        Scenario(
            "stakeholders-search",
            "Stakeholders search",
            f"/api/v1/stakeholders/?search={SEARCH}&limit={page}",
            f"/bench/floor/stakeholders/?search={SEARCH}&limit={page}",
            f"/bench/naive/stakeholders/?search={SEARCH}&limit={page}",
            detail=f'search "{SEARCH}", page of {page}, with affiliations',
        ),
        Scenario(
            "option-detail",
            "Option detail with measures",
            f"/api/v1/options/{option.pk}/",
            f"/bench/floor/options/{option.pk}/",
            f"/bench/naive/options/{option.pk}/",
            detail=f"option {option.pk}: {option.measures.count()} measures",
        ),
        Scenario(
            "stance-matrix",
            "Stance matrix",
            f"/api/v1/topics/{topic.pk}/stance-matrix/?as_of={as_of}{kind_query}",
            detail=(
                f"topic {topic.slug} as of {as_of}, kinds {'+'.join(kinds)}: "
                f"{rows} × {columns} (all kinds: {all_rows} × {columns})"
            ),
            info={"rows": rows, "columns": columns, "all_rows": all_rows, "kinds": kinds},
        ),
        Scenario(
            "topic-forecast",
            "Topic forecast",
            f"/api/v1/topics/{topic.pk}/forecast/?as_of={as_of}",
            detail=f"topic {topic.slug} as of {as_of}: {columns} options",
            info={"other_topic_url": f"/api/v1/topics/{topics[-1].pk}/forecast/?as_of={as_of}"},
        ),
        Scenario(
            "timeline-page",
            "Timeline page",
            f"/api/v1/topics/{topic.pk}/timeline/?from={timeline_from}&to={as_of}&limit={page}",
            detail=f"topic {topic.slug}, {timeline_from} to {as_of}, page 1 of {page}",
            info={"event_page_url": f"/api/v1/topics/{topic.pk}/timeline/?{event_window}"},
        ),
    ]

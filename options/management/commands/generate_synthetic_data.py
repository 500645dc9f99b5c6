"""`python manage.py generate_synthetic_data`: a realistic, reproducible dataset, fast.

For benchmarks and for trying the tracker at an analyst shop's scale: topics with options and
events, stakeholders of every kind with affiliations and influences, sources, and positions that
form histories (several per stakeholder × option over time, on every basis). The same `--seed`
gives the same data. Everything is written in bulk in one transaction (`bulk_create`, and plain
`executemany` for the positions), so it bypasses model validation and the audit trail on purpose:
the values are valid by construction.

Each run adds a new batch whose slugs carry the seed (`syn<seed>-…`); running it again with the
same seed is refused rather than duplicating.
"""

import datetime
import random
import time
from collections import Counter
from itertools import islice

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from options import models

BATCH_SIZE = 5000
FIRST_DAY = datetime.date(2015, 1, 1)
DAYS = 10 * 365
COUNTRIES = ["VE", "US", "CO", "BR", "CU", "RU", "CN", "ES", "CL", "MX", "GY", "FR", "DE", "GB"]
BASES = [basis for basis, _ in models.Position.Basis.choices]
# Stated positions are the commonest evidence, expected ones the rarest.
BASIS_WEIGHTS = [50, 25, 10, 15]
SALIENCES = [None, 20, 40, 50, 60, 80, 100]
# Stances drift: mostly unchanged from one position to the next, sometimes a step either way.
STANCE_STEPS = (-1, 0, 0, 0, 1)
# The fields of a generated position, in the order of its rows.
POSITION_COLUMNS = [
    "stakeholder_id",
    "option_id",
    "stance",
    "basis",
    "as_of",
    "salience",
    "source_id",
    "summary",
]


def batched(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


class Command(BaseCommand):
    help = "Create a reproducible synthetic dataset in bulk (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--topics", type=int, default=20)
        parser.add_argument("--stakeholders", type=int, default=5000)
        parser.add_argument("--options", type=int, default=1000, help="In all, over the topics.")
        parser.add_argument("--positions", type=int, default=200_000)
        parser.add_argument("--sources", type=int, default=None, help="Default: positions / 50.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, topics, stakeholders, options, positions, sources, seed, **kwargs):
        if min(topics, stakeholders, options) < 1 or positions < 0:
            raise CommandError("--topics, --stakeholders and --options must be at least 1.")
        if options < topics:
            raise CommandError("--options must be at least --topics (each topic has options).")
        prefix = f"syn{seed}"
        if models.Topic.objects.filter(slug__startswith=f"{prefix}-").exists():
            raise CommandError(f"Synthetic data with seed {seed} exists already: use another.")

        self.random = random.Random(seed)
        self.prefix = prefix
        self.counts = Counter()
        started = time.perf_counter()
        if connection.vendor == "sqlite":
            # A page cache that holds the position indexes (256 MiB; 2 MiB by default): each
            # insert updates about ten B-trees, and at this scale the default cache thrashes.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")
        with transaction.atomic():
            source_ids = self.create_sources(sources or max(positions // 50, 10))
            topic_ids = self.create_topics(topics, source_ids)
            stakeholder_ids = self.create_stakeholders(stakeholders)
            self.create_affiliations(stakeholder_ids, source_ids)
            options_by_topic = self.create_options(options, topic_ids)
            # Each stakeholder follows one to three topics: its positions are on their options.
            followed = {
                stakeholder_id: self.random.sample(topic_ids, min(len(topic_ids), self.tier()))
                for stakeholder_id in stakeholder_ids
            }
            self.create_influences(followed, source_ids)
            self.create_events(options_by_topic, stakeholder_ids, source_ids)
            position_seconds = self.create_positions(
                positions, followed, options_by_topic, source_ids
            )
        # The query planner's statistics on the new rows. PostgreSQL's autovacuum would gather
        # them a minute later; SQLite never does unless told, and without them it picks the
        # wrong index for a stakeholder's positions (240 ms instead of 2.5 ms, bench/README.md).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started

        for label, count in self.counts.items():
            self.stdout.write(f"  {label}: {count}")
        rate = positions / position_seconds if position_seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Created in {elapsed:.1f} s (positions: {position_seconds:.1f} s, "
                f"{rate:,.0f} a second)."
            )
        )

    def tier(self) -> int:
        return self.random.choices([1, 2, 3], weights=[60, 30, 10])[0]

    def day(self, start: int = 0) -> datetime.date:
        return FIRST_DAY + datetime.timedelta(days=self.random.randrange(start, DAYS))

    def bulk(self, model, objects) -> list[int]:
        """Insert `objects` in batches; return their ids (fetched back where the database
        cannot return them, as SQLite before 3.35 and MySQL cannot)."""
        ids = []
        for batch in batched(objects, BATCH_SIZE):
            created = model.objects.bulk_create(batch)
            ids.extend(obj.pk for obj in created)
        self.counts[str(model._meta.verbose_name_plural)] += len(ids)
        return ids

    def create_sources(self, count: int) -> list[int]:
        kinds = [kind for kind, _ in models.Source.Kind.choices]
        publishers = [f"Publisher {n}" for n in range(1, 41)]
        return self.bulk(
            models.Source,
            (
                models.Source(
                    slug=f"{self.prefix}-source-{n}",
                    title=f"Synthetic report {n}",
                    kind=self.random.choice(kinds),
                    publisher=self.random.choice(publishers),
                    url=f"https://example.org/{self.prefix}/{n}",
                    published=self.day(),
                )
                for n in range(1, count + 1)
            ),
        )

    def create_topics(self, count: int, source_ids: list[int]) -> list[int]:
        topic_ids = self.bulk(
            models.Topic,
            (
                models.Topic(
                    slug=f"{self.prefix}-topic-{n}",
                    title=f"Synthetic crisis {n}",
                    question=f"How will synthetic crisis {n} be resolved?",
                    country=self.random.choice(COUNTRIES),
                )
                for n in range(1, count + 1)
            ),
        )
        Through = models.Topic.sources.through
        self.bulk(
            Through,
            (
                Through(topic_id=topic_id, source_id=source_id)
                for topic_id in topic_ids
                for source_id in self.random.sample(source_ids, min(3, len(source_ids)))
            ),
        )
        return topic_ids

    def create_stakeholders(self, count: int) -> list[int]:
        kinds = [kind for kind, _ in models.Stakeholder.Kind.choices]
        weights = [40, 10, 12, 8, 8, 4, 6, 8, 4]
        return self.bulk(
            models.Stakeholder,
            (
                models.Stakeholder(
                    slug=f"{self.prefix}-stakeholder-{n}",
                    name=f"Stakeholder {n:06d}",
                    kind=kind,
                    country="" if kind == "bloc" else self.random.choice(COUNTRIES),
                    aliases=[f"S{n}"] if n % 5 == 0 else [],
                    description=f"Synthetic stakeholder number {n}.",
                )
                for n, kind in enumerate(
                    self.random.choices(kinds, weights=weights, k=count), start=1
                )
            ),
        )

    def create_affiliations(self, stakeholder_ids: list[int], source_ids: list[int]) -> None:
        if len(stakeholder_ids) < 2:
            return
        kinds = [kind for kind, _ in models.Affiliation.Kind.choices]

        def affiliations():
            for subject_id in stakeholder_ids[::2]:
                object_id = self.random.choice(stakeholder_ids)
                if object_id == subject_id:
                    continue
                start = self.day()
                yield models.Affiliation(
                    subject_id=subject_id,
                    object_id=object_id,
                    kind=self.random.choice(kinds),
                    start_date=start,
                    end_date=start + datetime.timedelta(days=self.random.randrange(30, 2000))
                    if self.random.random() < 0.3
                    else None,
                    source_id=self.random.choice(source_ids),
                )

        self.bulk(models.Affiliation, affiliations())

    def create_options(self, count: int, topic_ids: list[int]) -> dict[int, list[int]]:
        kinds = [kind for kind, _ in models.PolicyOption.Kind.choices]
        statuses = [status for status, _ in models.PolicyOption.Status.choices]
        topic_of = [topic_ids[n % len(topic_ids)] for n in range(count)]
        option_ids = self.bulk(
            models.PolicyOption,
            (
                models.PolicyOption(
                    topic_id=topic_id,
                    slug=f"option-{n}",
                    title=f"Option {n} on topic {topic_id}",
                    kind=self.random.choice(kinds),
                    status=self.random.choice(statuses),
                )
                for n, topic_id in enumerate(topic_of, start=1)
            ),
        )
        options_by_topic = {topic_id: [] for topic_id in topic_ids}
        for option_id, topic_id in zip(option_ids, topic_of, strict=True):
            options_by_topic[topic_id].append(option_id)
        return options_by_topic

    def create_influences(self, followed: dict[int, list[int]], source_ids) -> None:
        self.bulk(
            models.Influence,
            (
                models.Influence(
                    stakeholder_id=stakeholder_id,
                    topic_id=topic_id,
                    capability=self.random.randrange(0, 101),
                    as_of=self.day(),
                    source_id=self.random.choice(source_ids),
                )
                for stakeholder_id, topic_ids in followed.items()
                if self.random.random() < 0.5
                for topic_id in topic_ids
            ),
        )

    def create_events(self, options_by_topic, stakeholder_ids, source_ids) -> None:
        certainties = [certainty for certainty, _ in models.Event.Certainty.choices]
        topic_of = [
            topic_id for topic_id, option_ids in options_by_topic.items() for _ in option_ids
        ]
        event_ids = self.bulk(
            models.Event,
            (
                models.Event(
                    topic_id=topic_id,
                    slug=f"event-{n}",
                    title=f"Event {n}",
                    date=self.day(),
                    certainty=self.random.choices(certainties, weights=[80, 10, 5, 5])[0],
                )
                for n, topic_id in enumerate(topic_of, start=1)
            ),
        )
        self.bulk(
            models.EventParticipant,
            (
                models.EventParticipant(event_id=event_id, stakeholder_id=stakeholder_id)
                for event_id in event_ids
                for stakeholder_id in self.random.sample(
                    stakeholder_ids, min(len(stakeholder_ids), 3)
                )
            ),
        )
        SourceThrough = models.Event.sources.through
        self.bulk(
            SourceThrough,
            (
                SourceThrough(event_id=event_id, source_id=self.random.choice(source_ids))
                for event_id in event_ids
            ),
        )
        OptionThrough = models.Event.options.through
        self.bulk(
            OptionThrough,
            (
                OptionThrough(event_id=event_id, policyoption_id=self.random.choice(options))
                for event_id, topic_id in zip(event_ids, topic_of, strict=True)
                for options in [options_by_topic[topic_id]]
            ),
        )

    def create_positions(self, count, followed, options_by_topic, source_ids) -> float:
        """`count` positions as histories: for a stakeholder × option pair, runs of positions
        on dates that only rise, so no two of a pair share a date (the unique constraint holds
        whatever the counts)."""
        stakeholder_ids = list(followed)
        adapt_date = connection.ops.adapt_datefield_value
        # Where each pair's history has got to: (its last day, its last stance).
        histories = {}
        started = time.perf_counter()

        def positions():
            made = 0
            while made < count:
                stakeholder_id = self.random.choice(stakeholder_ids)
                option_ids = options_by_topic[self.random.choice(followed[stakeholder_id])]
                pair = (stakeholder_id, self.random.choice(option_ids))
                day, stance = histories.get(pair) or (
                    self.random.randrange(0, DAYS - 400),
                    self.random.randint(-2, 2),
                )
                run = min(count - made, self.random.randint(1, 8))
                # How much the stakeholder cares about the option holds over a run.
                salience = self.random.choice(SALIENCES)
                for basis in self.random.choices(BASES, weights=BASIS_WEIGHTS, k=run):
                    day += self.random.randint(1, 50)
                    stance = max(-2, min(2, stance + self.random.choice(STANCE_STEPS)))
                    yield (
                        pair[0],
                        pair[1],
                        stance,
                        basis,
                        adapt_date(FIRST_DAY + datetime.timedelta(days=day)),
                        salience,
                        self.random.choice(source_ids),
                        "Synthetic position.",
                    )
                histories[pair] = (day, stance)
                made += run

        self.insert_rows(models.Position, POSITION_COLUMNS, positions())
        return time.perf_counter() - started

    def insert_rows(self, model, names: list[str], rows) -> None:
        """INSERT `rows` (tuples of the fields `names`, values ready for the database) with
        `executemany`: several times faster than `bulk_create`, whose per-value preparation
        dominates at this scale. The model's other fields take their defaults."""
        now = timezone.now()
        constants = {}
        for field in model._meta.concrete_fields:
            if field.primary_key or field.attname in names:
                continue
            auto_timestamp = getattr(field, "auto_now", False) or getattr(
                field, "auto_now_add", False
            )
            value = now if auto_timestamp else field.get_default()
            constants[field.column] = field.get_db_prep_save(value, connection)
        columns = [model._meta.get_field(name).column for name in names] + list(constants)
        tail = tuple(constants.values())
        quote = connection.ops.quote_name
        into = f"{quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)})"
        inserted = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is PostgreSQL's bulk path, several times faster than INSERTs.
                with cursor.cursor.copy(f"COPY {into} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + tail)
                        inserted += 1
            else:
                sql = f"INSERT INTO {into} VALUES ({', '.join(['%s'] * len(columns))})"
                for batch in batched(rows, BATCH_SIZE):
                    cursor.executemany(sql, [row + tail for row in batch])
                    inserted += len(batch)
        self.counts[str(model._meta.verbose_name_plural)] += inserted

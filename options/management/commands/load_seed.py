"""`python manage.py load_seed [--file PATH]`: load the seed data, once.

The seed is a fixture (by default `fixtures/venezuela-2019.json`) holding one topic and
everything on it. It is loaded only when its topic is not in the database yet, so running the
command again, e.g. on every `make run`, changes nothing and never overwrites edits made since.

Unlike `manage.py loaddata`, which also reads the file:

- every object is validated with `full_clean()` before it is saved, in one transaction: a bad
  fixture fails with a clear message and leaves the database as it was;
- sources and stakeholders that already exist (the same slug, e.g. from another topic) are
  reused as they are, not overwritten;
- every object created gets one "created" record in the audit trail (by no user, in no request),
  with its final values, many-to-many links included;
- positions carry explicit pks in the file only so that position disputes can refer to them
  (a position has no natural key). Those pks are not kept: each position gets a new id and the
  disputes are pointed at it, so the file cannot collide with positions already in the database.
  Every other object is identified by its natural key or gets a new id.
"""

import json
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError

from options import services
from options.models import Topic

DEFAULT_FIXTURE = Path("fixtures") / "venezuela-2019.json"


def _describe(instance) -> str:
    return f"{instance._meta.label} “{instance}”"


def _errors(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Load the seed fixture (default fixtures/venezuela-2019.json) if its topic is not in the "
        "database yet; otherwise do nothing. Safe to run repeatedly: it never overwrites data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            default=None,
            help=f"The fixture to load (default: {DEFAULT_FIXTURE}, relative to the project).",
        )

    def handle(self, *args, file, **options):
        path = Path(file) if file else Path(settings.BASE_DIR) / DEFAULT_FIXTURE
        try:
            text = path.read_text(encoding="utf-8")
            records = json.loads(text)
        except OSError as error:
            raise CommandError(f"Cannot read the fixture {path}: {error}") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"{path} is not valid JSON: {error}") from None

        topic_slugs = [
            record.get("fields", {}).get("slug")
            for record in records
            if isinstance(record, dict) and record.get("model") == "options.topic"
        ]
        if not topic_slugs or not all(topic_slugs):
            raise CommandError(f"{path} holds no topic with a slug: nothing identifies the seed.")

        with services.audited_write():
            present = list(
                Topic.objects.filter(slug__in=topic_slugs).values_list("slug", flat=True)
            )
            if present:
                self.stdout.write(
                    f"Topic {', '.join(sorted(present))} already loaded, nothing to do."
                )
                return
            created, reused = self._load(text, path)

        self.stdout.write(self.style.SUCCESS(f"Loaded {path}:"))
        for label, count in created.items():
            line = f"  {label}: {count}"
            if reused[label]:
                line += f" (and {reused[label]} already present, kept as they were)"
            self.stdout.write(line)
        for label in sorted(reused.keys() - created.keys()):
            self.stdout.write(f"  {label}: 0 (and {reused[label]} already present, kept)")

    def _load(self, text: str, path: Path) -> tuple[Counter, Counter]:
        """Save every object of the fixture; return the counts created and reused, by model."""
        created, reused = Counter(), Counter()
        # Objects of models without a natural key (positions), by (model, pk in the file).
        saved_by_file_pk = {}
        deferred = []
        try:
            for item in serializers.deserialize("json", text, handle_forward_references=True):
                instance = item.object
                model = type(instance)
                label = str(model._meta.verbose_name_plural)

                if hasattr(instance, "natural_key"):
                    try:
                        model._default_manager.get_by_natural_key(*instance.natural_key())
                    except ObjectDoesNotExist:
                        pass
                    else:
                        reused[label] += 1
                        continue
                file_pk = instance.pk
                instance.pk = None
                instance._state.adding = True

                # Point references to objects without a natural key at the new objects.
                for field in model._meta.concrete_fields:
                    if not field.is_relation or hasattr(field.related_model, "natural_key"):
                        continue
                    value = getattr(instance, field.attname)
                    if value is None or field in item.deferred_fields:
                        continue
                    target = saved_by_file_pk.get((field.related_model, value))
                    if target is None:
                        raise CommandError(
                            f"{_describe(instance)} refers to {field.related_model._meta.label} "
                            f"pk {value}, which is not earlier in {path}."
                        )
                    setattr(instance, field.attname, target.pk)

                for field in item.deferred_fields:
                    if not field.many_to_many and not field.null:
                        raise CommandError(
                            f"{_describe(instance)}: its {field.name} refers to an object that is "
                            f"not in the database nor earlier in {path}."
                        )
                exclude = [field.name for field in item.deferred_fields]
                self._validate(instance, exclude=exclude)
                instance.save()
                for name, values in item.m2m_data.items():
                    getattr(instance, name).set(values)
                if item.deferred_fields:
                    deferred.append(item)
                if file_pk is not None:
                    saved_by_file_pk[model, file_pk] = instance
                created[label] += 1

            for item in deferred:
                item.save_deferred_fields()
                self._validate(item.object)
        except DeserializationError as error:
            raise CommandError(f"Cannot load {path}: {error}") from None
        return created, reused

    def _validate(self, instance, exclude=None):
        try:
            instance.full_clean(exclude=exclude)
        except ValidationError as error:
            raise CommandError(f"Invalid {_describe(instance)}: {_errors(error)}") from None

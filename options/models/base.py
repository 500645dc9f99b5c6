"""What every model of the app shares: dates and how precisely they are known, the rule that
an end is not before its start, the refusal to delete what other records refer to,
timestamps and versions (`TimeStampedModel`), and lookups by slug."""

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router, transaction
from django.db.models import F, Q
from django.db.models.deletion import Collector

END_BEFORE_START_MESSAGE = "The end date cannot be before the start date."


class DatePrecision(models.TextChoices):
    """How much of a date is known: a "month" date is shown as its month, and so on."""

    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def date_precision_field(verbose_name: str) -> models.CharField:
    return models.CharField(
        verbose_name,
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How much of the date is known; the date itself is the best estimate.",
    )


def end_not_before_start(name: str, start: str = "start_date", end: str = "end_date"):
    """A CheckConstraint: the end date, when both are known, is not before the start date."""
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True})
        | Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__gte": F(start)}),
        name=name,
        violation_error_message=END_BEFORE_START_MESSAGE,
    )


def check_end_not_before_start(obj: models.Model, start: str = "start_date", end: str = "end_date"):
    """The `clean()` side of `end_not_before_start`, reported on the end date field."""
    start_value, end_value = getattr(obj, start), getattr(obj, end)
    if start_value and end_value and end_value < start_value:
        raise ValidationError({end: END_BEFORE_START_MESSAGE})


def many_to_many_referrers(instance: models.Model) -> list[models.Model]:
    """The objects that refer to `instance` through a plain many-to-many field.

    Django cascades such links away silently on delete; we refuse the delete instead, as
    `on_delete=PROTECT` does for foreign keys. (Through models declare their own `on_delete`.)
    """
    referrers = []
    for relation in instance._meta.related_objects:
        if relation.many_to_many and relation.through._meta.auto_created:
            referrers.extend(getattr(instance, relation.get_accessor_name()).all())
    return referrers


def protected_referrers(instance: models.Model) -> list[models.Model]:
    """The objects whose `on_delete=PROTECT` foreign keys stop `instance` from being deleted."""
    collector = Collector(using=router.db_for_write(type(instance)), origin=instance)
    try:
        collector.collect([instance])
    except models.ProtectedError as error:
        return list(error.protected_objects)
    return []


def refuse_delete_if_referenced(instance: models.Model) -> None:
    """Raise ProtectedError if other objects refer to `instance` through a many-to-many field,
    naming every referrer (the protecting foreign keys' too, so that the list is complete)."""
    referrers = many_to_many_referrers(instance)
    if referrers:
        raise models.ProtectedError(
            f"Cannot delete {instance._meta.verbose_name} “{instance}”: other records still "
            "refer to it.",
            {*protected_referrers(instance), *referrers},
        )


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Stores "López" as it is, not as "L\\u00f3pez": so that searching text in JSON finds it
    (SQLite keeps JSON as text; PostgreSQL's jsonb is unaffected)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "ensure_ascii": False})


class TimeStampedModel(models.Model):
    created = models.DateTimeField(auto_now_add=True, editable=False)
    updated = models.DateTimeField(auto_now=True, editable=False)
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up by one with every save: the API's ETag, the admin's edit check.",
    )

    # The places a field of the model is not in, on purpose, and why: tests/test_completeness.py
    # walks whoever adds a field to every other place (docs/architecture.md). Merged along the
    # class hierarchy: each model adds its own.
    left_out = {
        "admin": {"version": "the edit check carries it, in a hidden field"},
        "resource": {
            "created": "set when the record is, not by a file",
            "updated": "set at each save, not by a file",
            "version": "a row of a file is not a version of the record",
        },
        "filters": {"version": "the ETag's number, not a property of what the record says"},
        "popolo": {"version": "the ETag's number, not a property of what the record says"},
        "ftm": {
            "created": "FtM entities carry no record dates",
            "updated": "FtM entities carry no record dates",
            "version": "the ETag's number, not a property of what the record says",
        },
    }

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic(using=router.db_for_write(type(self))):
            if not self._state.adding and self.pk is not None:
                self.version = self._next_version()
                update_fields = kwargs.get("update_fields")
                if update_fields is not None and "version" not in update_fields:
                    kwargs["update_fields"] = [*update_fields, "version"]
            super().save(*args, **kwargs)

    def _next_version(self) -> int:
        """Take the next version in the database, whatever version this copy was loaded at
        (a revert saves an old copy). Concurrent saves never get the same number: the UPDATE
        holds the row until the transaction ends."""
        rows = type(self)._base_manager.filter(pk=self.pk)
        if not rows.update(version=F("version") + 1):
            return self.version + 1  # gone from the database meanwhile: the save will say so
        return rows.values_list("version", flat=True).get()

    def lock_at_version(self, versions: list[int]) -> bool:
        """Hold this object's row until the transaction ends if its version in the database is
        one of `versions`, and say whether it is. Call it inside `transaction.atomic()`, before
        a write that must not overwrite a change made since the writer read `versions`."""
        # An UPDATE rather than SELECT … FOR UPDATE, which SQLite lacks: PostgreSQL then holds
        # the row, SQLite the database, until the transaction ends.
        rows = type(self)._base_manager.filter(pk=self.pk, version__in=versions)
        return bool(rows.update(version=F("version")))

    def delete(self, *args, **kwargs):
        # Checked before Django's deletion transaction opens, so that a refusal leaves an
        # enclosing transaction usable. The pre_delete receiver (options/models/signals.py)
        # covers queryset deletes.
        refuse_delete_if_referenced(self)
        return super().delete(*args, **kwargs)


class SlugManager(models.Manager):
    """Looks objects up by their slug, the natural key used by fixtures."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class TopicScopedSlugManager(models.Manager):
    """Looks objects up by (topic slug, slug): their slugs are unique within a topic."""

    def get_by_natural_key(self, topic_slug, slug):
        return self.get(topic__slug=topic_slug, slug=slug)

"""
What a serializer shows, read in a fixed number of queries: `read_queryset(serializer_class)` is
the queryset a list or a detail of that serializer reads from, derived from its fields (NetBox's
`get_prefetches_for_serializer`), so that adding a related field to a serializer needs no
hand-written `select_related` anywhere:

- a related object in brief (`brief(Model)`): joined (`select_related`), its columns outside its
  brief form left unread (`defer`): reading whole rows of related objects, descriptions and
  aliases included, took half the time of a page of positions (bench/README.md);
- a list of related objects in brief (`brief(Model, many=True)`): prefetched, brief columns only;
- a nested list of records (a serializer with `many=True`): prefetched into
  `prefetched_<name>` (where `FastReadMixin` looks first), read as that serializer reads them.
"""

from django.db import models
from django.db.models import Prefetch, QuerySet
from rest_framework import serializers

from options.api.serializers.brief import beyond_brief, brief_columns
from options.api.serializers.fields import BriefRelatedField


def read_queryset(
    serializer_class: type[serializers.ModelSerializer],
    queryset: QuerySet | None = None,
    *,
    read_elsewhere: tuple[str, ...] = (),
) -> QuerySet:
    """`queryset` (all of the serializer's model by default) with the related objects
    `serializer_class` shows read along. `read_elsewhere` names fields the given queryset
    already reads its own way."""
    model = serializer_class.Meta.model
    if queryset is None:
        queryset = model._default_manager.all()
    joins, deferred, prefetches = [], [], []
    for name, field in serializer_class().fields.items():
        if name in read_elsewhere or field.source == "*":
            continue
        path = "__".join(field.source_attrs)
        if isinstance(field, BriefRelatedField):
            joins.append(path)
            deferred += beyond_brief(path, field.related_model)
        elif isinstance(field, serializers.ManyRelatedField) and isinstance(
            field.child_relation, BriefRelatedField
        ):
            prefetches.append(Prefetch(path, queryset=_brief_rows(model, path, field)))
        elif isinstance(field, serializers.ListSerializer) and isinstance(
            field.child, serializers.ModelSerializer
        ):
            rows = read_queryset(type(field.child))
            prefetches.append(Prefetch(path, queryset=rows, to_attr=f"prefetched_{path}"))
    # A join runs through its relation's column: that one is read, whatever the brief form.
    deferred = [
        column
        for column in deferred
        if not any(join == column or join.startswith(f"{column}__") for join in joins)
    ]
    return queryset.select_related(*joins).defer(*deferred).prefetch_related(*prefetches)


def _brief_rows(model: type[models.Model], path: str, field) -> QuerySet:
    """The related objects of a to-many relation, brief columns only (and, for a reverse
    foreign key, the key, which matches them to their records)."""
    related = field.child_relation.related_model
    columns = set(brief_columns(related))
    relation = model._meta.get_field(path)
    if relation.one_to_many:
        columns.add(relation.field.name)
    return related._default_manager.only(*sorted(columns))


def forget_read_along(instance: models.Model) -> None:
    """Drop the related objects `read_queryset` prefetched onto `instance`: after a write they
    may be stale, and the answer must show the record as written (DRF forgets only the
    prefetches it knows of, not those kept in `prefetched_<name>`)."""
    for name in [name for name in vars(instance) if name.startswith("prefetched_")]:
        del instance.__dict__[name]
    instance._prefetched_objects_cache = {}

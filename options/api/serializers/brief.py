"""
Brief forms: how a record appears inside another one (`id`, `url`, `slug` where the model has
one, `display`, and what else tells it apart, e.g. a stakeholder's `kind`).

A brief form is declared by the record's own serializer, with the rest of its shape
(NetBox's `Meta.brief_fields`): `Meta.brief_fields` names the fields it keeps, and
`Meta.brief_display` the model field that `display` shows (what the model's `__str__` returns;
tests/api/test_brief.py checks that they agree). `brief_serializer(model)` builds the brief form's
serializer from that declaration, once; `brief_columns(model)` says which of the model's columns
it reads, so that a query can leave the others unread (`options.api.serializers.fast_read`).
"""

import copy
import functools

from django.db import models
from rest_framework import serializers

from options.api.serializers.fast_read import DetailURLField, FastReadMixin

# The serializers that declare a brief form, by model: filled as they are defined.
_DECLARED: dict[type[models.Model], type[serializers.ModelSerializer]] = {}


def declare(serializer_class: type[serializers.ModelSerializer]) -> None:
    """Record `serializer_class` as the one that declares its model's brief form (if it does)."""
    meta = getattr(serializer_class, "Meta", None)
    if meta is not None and "brief_fields" in vars(meta):
        _DECLARED[meta.model] = serializer_class


class BriefSerializer(FastReadMixin, serializers.ModelSerializer):
    """The base of the brief forms `brief_serializer` builds."""

    serializer_url_field = DetailURLField


@functools.cache
def brief_serializer(model: type[models.Model]) -> type[BriefSerializer]:
    """The serializer of `model`'s brief form, built from its serializer's declaration."""
    try:
        declaring = _DECLARED[model]
    except KeyError:
        raise LookupError(f"No serializer declares a brief form of {model.__name__}.") from None
    meta = declaring.Meta
    names = list(meta.brief_fields)
    # A field the serializer declares itself (a Source's `url`, its API address: the model's
    # own `url` is its web address) comes as declared; the others as DRF builds them.
    declared = {
        name: copy.deepcopy(declaring._declared_fields[name])
        for name in names
        if name in declaring._declared_fields
    }
    declared["display"] = serializers.CharField(source=meta.brief_display, read_only=True)
    extra_kwargs = {
        name: kwargs for name, kwargs in getattr(meta, "extra_kwargs", {}).items() if name in names
    }
    brief_meta = type("Meta", (), {"model": model, "fields": names, "extra_kwargs": extra_kwargs})
    return type(
        f"Brief{model.__name__}Serializer",
        (BriefSerializer,),
        {
            **declared,
            "Meta": brief_meta,
            "__module__": __name__,
            "__doc__": f"A {model._meta.verbose_name} in brief, as it appears inside another object.",
        },
    )


@functools.cache
def brief_columns(model: type[models.Model]) -> frozenset[str]:
    """The columns of `model` its brief form reads."""
    declaring = _DECLARED[model]
    columns = {model._meta.pk.name, declaring.Meta.brief_display}
    concrete = {field.name for field in model._meta.concrete_fields}
    columns.update(
        name
        for name in declaring.Meta.brief_fields
        if name in concrete and name not in declaring._declared_fields
    )
    return frozenset(columns)


def beyond_brief(relation: str, model: type[models.Model]) -> list[str]:
    """The columns of `relation` (a related `model`) its brief form does not read, for
    `defer()`."""
    brief = brief_columns(model)
    return [
        f"{relation}__{field.name}"
        for field in model._meta.concrete_fields
        if field.name not in brief
    ]

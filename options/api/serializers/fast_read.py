"""
The fast read path of the API's serializers: a page of 100 positions holds some 8,000 values,
and DRF's generic way of reading each (walk the field's source, call `to_representation`,
reverse each URL) took most of the page's time (bench/README.md). Three things make it fast,
each behaving exactly as DRF does:

- `DetailURLField` reverses an object's URL once per request, then puts each id in its place;
- `FastReadMixin` reads plain attributes with `operator.attrgetter` and skips
  `to_representation` where it would return its input unchanged (`json_type_kept_by`);
- `read_prefetched` takes prefetched related objects from the list a `Prefetch(to_attr=…)`
  made, instead of cloning a queryset per object.
"""

import functools
import operator

from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ManyToManyDescriptor,
    ReverseManyToOneDescriptor,
)
from django.db.models.query_utils import DeferredAttribute
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.settings import api_settings

# --- URLs ----------------------------------------------------------------------------------


class DetailURLField(serializers.HyperlinkedIdentityField):
    """An object's API URL, reversed once per request instead of once per object.

    A page of 100 positions holds 500 URLs, and reversing each one cost an eighth of the page's
    time (bench/README.md). The URL of a record differs from its neighbours' only in the id, so
    the field reverses a placeholder once and puts each id in its place. (DRF binds a copy of
    each field to each serializer, and a serializer serves one request: one host, one format.)
    """

    PLACEHOLDER = "0policytracker0"
    _url_template: tuple[str, str] | None = None

    def to_representation(self, value):
        lookup_value = getattr(value, self.lookup_field)
        if self._url_template is None or not isinstance(lookup_value, int):
            return super().to_representation(value)
        prefix, suffix = self._url_template
        return f"{prefix}{lookup_value}{suffix}"

    def get_url(self, obj, view_name, request, format):
        lookup_value = getattr(obj, self.lookup_field)
        if format or not isinstance(lookup_value, int):
            return super().get_url(obj, view_name, request, format)
        url = self.reverse(
            view_name, kwargs={self.lookup_url_kwarg: self.PLACEHOLDER}, request=request
        )
        self._url_template = prefix, suffix = url.split(self.PLACEHOLDER)
        return f"{prefix}{lookup_value}{suffix}"


# --- Reading model instances fast ------------------------------------------------------------


def read_prefetched(instance, *, name: str, read):
    """The related objects that were prefetched, else `read(instance)`.

    Prefetched objects are in the list `prefetched_<name>` where the queryset used
    `Prefetch(name, to_attr="prefetched_<name>")` (the fastest), else in the queryset
    `prefetch_related(name)` cached. DRF reads a to-many relation with `manager.all()`, which
    clones a queryset for every object of a page even when the objects were prefetched: 5 ms a
    page of positions for their disputes.
    """
    prefetched = instance.__dict__.get(f"prefetched_{name}")
    if prefetched is not None:
        return prefetched
    try:
        return instance._prefetched_objects_cache[name]
    except (AttributeError, KeyError):
        return read(instance)


def json_type_kept_by(field) -> type | None:
    """The type of value that `field.to_representation` returns unchanged, if any: a string for
    a `CharField` (`str(value)`), an integer for an `IntegerField` (`int(value)`)…, so that the
    call can be skipped (a page of positions makes 4,000 of them)."""
    representation = type(field).to_representation
    kept = {
        serializers.CharField.to_representation: str,
        serializers.IntegerField.to_representation: int,
        serializers.BooleanField.to_representation: bool,
    }.get(representation)
    if representation is serializers.BigIntegerField.to_representation and not getattr(
        field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING
    ):
        kept = int
    if representation is serializers.ChoiceField.to_representation and field.choices:
        # DRF maps the value's string to the choice with that string: itself, when the choices'
        # values are all of the value's type.
        types = {type(value) for value in field.choices}
        kept = types.pop() if len(types) == 1 and types <= {str, int} else None
    return kept


class FastReadMixin:
    """Reads a model serializer's plain attributes with `operator.attrgetter`.

    DRF's `Field.get_attribute` walks each field's source generically (mapping or object? a
    callable to call?), and did so 8,000 times for a page of 100 positions: a quarter of the
    page's time. A source that is one of the model's fields or properties is read directly,
    `__str__` is `str()`, and every other field (dotted sources, many-to-many, `*`) is read by
    DRF as before. The values are then turned into JSON by each field, as DRF does.
    """

    @property
    def _read_plan(self) -> list:
        if not hasattr(self, "_cached_read_plan"):
            self._cached_read_plan = [
                (field, self._attribute_reader(field), json_type_kept_by(field))
                for field in self._readable_fields
            ]
        return self._cached_read_plan

    def _attribute_reader(self, field):
        if field.source_attrs == ["__str__"]:
            return str
        if len(field.source_attrs) == 1 and not isinstance(field, serializers.ManyRelatedField):
            name = field.source_attrs[0]
            model_attribute = getattr(self.Meta.model, name, None)
            is_field = isinstance(
                model_attribute, (DeferredAttribute, ForwardManyToOneDescriptor, property)
            )
            if is_field and not isinstance(field, serializers.BaseSerializer):
                return operator.attrgetter(name)
            if isinstance(model_attribute, (ReverseManyToOneDescriptor, ManyToManyDescriptor)):
                return functools.partial(read_prefetched, name=name, read=field.get_attribute)
        return field.get_attribute

    def to_representation(self, instance):
        representation = {}
        for field, read, kept_type in self._read_plan:
            try:
                attribute = read(instance)
            except SkipField:
                continue
            if attribute is None or type(attribute) is kept_type:
                representation[field.field_name] = attribute
            else:
                representation[field.field_name] = field.to_representation(attribute)
        return representation

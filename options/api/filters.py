"""
Filter sets of the REST API (django-filter), in NetBox's convention: a relation is filtered by id
with `<name>_id` and by slug with `<name>`; both may be repeated (`?stakeholder=a&stakeholder=b`)
and match any of the values. Date ranges are `<field>_after` and `<field>_before` (inclusive).

No bad value is ignored: a boolean that is not `true` or `false`, or an `ordering` on a field
the list cannot be sorted by, is a 400 like any other invalid filter value (and the list refuses
parameters it does not take: filter_backends.py).
"""

import re

import django_filters as filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import BooleanField, F, Model
from django_filters.fields import ModelMultipleChoiceField
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from options import models
from options.api.serializers import MAX_ID

# What a slug is (django.db.models.SlugField, allow_unicode off), as the schema says it.
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
SLUG_MAX_LENGTH = 100


class BooleanParameterField(forms.Field):
    """`true` or `false` (`1` or `0`; any case). django-filter's default ignores other values,
    which would answer `?retracted=maybe` with the unfiltered list."""

    widget = forms.TextInput
    default_error_messages = {"invalid": "Enter true or false."}
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.VALUES[str(value).lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class BooleanFilter(filters.BooleanFilter):
    field_class = BooleanParameterField


class FilterSet(filters.FilterSet):
    """The base of the API's filter sets: boolean model fields get the strict boolean filter."""

    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        BooleanField: {"filter_class": BooleanFilter},
    }


class IdsField(ModelMultipleChoiceField):
    """Related objects' ids: a whole number outside 1 … MAX_ID names no object, and is refused
    as such before any query (SQLite cannot compare an id with a number past 64 bits)."""

    def _check_values(self, value):
        for pk in value:
            if isinstance(pk, str) and re.fullmatch(r"-?[0-9]+", pk) and not 1 <= int(pk) <= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class IdsFilter(filters.ModelMultipleChoiceFilter):
    field_class = IdsField


def by_id(field_name: str, model, help_text: str | None = None):
    help_text = help_text or f"{model._meta.verbose_name.capitalize()} id (repeatable)."
    # The schema of each value (the filter repeats): an id, from 1.
    return extend_schema_field({"type": "integer", "minimum": 1, "description": help_text})(
        IdsFilter(field_name=field_name, queryset=model.objects.all(), help_text=help_text)
    )


class SlugsFilter(filters.ModelMultipleChoiceFilter):
    """Related objects named by slug. django-filter would filter `<relation>=<slug>`, which the
    database reads as an id; the form has already found the objects, so filter by them."""

    def get_filter_predicate(self, v):
        return {self.field_name: v}


def by_slug(field_name: str, model, help_text: str | None = None):
    help_text = help_text or f"{model._meta.verbose_name.capitalize()} slug (repeatable)."
    # The schema of each value (the filter repeats): a slug.
    schema = {
        "type": "string",
        "minLength": 1,
        "maxLength": SLUG_MAX_LENGTH,
        "pattern": SLUG_PATTERN,
        "description": help_text,
    }
    return extend_schema_field(schema)(
        SlugsFilter(
            field_name=field_name,
            queryset=model.objects.all(),
            to_field_name="slug",
            help_text=help_text,
        )
    )


class IntegerFilter(filters.NumberFilter):
    """A whole number (django-filter's NumberFilter takes decimals, which an integer field would
    truncate: `stance_min=0.5` would mean stance ≥ 0)."""

    field_class = forms.IntegerField


def date_range(field_name: str):
    return filters.DateFromToRangeFilter(
        field_name=field_name,
        help_text=f"`{field_name}_after` and `{field_name}_before`, both inclusive (YYYY-MM-DD).",
    )


class TopicFilterSet(FilterSet):
    source_id = by_id("sources", models.Source)
    source = by_slug("sources", models.Source)

    class Meta:
        model = models.Topic
        fields = ["slug", "country"]


class StakeholderFilterSet(FilterSet):
    kind = filters.MultipleChoiceFilter(choices=models.Stakeholder.Kind.choices)
    source_id = by_id("sources", models.Source)
    source = by_slug("sources", models.Source)
    topic_id = by_id(
        "positions__option__topic",
        models.Topic,
        help_text="Stakeholders with a position on an option of this topic (id, repeatable).",
    )
    topic = by_slug(
        "positions__option__topic",
        models.Topic,
        help_text="Stakeholders with a position on an option of this topic (slug, repeatable).",
    )

    class Meta:
        model = models.Stakeholder
        fields = ["slug", "kind", "country", "wikidata_id", "opensanctions_id"]


class AffiliationFilterSet(FilterSet):
    kind = filters.MultipleChoiceFilter(choices=models.Affiliation.Kind.choices)
    subject_id = by_id("subject", models.Stakeholder)
    subject = by_slug("subject", models.Stakeholder)
    object_id = by_id("object", models.Stakeholder)
    object = by_slug("object", models.Stakeholder)
    source_id = by_id("source", models.Source)
    source = by_slug("source", models.Source)
    start_date = date_range("start_date")
    end_date = date_range("end_date")
    role = filters.CharFilter(lookup_expr="icontains", help_text="Part of the role's name.")

    class Meta:
        model = models.Affiliation
        fields = ["kind", "role"]


class PolicyOptionFilterSet(FilterSet):
    kind = filters.MultipleChoiceFilter(choices=models.PolicyOption.Kind.choices)
    status = filters.MultipleChoiceFilter(choices=models.PolicyOption.Status.choices)
    topic_id = by_id("topic", models.Topic)
    topic = by_slug("topic", models.Topic)
    proposer_id = by_id("proposer", models.Stakeholder)
    proposer = by_slug("proposer", models.Stakeholder)
    actor_id = by_id("actors", models.Stakeholder)
    actor = by_slug("actors", models.Stakeholder)
    target_id = by_id("targets", models.Stakeholder)
    target = by_slug("targets", models.Stakeholder)
    venue_id = by_id("venue", models.Stakeholder)
    venue = by_slug("venue", models.Stakeholder)
    start_date = date_range("start_date")
    end_date = date_range("end_date")

    class Meta:
        model = models.PolicyOption
        fields = ["slug", "kind", "status"]


class SanctionMeasureFilterSet(FilterSet):
    measure_type = filters.MultipleChoiceFilter(choices=models.SanctionMeasure.MeasureType.choices)
    option_id = by_id("option", models.PolicyOption)
    option = by_slug("option", models.PolicyOption)
    topic_id = by_id("option__topic", models.Topic)
    topic = by_slug("option__topic", models.Topic)
    imposing_authority_id = by_id("imposing_authority", models.Stakeholder)
    imposing_authority = by_slug("imposing_authority", models.Stakeholder)
    target_id = by_id("target", models.Stakeholder)
    target = by_slug("target", models.Stakeholder)
    source_id = by_id("source", models.Source)
    threatened_date = date_range("threatened_date")
    listed_date = date_range("listed_date")
    effective_date = date_range("effective_date")
    end_date = date_range("end_date")

    class Meta:
        model = models.SanctionMeasure
        fields = ["measure_type", "programme_code"]


class SourceFilterSet(FilterSet):
    kind = filters.MultipleChoiceFilter(choices=models.Source.Kind.choices)
    publisher = filters.CharFilter(lookup_expr="icontains", help_text="Part of the publisher.")
    published = date_range("published")
    cited_in_id = by_id("cited_in", models.Source)
    cited_in = by_slug("cited_in", models.Source)
    reliability = filters.MultipleChoiceFilter(
        choices=models.Source.Reliability.choices, help_text="Reliability grade (repeatable)."
    )

    class Meta:
        model = models.Source
        fields = ["slug", "kind", "publisher", "reliability"]


class PositionFilterSet(FilterSet):
    stakeholder_id = by_id("stakeholder", models.Stakeholder)
    stakeholder = by_slug("stakeholder", models.Stakeholder)
    stakeholder_kind = filters.MultipleChoiceFilter(
        field_name="stakeholder__kind",
        choices=models.Stakeholder.Kind.choices,
        help_text="The stakeholder's kind (repeatable).",
    )
    option_id = by_id("option", models.PolicyOption)
    option = by_slug("option", models.PolicyOption)
    option_kind = filters.MultipleChoiceFilter(
        field_name="option__kind",
        choices=models.PolicyOption.Kind.choices,
        help_text="The option's kind (repeatable).",
    )
    topic_id = by_id("option__topic", models.Topic)
    topic = by_slug("option__topic", models.Topic)
    basis = filters.MultipleChoiceFilter(choices=models.Position.Basis.choices)
    stance = filters.MultipleChoiceFilter(
        choices=models.Position.Stance.choices, help_text="Exact stance, −2 … 2 (repeatable)."
    )
    stance_min = IntegerFilter(field_name="stance", lookup_expr="gte")
    stance_max = IntegerFilter(field_name="stance", lookup_expr="lte")
    salience_min = IntegerFilter(field_name="salience", lookup_expr="gte")
    salience_max = IntegerFilter(field_name="salience", lookup_expr="lte")
    confidence = filters.MultipleChoiceFilter(choices=models.Position.Confidence.choices)
    reported_by_id = by_id("reported_by", models.Stakeholder)
    reported_by = by_slug("reported_by", models.Stakeholder)
    source_id = by_id("source", models.Source)
    source = by_slug("source", models.Source)
    as_of = date_range("as_of")
    retracted = BooleanFilter(
        field_name="retracted_on",
        lookup_expr="isnull",
        exclude=True,
        help_text="Whether a retraction is recorded (`retracted_on` is set).",
    )
    retracted_on = date_range("retracted_on")

    class Meta:
        model = models.Position
        fields = ["basis", "confidence"]


class EventFilterSet(FilterSet):
    topic_id = by_id("topic", models.Topic)
    topic = by_slug("topic", models.Topic)
    certainty = filters.MultipleChoiceFilter(choices=models.Event.Certainty.choices)
    participant_id = by_id("participants", models.Stakeholder)
    participant = by_slug("participants", models.Stakeholder)
    option_id = by_id("options", models.PolicyOption)
    option = by_slug("options", models.PolicyOption)
    source_id = by_id("sources", models.Source)
    source = by_slug("sources", models.Source)
    claimed_by_id = by_id("claimed_by", models.Stakeholder)
    denied_by_id = by_id("denied_by", models.Stakeholder)
    date = date_range("date")

    class Meta:
        model = models.Event
        fields = ["slug", "certainty"]


class InfluenceFilterSet(FilterSet):
    stakeholder_id = by_id("stakeholder", models.Stakeholder)
    stakeholder = by_slug("stakeholder", models.Stakeholder)
    topic_id = by_id("topic", models.Topic)
    topic = by_slug("topic", models.Topic)
    option_id = by_id("option", models.PolicyOption)
    option = by_slug("option", models.PolicyOption)
    topic_wide = BooleanFilter(
        field_name="option",
        lookup_expr="isnull",
        help_text="true: only topic-wide capabilities; false: only those on one option.",
    )
    source_id = by_id("source", models.Source)
    capability_min = IntegerFilter(field_name="capability", lookup_expr="gte")
    capability_max = IntegerFilter(field_name="capability", lookup_expr="lte")
    as_of = date_range("as_of")

    class Meta:
        model = models.Influence
        fields = []


def is_never_null(model: type[Model], path: str) -> bool:
    """Whether the field at `path` (`as_of`, `stakeholder__name`) always has a value: each step
    is a concrete field that is not nullable."""
    *relations, name = path.split("__")
    try:
        for relation in relations:
            field = model._meta.get_field(relation)
            if not field.many_to_one or field.null:
                return False
            model = field.related_model
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.null and not field.is_relation


class NullsLastOrderingFilter(OrderingFilter):
    """`?ordering=`, with unknown values (a missing date or salience) last in both directions,
    on every database: SQLite and PostgreSQL disagree about where nulls go.

    On a list, a term that is not one of the view's `ordering_fields` (with an optional `-`)
    is a 400 naming the fields, and the schema gives the pattern the value must match. (DRF would
    drop the term silently and sort some other way.)"""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        invalid = [term for term in fields if term not in valid]
        # A list, and the CSV export of one (views.PositionViewSet.export_csv).
        if invalid and getattr(view, "action", None) in ("list", "export_csv"):
            names = [
                name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
            ]
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Cannot sort by {', '.join(map(repr, invalid))}. Sort by one or more "
                        f"of {', '.join(names)}, comma-separated, each with - before it for "
                        "descending order."
                    ]
                }
            )
        return valid

    def get_ordering(self, request, queryset, view):
        # DRF strips blanks around the terms, which the schema's pattern does not allow: keep
        # them, so that "as_of, stance" is refused rather than read as "as_of,stance".
        params = request.query_params.get(self.ordering_param)
        if params:
            ordering = self.remove_invalid_fields(queryset, params.split(","), view, request)
            if ordering:
                return ordering
        return self.get_default_ordering(view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if not isinstance(fields, list | tuple) or not fields:
            return parameters
        names = [field if isinstance(field, str) else field[0] for field in fields]
        term = f"-?(?:{'|'.join(map(re.escape, names))})"
        for parameter in parameters:
            parameter["description"] = (
                f"Sort by these fields, comma-separated, each with `-` before it for descending "
                f"order: {', '.join(f'`{name}`' for name in names)}."
            )
            parameter["schema"] = {"type": "string", "pattern": f"^(?:{term}(?:,{term})*)?$"}
        return parameters

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        return queryset.order_by(*(self.order_by_term(queryset.model, term) for term in ordering))

    @staticmethod
    def order_by_term(model, term: str):
        name = term.lstrip("-")
        # A field that always has a value is sorted as it is: an index can serve that sort,
        # where PostgreSQL would sort the whole table for "DESC NULLS LAST".
        if is_never_null(model, name):
            return term
        return (
            F(name).desc(nulls_last=True) if term.startswith("-") else F(name).asc(nulls_last=True)
        )

"""
The analysis endpoints' query parameters, and the answers of the stance matrix, the timeline
and a stakeholder's history (read-only; the forecasts' are in forecast.py).

Matrix cells, thousands in a matrix, are written out by hand in `to_representation`: field by
field through DRF took half the matrix's time (bench/README.md). Their declared fields still
describe them in the schema, and tests/api/test_analysis.py checks that the two agree.
"""

from collections.abc import Callable

from django.db.models import Model
from django.utils import timezone
from rest_framework import serializers

from options import analysis, models
from options.api.serializers.brief import brief_serializer
from options.api.serializers.fields import MAX_ID
from options.api.serializers.resources import (
    EventSerializer,
    PositionDisputeSerializer,
    PositionSerializer,
)

BASIS_CHOICES = [analysis.ANY_BASIS, *models.Position.Basis.values]
DEFAULTABLE_FIELDS = ["capability", "salience"]
TIMELINE_ENTRY_TYPES = ["event", "position", "dispute", "retraction"]


# --- Query parameters ---------------------------------------------------------------------------


class AnalysisQuerySerializer(serializers.Serializer):
    """The query parameters of the stance matrix."""

    as_of = serializers.DateField(
        required=False,
        help_text=(
            "The date to look from (YYYY-MM-DD); today by default. Only what was known by then "
            "counts: a date known to the month or year counts from the start of its interval."
        ),
    )
    basis = serializers.ChoiceField(
        choices=BASIS_CHOICES,
        default=analysis.ANY_BASIS,
        help_text=(
            "Which positions count: one basis, or `any`: the position that stands by evidence "
            "rank (revealed and stated, then reported, then expected), a lower-ranked one "
            "replacing a higher-ranked one only if newer and at least as confident."
        ),
    )

    def validate(self, attrs):
        attrs.setdefault("as_of", timezone.localdate())
        return attrs


class StanceMatrixQuerySerializer(AnalysisQuerySerializer):
    stakeholder_kind = serializers.ListField(
        child=serializers.ChoiceField(choices=models.Stakeholder.Kind.choices),
        required=False,
        default=list,
        help_text="Only stakeholders of these kinds (repeatable).",
    )


class ForecastQuerySerializer(AnalysisQuerySerializer):
    """The query parameters of the forecasts."""

    unit = serializers.ChoiceField(
        choices=analysis.UNITS,
        default=analysis.UNIT_ACTORS,
        help_text=(
            "`actors` (the default): independent actors; a stakeholder that is part of another "
            "with its own position on the option (a minister of a state, a member of a bloc) is "
            "folded into it. `all`: every stakeholder with a position, each on its own."
        ),
    )


class TimelineQuerySerializer(serializers.Serializer):
    """The query parameters of the timeline."""

    date_from = serializers.DateField(
        required=False,
        help_text="What may have happened on or after this date (a month counts to its end).",
    )
    date_to = serializers.DateField(
        required=False,
        help_text="What was known by this date (a month counts from its start).",
    )
    stakeholder = serializers.ListField(
        child=serializers.SlugField(),
        required=False,
        default=list,
        help_text="Only these stakeholders' positions, disputes and events (slug, repeatable).",
    )

    def get_fields(self):
        # Public names `from` and `to`: `from` cannot be declared in a class body.
        fields = super().get_fields()
        fields["from"] = fields.pop("date_from")
        fields["to"] = fields.pop("date_to")
        return fields


class HistoryQuerySerializer(serializers.Serializer):
    """The query parameters of a stakeholder's position history."""

    option = serializers.ListField(
        child=serializers.SlugField(),
        required=False,
        default=list,
        help_text="Only these options (slug, repeatable).",
    )
    option_id = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        help_text="Only these options (id, repeatable).",
    )


# --- Shared pieces -------------------------------------------------------------------------------


def brief_of(context: dict, serializer_class) -> Callable[[Model], dict]:
    """A function giving an object's brief form, each built once per answer (the same
    stakeholders appear in every option of a topic forecast)."""
    key = f"brief {serializer_class.__name__}"
    if key not in context:
        serializer = serializer_class(context=context)
        cache = {}

        def brief(obj) -> dict:
            # `id`, not `pk`: a plain attribute, read thousands of times in a topic forecast.
            if obj.id not in cache:
                cache[obj.id] = serializer.to_representation(obj)
            return cache[obj.id]

        context[key] = brief
    return context[key]


def brief_stakeholder(context: dict) -> Callable[[Model], dict]:
    return brief_of(context, brief_serializer(models.Stakeholder))


class PairField(serializers.ListField):
    """Two values: a pair of bases, of stances, or an interval's low and high ends."""

    def __init__(self, **kwargs):
        super().__init__(min_length=2, max_length=2, **kwargs)


class NullableItemsListField(serializers.ListField):
    """A list whose items may be null (described as such in the schema)."""


class PreviousPositionSerializer(serializers.Serializer):
    """The stakeholder's effective position on the option just before: its stance, basis and
    date, whatever the basis of the position that follows."""

    position_id = serializers.IntegerField(source="id")
    stance = serializers.IntegerField(min_value=-2, max_value=2)
    basis = serializers.ChoiceField(choices=models.Position.Basis.choices)
    as_of = serializers.DateField()
    as_of_precision = serializers.ChoiceField(choices=models.DatePrecision.choices)


# --- Stance matrix ----------------------------------------------------------------------------


class DivergenceSerializer(serializers.Serializer):
    """Two bases whose stances are on opposite sides or two or more steps apart."""

    bases = PairField(child=serializers.ChoiceField(choices=models.Position.Basis.choices))
    stances = PairField(child=serializers.IntegerField(min_value=-2, max_value=2))


class StanceCellSerializer(serializers.Serializer):
    """A stakeholder's position on an option as of the date: on the basis asked for, or for
    `any` the one that stands by evidence rank, then date."""

    position_id = serializers.IntegerField(source="position.id")
    stance = serializers.IntegerField(source="position.stance", min_value=-2, max_value=2)
    basis = serializers.ChoiceField(source="position.basis", choices=models.Position.Basis.choices)
    as_of = serializers.DateField(source="position.as_of")
    as_of_precision = serializers.ChoiceField(
        source="position.as_of_precision", choices=models.DatePrecision.choices
    )
    timing_uncertain = serializers.BooleanField(
        help_text=(
            "The date looked from lies inside the position's date interval (`as_of` known only "
            "to the month or year): it may not have been taken yet."
        )
    )
    source_id = serializers.IntegerField(source="position.source_id")
    reliability = serializers.ChoiceField(
        source="position.reliability",
        choices=models.Source.Reliability.choices,
        help_text="The source's reliability grade.",
    )
    confidence = serializers.ChoiceField(
        source="position.confidence", choices=models.Position.Confidence.choices
    )
    salience = serializers.IntegerField(source="position.salience", allow_null=True)
    retracted = serializers.BooleanField(
        source="position.retracted", help_text="Retracted on or before the date."
    )
    disputed = serializers.BooleanField(
        source="position.disputed", help_text="Disputed by someone on or before the date."
    )
    evidence_weight = serializers.FloatField(
        help_text="Confidence × source reliability × dispute factor; 0 once retracted."
    )
    stances = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Every basis's stance as of the date, by basis.",
    )
    divergent = serializers.BooleanField(help_text="Some pair of bases diverges (`divergences`).")
    divergences = DivergenceSerializer(
        many=True,
        help_text=(
            "Every pair of bases known as of the date (retracted positions aside) whose stances "
            "are on opposite sides or two or more steps apart."
        ),
    )

    def to_representation(self, cell):
        position = cell.position
        return {
            "position_id": position.id,
            "stance": position.stance,
            "basis": position.basis,
            "as_of": position.as_of.isoformat(),
            "as_of_precision": position.as_of_precision,
            "timing_uncertain": cell.timing_uncertain,
            "source_id": position.source_id,
            "reliability": position.reliability,
            "confidence": position.confidence,
            "salience": position.salience,
            "retracted": position.retracted,
            "disputed": position.disputed,
            "evidence_weight": cell.evidence_weight,
            "stances": cell.stances,
            "divergent": cell.divergent,
            "divergences": [
                {"bases": list(d.bases), "stances": list(d.stances)} for d in cell.divergences
            ],
        }


class StanceMatrixRowSerializer(serializers.Serializer):
    stakeholder = brief_serializer(models.Stakeholder)()
    cells = NullableItemsListField(
        child=StanceCellSerializer(allow_null=True),
        help_text="One cell per option, in the order of `options`; null where none.",
    )


class StanceMatrixSerializer(serializers.Serializer):
    """Stakeholders × options: where everyone stood as of a date."""

    topic = brief_serializer(models.Topic)()
    as_of = serializers.DateField()
    basis = serializers.ChoiceField(choices=BASIS_CHOICES)
    options = brief_serializer(models.PolicyOption)(many=True, help_text="The columns.")
    rows = StanceMatrixRowSerializer(many=True)


# --- Timeline and history ---------------------------------------------------------------------


class TimelineEntrySerializer(serializers.Serializer):
    """An event, a position taken, a dispute of one or a retraction of one, in date order."""

    type = serializers.ChoiceField(choices=TIMELINE_ENTRY_TYPES)
    date = serializers.DateField()
    date_precision = serializers.ChoiceField(choices=models.DatePrecision.choices)
    event = EventSerializer(allow_null=True)
    position = PositionSerializer(
        allow_null=True, help_text="The position taken, disputed or retracted."
    )
    dispute = PositionDisputeSerializer(allow_null=True)
    previous = PreviousPositionSerializer(
        allow_null=True,
        help_text=(
            "For a position or a retraction: the stakeholder's effective position on the option "
            "just before, whatever its basis."
        ),
    )
    stance_changed = serializers.BooleanField(
        help_text="The stakeholder's effective stance on the option changed with this entry."
    )
    effective = serializers.BooleanField(
        allow_null=True,
        help_text=(
            "For a position: whether it became the one that stands for the stakeholder (a newer "
            "but weaker one does not)."
        ),
    )


class PositionHistoryEntrySerializer(serializers.Serializer):
    position = PositionSerializer()
    previous = PreviousPositionSerializer(allow_null=True)
    stance_changed = serializers.BooleanField()
    effective = serializers.BooleanField()


class PositionHistorySeriesSerializer(serializers.Serializer):
    """A stakeholder's positions on one option, every basis, oldest first."""

    option = brief_serializer(models.PolicyOption)()
    bases = serializers.ListField(
        child=serializers.ChoiceField(choices=models.Position.Basis.choices)
    )
    changes = serializers.IntegerField(help_text="How many times the effective stance changed.")
    entries = PositionHistoryEntrySerializer(many=True)


class PositionHistorySerializer(serializers.Serializer):
    """A stakeholder's positions over time, option by option."""

    stakeholder = brief_serializer(models.Stakeholder)()
    series = PositionHistorySeriesSerializer(many=True)

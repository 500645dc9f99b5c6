"""
What-if scenarios: the changes a scenario makes (one serializer per kind of change, told apart by
`type`), the request that runs one on a topic, and its answer (options/analysis/scenarios.py).
"""

from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from options import analysis, models
from options.analysis import scenarios
from options.analysis.weighted import flips
from options.api.serializers.analysis import BASIS_CHOICES, NullableItemsListField
from options.api.serializers.brief import brief_serializer
from options.api.serializers.fields import StrictCharField, StrictIntegerField, brief

#: The most changes one scenario makes: each one named is also run alone, to tell who moved what.
MAX_CHANGES = 50

STANCE = {"min_value": -2, "max_value": 2, "help_text": "−2 (strongly oppose) … +2."}
SHARE = {"min_value": 0, "max_value": 100}


def _option(help_text: str) -> serializers.Field:
    return brief(models.PolicyOption, allow_null=True, default=None, help_text=help_text)


class StanceChangeSerializer(serializers.Serializer):
    """Set a stakeholder's stance on an option, or on every option of the topic."""

    type = serializers.ChoiceField(choices=["stance"])
    stakeholder = brief(models.Stakeholder)
    option = _option("The option; null (the default): every option of the topic.")
    stance = StrictIntegerField(**STANCE)

    def to_change(self, data: dict) -> scenarios.Change:
        return scenarios.SetStance(data["stakeholder"].id, data["stance"], _id(data["option"]))


class SalienceChangeSerializer(serializers.Serializer):
    """Set the salience of a stakeholder's positions on an option, or on every option."""

    type = serializers.ChoiceField(choices=["salience"])
    stakeholder = brief(models.Stakeholder)
    option = _option("The option; null (the default): every option of the topic.")
    salience = StrictIntegerField(**SHARE, help_text="0–100.")

    def to_change(self, data: dict) -> scenarios.Change:
        return scenarios.SetSalience(data["stakeholder"].id, data["salience"], _id(data["option"]))


class CapabilityChangeSerializer(serializers.Serializer):
    """Set a stakeholder's capability on an option, or on the topic (and so on every option)."""

    type = serializers.ChoiceField(choices=["capability"])
    stakeholder = brief(models.Stakeholder)
    option = _option("The option; null (the default): on the topic, for every option.")
    capability = StrictIntegerField(**SHARE, help_text="0–100.")

    def to_change(self, data: dict) -> scenarios.Change:
        return scenarios.SetCapability(
            data["stakeholder"].id, data["capability"], _id(data["option"])
        )


class DropChangeSerializer(serializers.Serializer):
    """Leave a stakeholder out: its positions, capability and ties."""

    type = serializers.ChoiceField(choices=["drop"])
    stakeholder = brief(models.Stakeholder)

    def to_change(self, data: dict) -> scenarios.Change:
        return scenarios.DropStakeholder(data["stakeholder"].id)


class HypotheticalPositionSerializer(serializers.Serializer):
    option = brief(models.PolicyOption)
    stance = StrictIntegerField(**STANCE)
    salience = StrictIntegerField(
        **SHARE, allow_null=True, default=None, help_text="0–100; null: the default salience."
    )


class AddChangeSerializer(serializers.Serializer):
    """Add a hypothetical stakeholder, with its capability on the topic and its positions."""

    type = serializers.ChoiceField(choices=["add"])
    name = StrictCharField(max_length=200)
    kind = serializers.ChoiceField(choices=models.Stakeholder.Kind.choices)
    capability = StrictIntegerField(**SHARE, help_text="0–100, on the topic.")
    positions = HypotheticalPositionSerializer(many=True, max_length=200)

    def to_change(self, data: dict) -> scenarios.Change:
        return scenarios.AddStakeholder(
            name=data["name"],
            kind=data["kind"],
            capability=data["capability"],
            positions=tuple(
                scenarios.HypotheticalPosition(p["option"].id, p["stance"], p["salience"])
                for p in data["positions"]
            ),
        )


class OptionStatusChangeSerializer(serializers.Serializer):
    """Change an option's status (whether it is ranked depends on it)."""

    type = serializers.ChoiceField(choices=["option_status"])
    option = brief(models.PolicyOption)
    status = serializers.ChoiceField(choices=models.PolicyOption.Status.choices)

    def to_change(self, data: dict) -> scenarios.Change:
        return scenarios.SetOptionStatus(data["option"].id, data["status"])


def _id(record) -> int | None:
    return None if record is None else record.id


CHANGE_SERIALIZERS = {
    "stance": StanceChangeSerializer,
    "salience": SalienceChangeSerializer,
    "capability": CapabilityChangeSerializer,
    "drop": DropChangeSerializer,
    "add": AddChangeSerializer,
    "option_status": OptionStatusChangeSerializer,
}


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="ScenarioChange",
        serializers=CHANGE_SERIALIZERS,
        resource_type_field_name="type",
    )
)
class ScenarioChangeField(serializers.Field):
    """One change, by its `type`: read as the change (options.analysis.scenarios), written as the
    JSON it was given."""

    default_error_messages = {
        "not_an_object": "Expected an object with a `type`.",
        "unknown_type": "Unknown type {given!r}: the types are {types}.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_an_object")
        kind = data.get("type")
        serializer_class = CHANGE_SERIALIZERS.get(kind) if isinstance(kind, str) else None
        if serializer_class is None:
            message = self.error_messages["unknown_type"].format(
                given=kind, types=", ".join(CHANGE_SERIALIZERS)
            )
            raise serializers.ValidationError({"type": [message]})
        serializer = serializer_class(data=data, context=self.context)
        serializer.is_valid(raise_exception=True)
        return serializer.to_change(serializer.validated_data)

    def to_representation(self, value):
        return value


class ScenarioRunSerializer(serializers.Serializer):
    """A scenario to run on a topic: the date, the basis and the unit (as for the forecast), and
    the changes, applied in order."""

    as_of = serializers.DateField(
        required=False, help_text="The date to look from (YYYY-MM-DD); today by default."
    )
    basis = serializers.ChoiceField(choices=BASIS_CHOICES, default=analysis.ANY_BASIS)
    unit = serializers.ChoiceField(choices=analysis.UNITS, default=analysis.UNIT_ACTORS)
    changes = serializers.ListField(
        child=ScenarioChangeField(), max_length=MAX_CHANGES, help_text="Applied in order."
    )

    def validate(self, attrs):
        attrs.setdefault("as_of", timezone.localdate())
        return attrs


# --- The answer ------------------------------------------------------------------------------


class ScenarioActorSerializer(serializers.Serializer):
    """A stakeholder of the scenario: a stored one, or a hypothetical one (a negative `id`, no
    `url` nor `slug`)."""

    id = serializers.IntegerField(help_text="Negative for a hypothetical stakeholder.")
    url = serializers.URLField(allow_null=True)
    slug = serializers.CharField(allow_null=True)
    display = serializers.CharField()
    kind = serializers.ChoiceField(choices=models.Stakeholder.Kind.choices)
    hypothetical = serializers.BooleanField()

    def to_representation(self, stakeholder):
        if stakeholder.id > 0:
            shown = brief_serializer(models.Stakeholder)(stakeholder, context=self.context).data
            return {**shown, "hypothetical": False}
        return {
            "id": stakeholder.id,
            "url": None,
            "slug": None,
            "display": stakeholder.name,
            "kind": stakeholder.kind,
            "hypothetical": True,
        }


class ScenarioFiguresSerializer(serializers.Serializer):
    """An option's forecast, before or after the changes."""

    status = serializers.ChoiceField(choices=models.PolicyOption.Status.choices)
    weighted_mean = serializers.FloatField(allow_null=True, help_text="−2 … +2.")
    weighted_median = serializers.FloatField(allow_null=True)
    support_share = serializers.FloatField(allow_null=True)
    oppose_share = serializers.FloatField(allow_null=True)
    counted = serializers.IntegerField(help_text="Actors counted.")
    ranked = serializers.BooleanField()
    unranked_reason = serializers.CharField(allow_null=True)
    interval = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="The weighted mean's interval (as the forecast's); null if nobody weighs.",
    )

    def to_representation(self, forecast):
        interval = forecast.interval
        return {
            "status": forecast.option.status,
            "weighted_mean": forecast.weighted_mean,
            "weighted_median": forecast.weighted_median,
            "support_share": forecast.support_share,
            "oppose_share": forecast.oppose_share,
            "counted": forecast.counted,
            "ranked": forecast.ranked,
            "unranked_reason": forecast.unranked_reason,
            "interval": list(interval.weighted_mean) if interval.weighted_mean else None,
        }


class ScenarioDifferenceSerializer(serializers.Serializer):
    weighted_mean = serializers.FloatField(
        allow_null=True, help_text="After − before; null where either has no mean."
    )
    support_share = serializers.FloatField(allow_null=True)
    sign_flipped = serializers.BooleanField(
        help_text="The weighted mean went from one side to the other."
    )


class ScenarioMoverSerializer(serializers.Serializer):
    stakeholder = ScenarioActorSerializer()
    shift = serializers.FloatField(
        help_text="How far this stakeholder's own changes alone move the weighted mean."
    )


class ScenarioOptionSerializer(serializers.Serializer):
    option = brief(models.PolicyOption, read_only=True)
    before = ScenarioFiguresSerializer()
    after = ScenarioFiguresSerializer()
    difference = ScenarioDifferenceSerializer()
    moved_by = ScenarioMoverSerializer(
        many=True, help_text="The stakeholders the changes name, who moved it most first."
    )


class ScenarioCellSerializer(serializers.Serializer):
    stance = serializers.IntegerField()
    basis = serializers.ChoiceField(choices=models.Position.Basis.choices)
    hypothetical = serializers.BooleanField(help_text="Set by the scenario.")


class ScenarioMatrixRowSerializer(serializers.Serializer):
    stakeholder = ScenarioActorSerializer()
    cells = NullableItemsListField(
        child=ScenarioCellSerializer(allow_null=True),
        help_text="In the order of `options`; null: no position.",
    )


class ScenarioMatrixSerializer(serializers.Serializer):
    options = brief(models.PolicyOption, many=True, read_only=True)
    rows = ScenarioMatrixRowSerializer(many=True)


class ScenarioOutcomeSerializer(serializers.Serializer):
    """The forecast of every option before and after the changes, who moved each most, and the
    stance matrix after."""

    topic = brief(models.Topic, read_only=True)
    as_of = serializers.DateField()
    basis = serializers.ChoiceField(choices=BASIS_CHOICES)
    unit = serializers.ChoiceField(choices=analysis.UNITS)
    options = ScenarioOptionSerializer(many=True, help_text="In the order of the forecast before.")
    stance_matrix_after = ScenarioMatrixSerializer()

    def to_representation(self, answer):
        outcome: scenarios.ScenarioOutcome = answer["outcome"]
        context = self.context
        actor = ScenarioActorSerializer(context=context)
        option_brief = brief_serializer(models.PolicyOption)(context=context)
        figures = ScenarioFiguresSerializer(context=context)
        stakeholders = outcome.stakeholders
        options = []
        for before, after in zip(outcome.before, outcome.after, strict=True):
            changed = None
            if before.weighted_mean is not None and after.weighted_mean is not None:
                changed = after.weighted_mean - before.weighted_mean
            support = None
            if before.support_share is not None and after.support_share is not None:
                support = after.support_share - before.support_share
            options.append(
                {
                    "option": option_brief.to_representation(before.option),
                    "before": figures.to_representation(before),
                    "after": figures.to_representation(after),
                    "difference": {
                        "weighted_mean": changed,
                        "support_share": support,
                        "sign_flipped": flips(before.weighted_mean, after.weighted_mean),
                    },
                    "moved_by": [
                        {"stakeholder": actor.to_representation(stakeholders[sid]), "shift": shift}
                        for sid, shift in outcome.movers[before.option.id]
                    ],
                }
            )
        matrix = outcome.matrix_after
        return {
            "topic": brief_serializer(models.Topic)(answer["topic"], context=context).data,
            "as_of": answer["as_of"].isoformat(),
            "basis": answer["basis"],
            "unit": answer["unit"],
            "options": options,
            "stance_matrix_after": {
                "options": [option_brief.to_representation(o) for o in matrix.options],
                "rows": [
                    {
                        "stakeholder": actor.to_representation(row.stakeholder),
                        "cells": [
                            None
                            if cell is None
                            else {
                                "stance": cell.position.stance,
                                "basis": cell.position.basis,
                                "hypothetical": (
                                    cell.position.id == scenarios.HYPOTHETICAL_POSITION_ID
                                ),
                            }
                            for cell in row.cells
                        ],
                    }
                    for row in matrix.rows
                ],
            },
        }

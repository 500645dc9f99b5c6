"""The answer of an option's sensitivity: who could swing it (options/analysis/sensitivity.py)."""

from rest_framework import serializers

from options import analysis, models
from options.analysis.sensitivity import Sensitivity, Swing
from options.api.serializers.analysis import BASIS_CHOICES, brief_stakeholder
from options.api.serializers.brief import brief_serializer


class SwingSerializer(serializers.Serializer):
    """One actor's leverage on the option's weighted mean."""

    stakeholder = brief_serializer(models.Stakeholder)()
    stance = serializers.IntegerField(min_value=-2, max_value=2)
    weight_share = serializers.FloatField(
        help_text="Its weight over the total: one step of its stance moves the mean this far."
    )
    mean_if_up = serializers.FloatField(
        allow_null=True,
        help_text="The weighted mean if it were one step more supportive; null at +2.",
    )
    mean_if_down = serializers.FloatField(
        allow_null=True, help_text="The weighted mean if it were one step more opposed; null at −2."
    )
    flip_to = serializers.IntegerField(
        allow_null=True,
        min_value=-2,
        max_value=2,
        help_text="The nearest stance at which it alone would flip the sign of the mean; null if "
        "none would.",
    )
    steps_to_flip = serializers.IntegerField(allow_null=True, min_value=1, max_value=4)
    mean_if_flipped = serializers.FloatField(allow_null=True)


class SensitivitySerializer(serializers.Serializer):
    """Who could swing the option: every counted actor's swing, and the smallest single change
    that flips the sign of the weighted mean."""

    option = brief_serializer(models.PolicyOption)()
    as_of = serializers.DateField()
    basis = serializers.ChoiceField(choices=BASIS_CHOICES)
    unit = serializers.ChoiceField(choices=analysis.UNITS)
    weighted_mean = serializers.FloatField(allow_null=True, help_text="−2 … +2.")
    swings = SwingSerializer(many=True, help_text="Every actor counted, heaviest first.")
    smallest_flips = SwingSerializer(
        many=True,
        help_text=(
            "The actors whose stance alone flips the sign of the mean in the fewest steps, "
            "heaviest first; empty if no single actor can (or the mean is 0 or none)."
        ),
    )

    def to_representation(self, answer: Sensitivity):
        forecast = answer.forecast
        self.context.setdefault("stakeholders", forecast.stakeholders)
        brief = brief_stakeholder(self.context)

        def swing(s: Swing) -> dict:
            return {
                "stakeholder": brief(forecast.stakeholders[s.stakeholder_id]),
                "stance": s.stance,
                "weight_share": s.weight_share,
                "mean_if_up": s.mean_if_up,
                "mean_if_down": s.mean_if_down,
                "flip_to": s.flip_to,
                "steps_to_flip": s.steps_to_flip,
                "mean_if_flipped": s.mean_if_flipped,
            }

        return {
            "option": brief_serializer(models.PolicyOption)(
                forecast.option, context=self.context
            ).data,
            "as_of": forecast.as_of.isoformat(),
            "basis": forecast.basis,
            "unit": forecast.unit,
            "weighted_mean": forecast.weighted_mean,
            "swings": [swing(s) for s in answer.swings],
            "smallest_flips": [swing(s) for s in answer.smallest_flips],
        }

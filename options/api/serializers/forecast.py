"""
The forecasts' answers: every actor counted with what it weighs and why, the interval, the
coverage, bloc cohesion, pivotal actors, and the method (settings and evidence factors) they
were computed with.

Breakdown entries, thousands in a topic forecast, are written out by `forecast_entry` rather
than field by field; the declared fields describe them in the schema, and
tests/api/test_analysis.py checks that the two agree.
"""

from collections.abc import Callable

from django.db.models import Model
from rest_framework import serializers

from options import analysis, models
from options.analysis.evidence import evidence_factors
from options.analysis.forecast import OPEN_STATUSES, ForecastSettings
from options.api.serializers.analysis import (
    BASIS_CHOICES,
    DEFAULTABLE_FIELDS,
    PairField,
    brief_of,
    brief_stakeholder,
)
from options.api.serializers.brief import brief_serializer


class EvidenceFactorsSerializer(serializers.Serializer):
    """A position's evidence weight is the product of its factors."""

    # Maps rather than objects with a field per grade: a generated client names its locals after
    # the fields, and a field "D" clobbered openapi-python-client's dict `d`.
    confidence = serializers.DictField(
        child=serializers.FloatField(),
        help_text="By the position's confidence: `high`, `medium`, `low`.",
    )
    reliability = serializers.DictField(
        child=serializers.FloatField(),
        help_text="By its source's reliability grade: `A` … `F`.",
    )
    disputed = serializers.FloatField(help_text="When disputed as of the date (else 1).")
    retracted = serializers.FloatField(help_text="When retracted as of the date.")


class ForecastDefaultsSerializer(serializers.Serializer):
    capability = serializers.IntegerField(help_text="What a missing capability counts as.")
    salience = serializers.IntegerField(help_text="What a missing salience counts as.")


class RankingSettingsSerializer(serializers.Serializer):
    open_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=models.PolicyOption.Status.choices)
    )
    min_coverage = serializers.FloatField()
    min_actors = serializers.IntegerField()


class IntervalSettingsSerializer(serializers.Serializer):
    level = serializers.FloatField(help_text="The central share of the draws, e.g. 0.8.")
    draws = serializers.IntegerField()


class ForecastMethodSerializer(serializers.Serializer):
    """The settings a forecast was computed with (docs/analysis.md explains each)."""

    evidence_factors = EvidenceFactorsSerializer()
    defaults = ForecastDefaultsSerializer()
    ranking = RankingSettingsSerializer()
    interval = IntervalSettingsSerializer()

    @staticmethod
    def current() -> dict:
        s = ForecastSettings.current()
        return {
            "evidence_factors": evidence_factors(),
            "defaults": {"capability": s.default_capability, "salience": s.default_salience},
            "ranking": {
                "open_statuses": [
                    status.value for status in models.PolicyOption.Status if status in OPEN_STATUSES
                ],
                "min_coverage": s.min_coverage,
                "min_actors": s.min_actors,
            },
            "interval": {"level": s.interval_level, "draws": s.interval_draws},
        }


class FoldedActorSerializer(serializers.Serializer):
    """A stakeholder folded into the counted one: part of it, which has its own position."""

    stakeholder = brief_serializer(models.Stakeholder)()
    relation = serializers.ChoiceField(
        choices=models.Affiliation.Kind.choices, help_text="How it is part of `via`."
    )
    via = brief_serializer(models.Stakeholder)(help_text="The stakeholder it is directly part of.")
    position_id = serializers.IntegerField()
    stance = serializers.IntegerField(min_value=-2, max_value=2)
    basis = serializers.ChoiceField(choices=models.Position.Basis.choices)
    capability = serializers.IntegerField(allow_null=True, help_text="Its own rating, if any.")


class ForecastEntrySerializer(serializers.Serializer):
    """One stakeholder counted in the forecast: the position it counts with and its weight."""

    stakeholder = brief_serializer(models.Stakeholder)()
    position_id = serializers.IntegerField()
    stance = serializers.IntegerField(min_value=-2, max_value=2)
    basis = serializers.ChoiceField(choices=models.Position.Basis.choices)
    as_of = serializers.DateField()
    as_of_precision = serializers.ChoiceField(choices=models.DatePrecision.choices)
    timing_uncertain = serializers.BooleanField()
    confidence = serializers.ChoiceField(choices=models.Position.Confidence.choices)
    source_id = serializers.IntegerField()
    reliability = serializers.ChoiceField(choices=models.Source.Reliability.choices)
    disputed = serializers.BooleanField()
    retracted = serializers.BooleanField()
    capability = serializers.IntegerField(
        help_text="Its capability as of the date: on the option if rated there, else on the topic."
    )
    salience = serializers.IntegerField()
    defaulted = serializers.ListField(
        child=serializers.ChoiceField(choices=DEFAULTABLE_FIELDS),
        help_text="Which of the two were missing and counted at their defaults.",
    )
    evidence_weight = serializers.FloatField()
    weight = serializers.FloatField(help_text="capability × salience × evidence weight.")
    folded = FoldedActorSerializer(many=True, help_text="Who was folded into it (`unit=actors`).")

    def to_representation(self, entry):
        return forecast_entry(entry, brief_stakeholder(self.context), self.context["stakeholders"])


def forecast_entry(entry, brief: Callable[[Model], dict], stakeholders: dict) -> dict:
    """A breakdown entry, as ForecastEntrySerializer declares it. (A function: a topic forecast
    writes thousands, and DRF's `context` walks up to the root serializer on every read.)"""
    position = entry.position
    return {
        "stakeholder": brief(stakeholders[entry.stakeholder_id]),
        "position_id": position.id,
        "stance": position.stance,
        "basis": position.basis,
        "as_of": position.as_of.isoformat(),
        "as_of_precision": position.as_of_precision,
        "timing_uncertain": entry.timing_uncertain,
        "confidence": position.confidence,
        "source_id": position.source_id,
        "reliability": position.reliability,
        "disputed": position.disputed,
        "retracted": position.retracted,
        "capability": entry.capability,
        "salience": entry.salience,
        "defaulted": list(entry.defaulted),
        "evidence_weight": entry.evidence_weight,
        "weight": entry.weight,
        "folded": [
            {
                "stakeholder": brief(stakeholders[f.stakeholder_id]),
                "relation": f.relation,
                "via": brief(stakeholders[f.via_id]),
                "position_id": f.position.id,
                "stance": f.position.stance,
                "basis": f.position.basis,
                "capability": f.capability,
            }
            for f in entry.folded
        ]
        if entry.folded
        else [],
    }


class DefaultedActorSerializer(serializers.Serializer):
    stakeholder = brief_serializer(models.Stakeholder)()
    fields = serializers.ListField(child=serializers.ChoiceField(choices=DEFAULTABLE_FIELDS))


class BlocCohesionSerializer(serializers.Serializer):
    """A bloc whose members hold positions on the option."""

    bloc = brief_serializer(models.Stakeholder)()
    stance = serializers.IntegerField(
        min_value=-2, max_value=2, allow_null=True, help_text="The bloc's own, if it has one."
    )
    members = brief_serializer(models.Stakeholder)(
        many=True, help_text="Its members with a position."
    )
    cohesion = serializers.FloatField(
        allow_null=True,
        help_text=(
            "The share of those members' capability on the bloc's side (support, opposition or "
            "neutral); null when the bloc has no position."
        ),
    )


class PivotalActorSerializer(serializers.Serializer):
    """A stakeholder whose removal alone flips the sign of the weighted mean or median."""

    stakeholder = brief_serializer(models.Stakeholder)()
    mean_without = serializers.FloatField(allow_null=True)
    mean_shift = serializers.FloatField(
        allow_null=True, help_text="How far its removal moves the weighted mean."
    )
    median_without = serializers.FloatField(allow_null=True)


class ForecastIntervalSerializer(serializers.Serializer):
    """How sure the forecast is: the central `level` share of seeded Monte Carlo draws."""

    level = serializers.FloatField()
    draws = serializers.IntegerField()
    draws_counted = serializers.IntegerField(help_text="Draws in which anyone counted.")
    weighted_mean = PairField(child=serializers.FloatField(), allow_null=True)
    support_share = PairField(child=serializers.FloatField(), allow_null=True)


class ForecastSerializer(serializers.Serializer):
    """The evidence-, influence- and salience-weighted support for an option as of a date."""

    option = brief_serializer(models.PolicyOption)()
    status = serializers.ChoiceField(choices=models.PolicyOption.Status.choices)
    as_of = serializers.DateField()
    basis = serializers.ChoiceField(choices=BASIS_CHOICES)
    unit = serializers.ChoiceField(choices=analysis.UNITS)
    ranked = serializers.BooleanField(
        help_text=(
            "Ranked in the topic forecast: the option is open, and enough actors and coverage "
            "back the figures."
        )
    )
    unranked_reason = serializers.CharField(allow_null=True)
    counted = serializers.IntegerField(help_text="Actors counted.")
    total_weight = serializers.FloatField(help_text="Σ capability × salience × evidence weight.")
    weighted_mean = serializers.FloatField(allow_null=True, help_text="−2 … +2.")
    weighted_median = serializers.FloatField(allow_null=True)
    support_share = serializers.FloatField(allow_null=True)
    oppose_share = serializers.FloatField(allow_null=True)
    neutral_share = serializers.FloatField(allow_null=True)
    interval = ForecastIntervalSerializer()
    coverage = serializers.FloatField(
        allow_null=True,
        help_text=(
            "The share of the topic's rated capability held by stakeholders with a position "
            "on the option; null when nobody's capability is rated."
        ),
    )
    known_capability = serializers.IntegerField()
    covered_capability = serializers.IntegerField()
    breakdown = ForecastEntrySerializer(many=True, help_text="Every actor counted, heaviest first.")
    defaulted = DefaultedActorSerializer(
        many=True, help_text="The actors counted with a default capability or salience."
    )
    blocs = BlocCohesionSerializer(many=True)
    pivotal = PivotalActorSerializer(many=True)

    def to_representation(self, forecast):
        self.context.setdefault("stakeholders", forecast.stakeholders)
        brief = brief_stakeholder(self.context)
        stakeholders = forecast.stakeholders
        interval = forecast.interval
        return {
            "option": brief_of(self.context, brief_serializer(models.PolicyOption))(
                forecast.option
            ),
            "status": forecast.option.status,
            "as_of": forecast.as_of.isoformat(),
            "basis": forecast.basis,
            "unit": forecast.unit,
            "ranked": forecast.ranked,
            "unranked_reason": forecast.unranked_reason,
            "counted": forecast.counted,
            "total_weight": forecast.total_weight,
            "weighted_mean": forecast.weighted_mean,
            "weighted_median": forecast.weighted_median,
            "support_share": forecast.support_share,
            "oppose_share": forecast.oppose_share,
            "neutral_share": forecast.neutral_share,
            "interval": {
                "level": interval.level,
                "draws": interval.draws,
                "draws_counted": interval.draws_counted,
                "weighted_mean": list(interval.weighted_mean) if interval.weighted_mean else None,
                "support_share": list(interval.support_share) if interval.support_share else None,
            },
            "coverage": forecast.coverage,
            "known_capability": forecast.known_capability,
            "covered_capability": forecast.covered_capability,
            "breakdown": [
                forecast_entry(entry, brief, stakeholders) for entry in forecast.breakdown
            ],
            "defaulted": [
                {"stakeholder": brief(stakeholders[e.stakeholder_id]), "fields": list(e.defaulted)}
                for e in forecast.defaulted
            ],
            "blocs": [
                {
                    "bloc": brief(stakeholders[bloc.bloc_id]),
                    "stance": bloc.stance,
                    "members": [brief(stakeholders[m]) for m in bloc.member_ids],
                    "cohesion": bloc.cohesion,
                }
                for bloc in forecast.blocs
            ],
            "pivotal": [
                {
                    "stakeholder": brief(stakeholders[p.stakeholder_id]),
                    "mean_without": p.mean_without,
                    "mean_shift": p.mean_shift,
                    "median_without": p.median_without,
                }
                for p in forecast.pivotal
            ],
        }


class OptionForecastSerializer(ForecastSerializer):
    """The weighted support for an option as of a date, with the method it was computed by."""

    method = ForecastMethodSerializer()

    def to_representation(self, forecast):
        return {**super().to_representation(forecast), "method": ForecastMethodSerializer.current()}


class TopicForecastSerializer(serializers.Serializer):
    """The forecast of every option of a topic: the ranked ones first, by weighted mean."""

    topic = brief_serializer(models.Topic)()
    as_of = serializers.DateField()
    basis = serializers.ChoiceField(choices=BASIS_CHOICES)
    unit = serializers.ChoiceField(choices=analysis.UNITS)
    method = ForecastMethodSerializer()
    forecasts = ForecastSerializer(many=True)

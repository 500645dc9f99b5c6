"""
Sensitivity: who could swing an option. For each actor counted in its forecast, how far the
weighted mean moves if the actor's stance moves one step either way, and the smallest change of
its stance that alone flips the sign of the mean; over all actors, the smallest such change.

Exhaustive where the forecast's `pivotal` only asks whether removing an actor flips the sign: it
is worked out from the totals, Σ weight and Σ weight × stance, for every actor and stance, with
the weights exact integers (options/analysis/forecast.py).
"""

from dataclasses import dataclass

from options.analysis.forecast import Forecast
from options.analysis.weighted import flips

STANCES = range(-2, 3)


@dataclass(frozen=True)
class Swing:
    """One actor's leverage on an option's weighted mean."""

    stakeholder_id: int
    stance: int
    weight_share: float  # its weight over the total: how far one step moves the mean
    mean_if_up: float | None  # one step more supportive; None at +2
    mean_if_down: float | None  # one step more opposed; None at −2
    flip_to: int | None  # the nearest stance at which it alone flips the sign; None if none
    mean_if_flipped: float | None

    @property
    def steps_to_flip(self) -> int | None:
        return None if self.flip_to is None else abs(self.flip_to - self.stance)


@dataclass(frozen=True)
class Sensitivity:
    forecast: Forecast
    swings: list[Swing]  # heaviest first, as the forecast's breakdown
    smallest_flips: list[Swing]  # the actors that flip the sign in the fewest steps, heaviest first


def sensitivity(forecast: Forecast) -> Sensitivity:
    """The swing of every actor counted in `forecast` (see the module's docstring). An actor
    folded into another (`unit=actors`) is not listed: its whole counts for it."""
    total = forecast.total_units
    weighted_sum = sum(e.position.stance * e.units for e in forecast.breakdown)
    mean = forecast.weighted_mean
    swings = []
    for entry in forecast.breakdown:
        stance, units = entry.position.stance, entry.units

        def mean_at(new_stance: int, stance=stance, units=units) -> float | None:
            return (weighted_sum + (new_stance - stance) * units) / total if total else None

        flip_to = None
        for new_stance in sorted(STANCES, key=lambda s, stance=stance: (abs(s - stance), s)):
            if new_stance != stance and flips(mean, mean_at(new_stance)):
                flip_to = new_stance
                break
        swings.append(
            Swing(
                stakeholder_id=entry.stakeholder_id,
                stance=stance,
                weight_share=units / total if total else 0.0,
                mean_if_up=mean_at(stance + 1) if stance < 2 else None,
                mean_if_down=mean_at(stance - 1) if stance > -2 else None,
                flip_to=flip_to,
                mean_if_flipped=None if flip_to is None else mean_at(flip_to),
            )
        )
    steps = [s.steps_to_flip for s in swings if s.steps_to_flip is not None]
    fewest = min(steps, default=None)
    smallest = [s for s in swings if fewest is not None and s.steps_to_flip == fewest]
    return Sensitivity(forecast=forecast, swings=swings, smallest_flips=smallest)

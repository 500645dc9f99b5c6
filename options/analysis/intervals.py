"""
How sure a forecast is: an interval for its weighted mean and support share, from a seeded Monte
Carlo over what is uncertain in its inputs (docs/analysis.md, "Intervals").

In each draw, for each actor counted:
- the stance moves one step up or down (equally likely, kept within −2 … +2) with a probability
  that depends on the position's confidence (STANCE_SHIFT);
- a rated capability or salience varies by ±20 % (uniformly); a defaulted one anywhere between
  nothing and twice the default;
- the position counts at all with a probability equal to its evidence weight (a retracted one
  never does, a disputed one from a so-so source half the time or less).

The interval is the central `level` share of the draws in which anyone counted. Each option's
draws come from a generator seeded from the option and everything its forecast rests on (who
counts, with what stance, weight and evidence), so the same question gets the same answer,
whether it is asked of one option or of the whole topic, and an interval moves only when what it
rests on does (not from one date to the next with nothing new). A topic's
options are drawn apart but computed together: one array of actors × draws for the topic, summed
option by option (the work is in the number of draws times actors, not in Python).
"""

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# The chance that a stance is one step off, by the position's confidence.
STANCE_SHIFT = {"high": 0.1, "medium": 0.25, "low": 0.4}
RATED_SPREAD = 0.2  # a rated capability or salience: ±20 %
DEFAULTED_SPREAD = 1.0  # a defaulted one: 0 … twice the default


@dataclass(frozen=True)
class Interval:
    level: float
    draws: int
    draws_counted: int  # draws in which anyone counted: the interval is over these
    weighted_mean: tuple[float, float] | None
    support_share: tuple[float, float] | None


class UncertainWeight(Protocol):
    """What the Monte Carlo needs of one counted actor."""

    stakeholder_id: int
    stance: int
    confidence: str
    capability: int
    capability_defaulted: bool
    salience: int
    salience_defaulted: bool
    evidence_weight: float  # 0 … 1


@dataclass(frozen=True)
class Question:
    """One option's forecast to draw: its seed and its actors, in a fixed order."""

    seed: int
    weights: Sequence[UncertainWeight]


def interval_seed(option_id: int, weights: Sequence[UncertainWeight]) -> int:
    """A seed from the option and what its forecast rests on (`weights` in a fixed order)."""
    rests_on = [
        (
            w.stakeholder_id,
            w.stance,
            w.confidence,
            w.capability,
            w.capability_defaulted,
            w.salience,
            w.salience_defaulted,
            w.evidence_weight,
        )
        for w in weights
    ]
    return zlib.crc32(repr((option_id, rests_on)).encode())


def forecast_intervals(
    questions: Sequence[Question], *, draws: int, level: float
) -> list[Interval]:
    """The interval of each question's weighted mean and support share over `draws` draws."""
    sizes = [len(question.weights) for question in questions]
    actors = sum(sizes)
    nobody = Interval(level, max(draws, 0), 0, None, None)
    if actors == 0 or draws <= 0:
        return [nobody] * len(questions)
    weights = [w for question in questions for w in question.weights]

    # Three uniforms per actor and draw (its stance and presence, its capability, its salience),
    # each option's from its own generator, in 16 bits (four to a 64-bit draw of the
    # generator): plenty of resolution for these, at a fraction of the cost of floats.
    words = -(-3 * draws // 4)
    raw = np.empty((actors, words), dtype=np.uint64)
    start = 0
    for question, size in zip(questions, sizes, strict=True):
        if size:
            rng = np.random.default_rng(question.seed)
            raw[start : start + size] = rng.bit_generator.random_raw(size=(size, words))
        start += size
    bits = raw.view(np.uint16)
    scale = np.float32(1 / 65536)

    def column(values, dtype=np.float32) -> np.ndarray:
        return np.array(values, dtype=dtype)[:, None]

    # One uniform u decides both whether the position counts (u < evidence) and, if it does,
    # whether its stance moves: down below evidence × shift/2, up from evidence × (1 − shift/2).
    evidence = np.array([w.evidence_weight for w in weights])
    shift = np.array([STANCE_SHIFT[w.confidence] for w in weights])

    def threshold(share: np.ndarray, dtype=np.uint16) -> np.ndarray:
        return np.round(share * 65536).astype(dtype)[:, None]

    u = bits[:, :draws]
    present = u < threshold(evidence, np.uint32)  # 65,536 (certain) does not fit in 16 bits
    stance = column([w.stance for w in weights], np.int8) - (u < threshold(evidence * shift / 2))
    stance += present & (u >= threshold(evidence * (1 - shift / 2)))
    np.clip(stance, -2, 2, out=stance)

    def multiplier(uniform: np.ndarray, defaulted: list[bool], base: list[int]) -> np.ndarray:
        """base × (low + width × uniform): ±20 % for a rated value, 0 … 2 × for a defaulted
        one."""
        low = np.where(column(defaulted) > 0, 1 - DEFAULTED_SPREAD, 1 - RATED_SPREAD)
        factor = uniform.astype(np.float32)
        factor *= (2 * (1 - low) * scale * column(base)).astype(np.float32)
        factor += (low * column(base)).astype(np.float32)
        return factor

    weight = multiplier(
        bits[:, draws : 2 * draws],
        [w.capability_defaulted for w in weights],
        [w.capability for w in weights],
    )
    weight *= multiplier(
        bits[:, 2 * draws : 3 * draws],
        [w.salience_defaulted for w in weights],
        [w.salience for w in weights],
    )
    weight *= present
    weighted_stance = weight * stance
    supporting = weight * (stance > 0)
    tails = [(1 - level) / 2, (1 + level) / 2]

    intervals = [nobody] * len(questions)
    start = 0
    for index, size in enumerate(sizes):
        rows = slice(start, start + size)
        start += size
        total = weight[rows].sum(axis=0)
        counted = total > 0
        if not size or not counted.any():
            continue
        weighed = total[counted]
        means = weighted_stance[rows].sum(axis=0)[counted] / weighed
        shares = supporting[rows].sum(axis=0)[counted] / weighed
        low_mean, high_mean = np.quantile(means, tails)
        low_share, high_share = np.quantile(shares, tails)
        intervals[index] = Interval(
            level,
            draws,
            int(counted.sum()),
            (float(low_mean), float(high_mean)),
            (float(low_share), float(high_share)),
        )
    return intervals

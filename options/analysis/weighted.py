"""
Statistics on integer weights by stance (−2 … +2): the weighted mean and median, and whether a
figure changed sides. The forecast weighs in exact integers (millionths of the evidence weight),
so that ties and the median are decided exactly.
"""

from collections.abc import Mapping


def sign(value: float | None) -> int | None:
    """−1, 0 or +1; None for no value."""
    if value is None:
        return None
    return (value > 0) - (value < 0)


def flips(before: float | None, after: float | None) -> bool:
    """Whether the sign goes from one side to the other (zero is not a side)."""
    return sign(before) not in (None, 0) and sign(after) not in (None, 0, sign(before))


def weighted_median(weight_by_stance: Mapping[int, int]) -> float | None:
    """The weighted median, without bias on ties: the stance at which the cumulative weight
    (stances ascending) passes half the total; where it reaches exactly half, the midpoint
    between that stance and the next one that has weight (−2 and +2, equally weighted: 0)."""
    total = sum(weight_by_stance.values())
    if total == 0:
        return None
    cumulative = 0
    lower = None
    for stance in sorted(weight_by_stance):
        weight = weight_by_stance[stance]
        if weight == 0:
            continue
        if lower is not None:
            return (lower + stance) / 2
        cumulative += weight
        if 2 * cumulative > total:
            return float(stance)
        if 2 * cumulative == total:  # integers: exactly half
            lower = stance
    raise AssertionError("unreachable: the cumulative weight ends at the total")


def weighted_mean(weight_by_stance: Mapping[int, int]) -> float | None:
    """The mean stance, each weighed by its weight; None if nothing weighs."""
    total = sum(weight_by_stance.values())
    if total == 0:
        return None
    return sum(stance * weight for stance, weight in weight_by_stance.items()) / total

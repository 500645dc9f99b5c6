"""
Independent actors: who is part of whom, so that a forecast counts each power once.

A stakeholder that is part of another (a member of it, holds a post in it, or leads it: the
United States' Secretary of State, a bloc's member state) is **folded** into it on an option when
that other stakeholder has its own position on the option: the whole speaks for its parts. It
folds into the outermost such stakeholder (a minister of a state that is itself a member of a
bloc with a position folds into the bloc).
"""

from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass

from options.analysis.asof import Tie
from options.models import Affiliation, Stakeholder


@dataclass(frozen=True)
class Folded:
    """A stakeholder folded into a counted one, through `tie` (its own first step)."""

    stakeholder_id: int
    into_id: int
    tie: Tie


def fold(
    *,
    members: Iterable[int],
    containers: Container[int],
    ties: Mapping[int, list[Tie]],
    capability: Callable[[int], int | None],
) -> dict[int, Folded]:
    """Who is folded into whom on one option: each of `members` (the stakeholders with a
    position) that is part of one of `containers` (those whose position stands: not retracted).

    A stakeholder part of several takes the most capable (then the lowest id); a circle of ties
    (A part of B, B part of A) is broken at its most capable member, which stays counted."""
    chosen: dict[int, Tie] = {}
    for stakeholder_id in members:
        candidates = [
            tie
            for tie in ties.get(stakeholder_id, ())
            if tie.object_id in containers and tie.object_id != stakeholder_id
        ]
        if candidates:
            chosen[stakeholder_id] = max(
                candidates, key=lambda tie: (capability(tie.object_id) or -1, -tie.object_id)
            )
    parent = {stakeholder_id: tie.object_id for stakeholder_id, tie in chosen.items()}
    for start in sorted(parent):
        path: dict[int, int] = {}
        node = start
        while node in parent and node not in path:
            path[node] = len(path)
            node = parent[node]
        if node in path:  # a circle: the nodes from `node` on
            circle = list(path)[path[node] :]
            del parent[max(circle, key=lambda member: (capability(member) or -1, -member))]
    folded = {}
    for stakeholder_id in parent:
        root = stakeholder_id
        while root in parent:
            root = parent[root]
        folded[stakeholder_id] = Folded(stakeholder_id, root, chosen[stakeholder_id])
    return folded


@dataclass(frozen=True)
class BlocCohesion:
    """How far a bloc's members who hold a position on the option stand on the bloc's side."""

    bloc_id: int
    stance: int | None  # the bloc's own stance, if it has a position
    member_ids: list[int]
    cohesion: float | None  # share of the members' capability on the bloc's side


def _side(stance: int) -> int:
    return (stance > 0) - (stance < 0)


def bloc_cohesion(
    *,
    stances: Mapping[int, int],
    ties: Mapping[int, list[Tie]],
    capability: Callable[[int], int],
) -> list[BlocCohesion]:
    """For each bloc with members holding a position (`stances`, by stakeholder id), the share
    of those members' capability whose stance is on the bloc's side (support, opposition or
    neutral); None when the bloc has no position of its own. Blocs by id."""
    members: dict[int, list[int]] = {}
    for stakeholder_id in stances:
        for tie in ties.get(stakeholder_id, ()):
            if tie.kind == Affiliation.Kind.MEMBER_OF and tie.object_kind == Stakeholder.Kind.BLOC:
                members.setdefault(tie.object_id, []).append(stakeholder_id)
    cohesions = []
    for bloc_id in sorted(members):
        member_ids = sorted(set(members[bloc_id]))
        bloc_stance = stances.get(bloc_id)
        cohesion = None
        if bloc_stance is not None:
            total = sum(capability(member) for member in member_ids)
            on_side = sum(
                capability(member)
                for member in member_ids
                if _side(stances[member]) == _side(bloc_stance)
            )
            cohesion = on_side / total if total else None
        cohesions.append(BlocCohesion(bloc_id, bloc_stance, member_ids, cohesion))
    return cohesions

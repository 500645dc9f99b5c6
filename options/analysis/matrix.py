"""The stance matrix: where every stakeholder stood on each of a topic's options, as of a date."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from options.analysis.asof import ANY_BASIS, PositionAsOf, PositionsAsOf, positions_as_of
from options.analysis.evidence import (
    BASES,
    FULL_EVIDENCE,
    divergences,
    effective_position,
    evidence_units,
)
from options.dates import timing_uncertain
from options.models import PolicyOption, Stakeholder


@dataclass(frozen=True)
class Divergence:
    bases: tuple[str, str]
    stances: tuple[int, int]


@dataclass(frozen=True)
class MatrixCell:
    position: PositionAsOf
    stances: dict[str, int]  # every basis's stance as of the date
    divergences: list[Divergence]
    timing_uncertain: bool  # the date looked from lies inside the position's date interval

    @property
    def divergent(self) -> bool:
        return bool(self.divergences)

    @property
    def evidence_weight(self) -> float:
        position = self.position
        units = evidence_units(
            confidence=position.confidence,
            reliability=position.reliability,
            disputed=position.disputed,
            retracted=position.retracted,
        )
        return units / FULL_EVIDENCE


@dataclass(frozen=True)
class MatrixRow:
    stakeholder: Stakeholder
    cells: list[MatrixCell | None]  # in column order; None where there is no position


@dataclass(frozen=True)
class StanceMatrix:
    as_of: datetime.date
    basis: str
    options: list[PolicyOption]
    rows: list[MatrixRow]


def matrix_cell(
    by_basis: dict[str, PositionAsOf], basis: str, as_of: datetime.date
) -> MatrixCell | None:
    """The cell of one stakeholder on one option: the position on `basis`, or for `any` the one
    that stands by evidence rank and date; with every basis's stance as of the date and the
    pairs of bases that diverge (a retracted position no longer speaks for anyone)."""
    position = effective_position(by_basis.values()) if basis == ANY_BASIS else by_basis.get(basis)
    if position is None:
        return None
    standing = {b: p.stance for b, p in by_basis.items() if not p.retracted}
    return MatrixCell(
        position=position,
        stances={b: by_basis[b].stance for b in BASES if b in by_basis},
        divergences=[Divergence(bases, pair) for bases, pair in divergences(standing)],
        timing_uncertain=timing_uncertain(position.as_of, position.as_of_precision, as_of),
    )


def stance_matrix_build(
    *,
    topic_id: int,
    as_of: datetime.date,
    basis: str = ANY_BASIS,
    stakeholder_kinds: Iterable[str] = (),
) -> StanceMatrix:
    """Stakeholders × the topic's options, each cell the position as of `as_of` on `basis`.

    Rows are the stakeholders with at least one position in the matrix, by name; columns the
    topic's options, by title. Three queries: options, positions, stakeholders.
    """
    options = list(PolicyOption.objects.filter(topic_id=topic_id).order_by("title", "id"))
    latest = positions_as_of(
        option_ids=[option.id for option in options],
        as_of=as_of,
        stakeholder_kinds=stakeholder_kinds,
    )
    stakeholders = Stakeholder.objects.filter(
        id__in={stakeholder_id for stakeholder_id, _ in latest}
    ).order_by("name", "id")
    return matrix_assemble(
        options=options, positions=latest, basis=basis, as_of=as_of, stakeholders=stakeholders
    )


def matrix_assemble(
    *,
    options: list[PolicyOption],
    positions: PositionsAsOf,
    basis: str,
    as_of: datetime.date,
    stakeholders: Iterable[Stakeholder],
) -> StanceMatrix:
    """The matrix of `positions` on `options` (its columns, in that order): one row per
    stakeholder of `stakeholders` with a cell, in that order. No query."""
    column_of = {option.id: column for column, option in enumerate(options)}
    cells_by_stakeholder: dict[int, list[MatrixCell | None]] = {}
    for (stakeholder_id, option_id), by_basis in positions.items():
        cell = matrix_cell(by_basis, basis, as_of)
        if cell is not None:
            if stakeholder_id not in cells_by_stakeholder:
                cells_by_stakeholder[stakeholder_id] = [None] * len(options)
            cells_by_stakeholder[stakeholder_id][column_of[option_id]] = cell
    rows = [
        MatrixRow(stakeholder, cells_by_stakeholder[stakeholder.id])
        for stakeholder in stakeholders
        if stakeholder.id in cells_by_stakeholder
    ]
    return StanceMatrix(as_of=as_of, basis=basis, options=options, rows=rows)

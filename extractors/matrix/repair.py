"""A reading that meets every printed total when the exact search ran out of time before finding
one: the column-generation LP's fractional reading, rounded row by row and repaired.

Only the solver-limit path uses it (far larger matrices than plans print, ``solver``):
there the reading is not proven the cheapest and every cell another reading within the margin
could take is flagged anyway, so what matters is that the totals hold and the reading stays
close to the LP's, which explains the marks best.

1. Each row takes the reading its LP solution weighs most among those meeting the row's printed
   total (its cheapest such reading when the LP has none).
2. Penalty repair: each unit by which a per-member or grand total is missed costs ``penalty``
   damage units. Row by row, a row takes its cheapest reading that meets its row total under the
   prices those penalties put on its cells given the other rows (``row_dp.counted_best``; exact
   for the per-member totals, where a row has one cell), when that lowers damage plus penalties.
   Sweeps repeat until no row moves, then the penalty grows (``PENALTIES``): small penalties make
   the cheap repairs first, the last one makes any repair that meets a total.

Damage plus penalties never rises, so each stage ends. A small penalty may trade a missed total
for less damage, which a later stage may not mend, so the cheapest reading that met every total
at the start or at the end of a stage is the one returned; the totals may still be missed when
no single row can mend them (then the caller keeps its fallback).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from extractors.matrix.row_dp import EPS, RowCosts, counted_best

PENALTIES = (1.5, 3.0, 10.0, 1000.0)  # damage units per unit a total is missed, stage by stage
MAX_SWEEPS = 50  # per stage; each sweep that moves a row lowers damage plus penalties


class ColumnTotal(Protocol):
    index: int | None  # member column, None for a grand total
    value: int
    states: frozenset[int]


@dataclass(frozen=True)
class RepairRows:
    """The rows as the counted DP takes them: one entry per row, None for a row whose printed
    total no reading can meet (it keeps its start)."""

    tokens: list[np.ndarray | None]  # (1, tokens) int64
    goal: list[np.ndarray | None]  # (1,) int64
    counts: list[np.ndarray | None]  # (3,) int64


@dataclass(frozen=True)
class Repaired:
    states: np.ndarray  # (rows, columns)
    damage: np.ndarray  # (rows,)
    missed: int  # units by which the column totals are still missed (0: every one holds)


def totals_to_masks(totals: Sequence[ColumnTotal], n_columns: int) -> np.ndarray:
    """(totals, columns * 3): 1 where a total counts state s at column c."""
    masks = np.zeros((len(totals), n_columns, 3))
    for t, total in enumerate(totals):
        for state in total.states:
            masks[t, slice(None) if total.index is None else total.index, state] = 1.0
    return masks.reshape(len(totals), -1)


def lp_to_start(readings: Sequence[tuple[int, tuple[int, ...], int]], weights: np.ndarray, meets: Sequence[bool],
                n_rows: int, n_columns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(states, damage, has): per row, the LP's heaviest reading among those meeting its row
    total (first added on ties); ``has`` is False for a row the LP gave none."""
    states = np.zeros((n_rows, n_columns), dtype=np.int64)
    damage = np.zeros(n_rows)
    weight = np.full(n_rows, -1.0)
    for (r, vector, cost), w, ok in zip(readings, weights.tolist(), meets, strict=True):
        if ok and w > weight[r] + EPS:
            weight[r], states[r], damage[r] = w, vector, cost
    return states, damage, weight >= 0


def repair_to_totals(states: np.ndarray, damage: np.ndarray, rows: RepairRows, masks: np.ndarray,
                     values: np.ndarray, costs: RowCosts) -> Repaired:
    """Penalty repair (module doc) from the start ``states`` / ``damage``."""
    states, damage = states.copy(), damage.copy()
    n_rows, n_columns = states.shape
    flat_index = np.arange(n_columns) * 3
    counted = masks[:, flat_index[None, :] + states].transpose(1, 0, 2).sum(axis=2)  # (rows, totals)
    deviation = counted.sum(axis=0) - values
    kept: tuple[np.ndarray, np.ndarray] | None = None  # the cheapest reading met every total with so far

    def keep() -> None:
        nonlocal kept
        if not np.abs(deviation).sum() and (kept is None or damage.sum() < kept[1].sum() - EPS):
            kept = states.copy(), damage.copy()

    keep()
    for penalty in PENALTIES:
        for _ in range(MAX_SWEEPS):
            moved = False
            for r in range(n_rows):
                if rows.tokens[r] is None:
                    continue
                others = deviation - counted[r]
                extra = penalty * (np.abs(others + 1) - np.abs(others))  # per total: one more counted cell
                prices = (extra @ masks).reshape(1, n_columns, 3)
                current = damage[r] + prices[0, np.arange(n_columns), states[r]].sum()
                best, found, found_damage = counted_best(rows.tokens[r], prices, rows.goal[r], rows.counts[r],
                                                         np.array([current - EPS]), *costs.arrays)
                if not np.isfinite(best[0]):
                    continue
                now = masks[:, flat_index + found[0]].sum(axis=1)
                before = damage[r] + penalty * np.abs(others + counted[r]).sum()
                after = found_damage[0] + penalty * np.abs(others + now).sum()
                if after < before - EPS:  # exact, grand totals included (their price is linearised)
                    states[r], damage[r], counted[r] = found[0], found_damage[0], now
                    deviation = others + now
                    moved = True
            if not moved:
                break
        keep()
    if kept is not None:
        return Repaired(kept[0], kept[1], 0)
    return Repaired(states, damage, int(round(np.abs(deviation).sum())))

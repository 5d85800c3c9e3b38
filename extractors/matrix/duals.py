"""Lagrangian duals of a participation matrix's printed totals, by column generation.

The LP relaxation of the matrix problem (one reading per row, every total) over a growing pool
of readings is held in one HiGHS model (``ReadingMaster``): readings join as columns and each
round re-solves from the last basis. Its duals price every cell; the cheapest reading of every
row under those prices comes from the compiled row DP (``row_dp.best_readings``). It stops
when the LP value is within ``CONVERGED`` of the Lagrangian bound ``sum_r best_r + pi . totals``,
which bounds every reading meeting the totals from below. Wentges smoothing keeps the duals
from oscillating; slack on a total is priced in steps so early duals stay moderate.

Used by ``solver``, which enumerates the readings inside the window these duals admit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import highspy
import numpy as np
from scipy.sparse import csr_array

from extractors.matrix.highs import quiet_highs
from extractors.matrix.row_dp import RowCosts, codes_to_padded, rows_to_best_readings

SLACK_PRICES = (1.0, 4.0, 16.0, 1000.0)
CONVERGED = 0.25  # LP value minus Lagrangian bound at which the bound is good enough
SMOOTHING = 0.5  # price at this mix of the best-bound duals and the LP's
_EPS = 1e-6
INF = float("inf")


class TotalLike(Protocol):
    kind: str  # row | existing | new | total
    index: int | None
    value: int
    states: frozenset[int]


def duals_to_prices(duals: np.ndarray, totals: Sequence[TotalLike], n_rows: int, n_columns: int) -> np.ndarray:
    """prices[r, c, s]: minus the duals of every total that counts state s at (r, c), subtracted
    in the order of ``totals`` (one array operation per run of totals of one kind)."""
    prices = np.zeros((n_rows, n_columns, 3))
    duals = np.where(np.abs(duals) < 1e-12, 0.0, duals)  # as good as none: subtracting 0.0 changes no price
    for run in total_runs(tuple(totals)):
        first = totals[run[0]]
        pis, index = duals[run], [totals[t].index for t in run]
        for s in first.states:
            if first.kind == "row":
                prices[index, :, s] -= pis[:, None]
            elif first.index is None:
                prices[:, :, s] -= pis[0]
            else:
                prices[:, index, s] -= pis[None, :]
    return prices


@lru_cache(maxsize=16)
def total_runs(totals: tuple[TotalLike, ...]) -> list[list[int]]:
    """The totals as runs of consecutive ones of one kind counting the same states, each on its
    own row or column (a grand total alone): a run's cells are disjoint, so one array operation
    per run prices them."""
    runs: list[list[int]] = []
    taken: set[int | None] = set()  # rows or columns the last run holds
    for t, total in enumerate(totals):
        last = totals[runs[-1][-1]] if runs else None
        if last is not None and total.index is not None and last.index is not None \
                and (last.kind, last.states) == (total.kind, total.states) and total.index not in taken:
            runs[-1].append(t)
        else:
            runs.append([t])
            taken = set()
        taken.add(total.index)
    return runs


class ReadingMaster:
    """The LP over a pool of readings: one convexity row per matrix row, one row per total with
    a priced slack up and down; readings join as columns, HiGHS re-solves from the last basis."""

    def __init__(self, totals: Sequence[TotalLike], n_rows: int, n_columns: int, counted: Sequence[bool]) -> None:
        n_totals = len(totals)
        self.n_rows, self.n_columns = n_rows, n_columns
        self.highs = quiet_highs()
        bounds = np.concatenate([np.ones(n_rows), [float(t.value) for t in totals]])
        self.highs.addRows(n_rows + n_totals, bounds, bounds, 0, np.zeros(0, dtype=np.int32),
                           np.zeros(0, dtype=np.int32), np.zeros(0))
        self.n_slack = 2 * n_totals
        rows = np.arange(n_rows, n_rows + n_totals, dtype=np.int32)
        self.highs.addCols(self.n_slack, np.zeros(self.n_slack), np.zeros(self.n_slack),
                           np.full(self.n_slack, highspy.kHighsInf), self.n_slack,
                           np.arange(self.n_slack, dtype=np.int32), np.concatenate([rows, rows]),
                           np.concatenate([np.ones(n_totals), -np.ones(n_totals)]))
        masks = np.zeros((n_totals, n_columns, 3))  # per-member and grand totals: the cells they count
        self.row_total = np.full(n_rows, -1)
        for t, total in enumerate(totals):
            if total.kind == "row":
                self.row_total[total.index] = t
            else:
                for state in total.states:
                    masks[t, slice(None) if total.index is None else total.index, state] = 1.0
        self.cell_totals = csr_array(masks.reshape(n_totals, -1).T)  # (column x state, totals)
        self.counted = np.array(counted, dtype=float)
        self.seen: set[tuple[int, bytes]] = set()
        self.readings: list[tuple[int, tuple[int, ...], int]] = []  # (row, states, damage) in the order added
        self.blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (rows, damage, coefficients) per add

    def pool_minima(self, duals: np.ndarray) -> np.ndarray:
        """Per row, the cheapest priced reading the pool holds at ``duals`` (INF for none): a row
        whose best priced reading costs no less brings nothing new to the LP."""
        out = np.full(self.n_rows, INF)
        for rows, damage, coef in self.blocks:
            np.minimum.at(out, rows, damage - coef @ duals)
        return out

    def set_slack_price(self, price: float) -> None:
        self.highs.changeColsCost(self.n_slack, np.arange(self.n_slack, dtype=np.int32), np.full(self.n_slack, price))

    def add(self, states: np.ndarray, cost: np.ndarray, rows: Sequence[int] | None = None) -> int:
        """Add each row's reading (states (R, C), damage (R,); only ``rows`` when given) the pool
        does not hold yet."""
        new = [r for r in (range(len(states)) if rows is None else rows) if (r, states[r].tobytes()) not in self.seen]
        if not new:
            return 0
        self.seen.update((r, states[r].tobytes()) for r in new)
        self.readings += [(r, tuple(states[r].tolist()), int(round(cost[r]))) for r in new]
        picked = states[new]
        cells = np.arange(self.n_columns) * 3 + picked  # (new, columns): the (column, state) each reading takes
        onehot = csr_array((np.ones(cells.size), cells.ravel(), np.arange(0, cells.size + 1, self.n_columns)),
                           shape=(len(new), 3 * self.n_columns))
        coef = (onehot @ self.cell_totals).toarray()  # (new, totals); whole counts, so exact (no BLAS threads either)
        own = self.row_total[new]
        has = np.flatnonzero(own >= 0)
        coef[has, own[has]] = self.counted[picked[has]].sum(axis=1)
        self.blocks.append((np.array(new), cost[new].astype(float), coef))
        starts, index, value = reading_columns(np.array(new), coef, self.n_rows)
        self.highs.addCols(len(new), cost[new].astype(float), np.zeros(len(new)), np.ones(len(new)), len(index),
                           starts, index, value)
        return len(new)

    def solve(self) -> tuple[float, np.ndarray, bool]:
        """(LP value, duals of the totals, whether every total holds without slack)."""
        self.highs.run()
        solution = self.highs.getSolution()
        slack = float(np.sum(solution.col_value[: self.n_slack]))
        return self.highs.getInfo().objective_function_value, np.asarray(solution.row_dual[self.n_rows :]), slack < 1e-6


def reading_columns(rows: np.ndarray, coef: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The LP columns of readings of ``rows`` counting ``coef`` (readings, totals) towards each
    total, column-wise (starts, row indices ascending, values): a 1 on the reading's own
    convexity row, then its counts on the total rows after the ``n_rows`` convexity rows."""
    reading, total = np.nonzero(coef)  # by reading, totals ascending
    sizes = np.bincount(reading, minlength=len(rows)) + 1
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    index = np.empty(int(sizes.sum()), dtype=np.int32)
    value = np.empty(len(index))
    index[starts], value[starts] = rows, 1.0
    rest = np.ones(len(index), dtype=bool)
    rest[starts] = False
    index[rest], value[rest] = n_rows + total, coef[reading, total]
    return starts.astype(np.int32), index, value


@dataclass(frozen=True)
class DualSearch:
    duals: np.ndarray  # one per total
    bound: float  # Lagrangian lower bound at those duals
    feasible: bool  # the LP relaxation meets every total without slack
    solves: int
    readings: tuple[tuple[int, tuple[int, ...], int], ...]  # (row, states, damage) the LP saw


def search_duals(codes: Sequence[tuple[int, ...]], totals: Sequence[TotalLike], counted: Sequence[bool],
                 n_columns: int, costs: RowCosts, max_rounds: int) -> DualSearch:
    """Stabilised column generation; keeps the duals with the best Lagrangian bound."""
    tokens, lengths = codes_to_padded(codes)
    values = np.array([float(t.value) for t in totals])
    master = ReadingMaster(totals, len(codes), n_columns, counted)

    def price(duals: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, list[int]]:
        """(Lagrangian bound, each row's best reading and its damage, the rows whose best reading
        beats every pooled one: only those are traced back)."""
        best, states, damage = rows_to_best_readings(tokens, lengths, duals_to_prices(duals, totals, len(codes), n_columns), costs)
        rows = np.flatnonzero(best < master.pool_minima(duals) - _EPS)
        return float(best.sum() + duals @ values), states, damage, rows.tolist()

    best_duals = np.zeros(len(totals))
    best_bound, states, damage, rows = price(best_duals)
    master.add(states, damage, rows)
    solves, feasible = 0, False
    for slack_price in SLACK_PRICES:
        master.set_slack_price(slack_price)
        for _ in range(max_rounds):
            value, lp_duals, feasible = master.solve()
            solves += 1
            if feasible and value - best_bound < CONVERGED:
                break
            added = 0
            for trial in (SMOOTHING * best_duals + (1 - SMOOTHING) * lp_duals, lp_duals):
                bound, states, damage, rows = price(trial)
                if bound > best_bound:
                    best_bound, best_duals = bound, trial
                added = master.add(states, damage, rows)
                if added:
                    break
            if not added:
                break  # no new reading at these prices: the LP is optimal over every reading
        if feasible:
            break
    return DualSearch(best_duals, best_bound, feasible, solves, tuple(master.readings))

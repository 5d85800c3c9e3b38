"""Lagrangian duals of a participation matrix's printed totals, by column generation.

The LP relaxation of the matrix problem (one reading per row, every total) over a growing pool
of readings is held in one HiGHS model (``ReadingMaster``): readings join as columns and each
round re-solves from the last basis. Its duals price every cell; the cheapest reading of every
row under those prices comes from one vectorised DP over all rows at once (rows padded to one
length with tokens that are free only as tail insertions) and a vectorised trace back through
it. It stops when the LP value is within ``CONVERGED`` of the Lagrangian bound
``sum_r best_r + pi . totals``, which bounds every reading meeting the totals from below.
Wentges smoothing keeps the duals from oscillating; slack on a total is priced in steps so
early duals stay moderate.

Used by ``matrix_recovery``, which enumerates the readings inside the window these duals admit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import highspy
import numpy as np
from scipy.sparse import csc_array

SLACK_PRICES = (1.0, 4.0, 16.0, 1000.0)
CONVERGED = 0.25  # LP value minus Lagrangian bound at which the bound is good enough
SMOOTHING = 0.5  # price at this mix of the best-bound duals and the LP's
PAD = 3  # token code filling short rows up to the longest
BARRED = 1e7  # cost of a move a pad may not make: finite, so sums of it stay exact
_EPS = 1e-6
INF = float("inf")


class TotalLike(Protocol):
    kind: str  # row | existing | new | total
    index: int | None
    value: int
    states: frozenset[int]


@dataclass(frozen=True)
class PaddedCosts:
    """The damage model's cost arrays with a ``PAD`` token added (index 3)."""

    match: np.ndarray  # [token, state]
    drop: np.ndarray  # [state]
    insert: np.ndarray  # [token]
    insert_tail: np.ndarray  # [token]


def pad_costs(match: np.ndarray, drop: np.ndarray, insert: np.ndarray, insert_tail: np.ndarray) -> PaddedCosts:
    return PaddedCosts(np.vstack([match, np.full((1, match.shape[1]), BARRED)]), drop,
                       np.append(insert, BARRED), np.append(insert_tail, 0.0))


def codes_to_padded(codes: Sequence[tuple[int, ...]]) -> np.ndarray:
    """(rows, longest) token codes, ``PAD`` after each row's own tokens."""
    width = max((len(c) for c in codes), default=0)
    tokens = np.full((len(codes), width), PAD, dtype=np.int64)
    for r, row in enumerate(codes):
        tokens[r, : len(row)] = row
    return tokens


def forward_closure(h: np.ndarray, ins: np.ndarray) -> np.ndarray:
    """g[., i] = min over k <= i of h[., k] + (cost of inserting tokens k..i-1)."""
    return closure_by_prefix(h, insert_prefix(ins))


def insert_prefix(ins: np.ndarray) -> np.ndarray:
    """(rows, tokens + 1): the cost of inserting tokens 0..i-1, for ``closure_by_prefix``."""
    return np.concatenate([np.zeros((ins.shape[0], 1)), np.cumsum(ins, axis=1)], axis=1)


def closure_by_prefix(h: np.ndarray, prefix: np.ndarray) -> np.ndarray:
    """``forward_closure`` with the insertion prefix sums computed once for many columns."""
    return np.minimum.accumulate(h - prefix, axis=1) + prefix


def tokens_to_forward(tokens: np.ndarray, prices: np.ndarray, costs: PaddedCosts) -> np.ndarray:
    """forward[r, j, i]: the cheapest priced alignment of row r's first i tokens to its first j
    columns; ``forward[:, -1, -1]`` is each row's cheapest priced reading."""
    g, n = tokens.shape
    n_cols = prices.shape[1]
    inside, tail = insert_prefix(costs.insert[tokens]), insert_prefix(costs.insert_tail[tokens])
    match = np.moveaxis(costs.match[tokens], 2, 0)  # (state, g, n): one slice per state, no reduce
    forward = np.full((g, n_cols + 1, n + 1), INF)
    start = np.full((g, n + 1), INF)
    start[:, 0] = 0.0
    forward[:, 0] = closure_by_prefix(start, tail if n_cols == 0 else inside)
    for j in range(n_cols):
        price = prices[:, j]
        drop = np.minimum(np.minimum(costs.drop[0] + price[:, 0], costs.drop[1] + price[:, 1]), costs.drop[2] + price[:, 2])
        step = forward[:, j] + drop[:, None]
        if n:
            best_match = np.minimum(np.minimum(match[0] + price[:, 0, None], match[1] + price[:, 1, None]),
                                    match[2] + price[:, 2, None])
            step[:, 1:] = np.minimum(step[:, 1:], forward[:, j, :-1] + best_match)
        forward[:, j + 1] = closure_by_prefix(step, tail if j + 1 == n_cols else inside)
    return forward


def forward_to_best_readings(tokens: np.ndarray, prices: np.ndarray, forward: np.ndarray,
                             costs: PaddedCosts) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cheapest priced reading, traced back through ``forward``: (states (R, C),
    damage cost (R,)). Among equally cheap moves, matches before drops before insertions."""
    g, n = tokens.shape
    n_cols = prices.shape[1]
    states = np.zeros((g, n_cols), dtype=np.int64)
    damage = np.zeros(g)
    j, i = np.full(g, n_cols), np.full(g, n)
    while True:
        r = np.flatnonzero((j > 0) | (i > 0))
        if not len(r):
            return states, damage
        jj, ii = j[r], i[r]
        here = forward[r, jj, ii][:, None]
        pj, pi = np.maximum(jj - 1, 0), np.maximum(ii - 1, 0)
        tok = tokens[r, pi]
        price = prices[r, pj]  # (active, state)
        match_ok = ((jj > 0) & (ii > 0))[:, None] & (np.abs(forward[r, pj, pi][:, None] + costs.match[tok] + price - here) < _EPS)
        drop_ok = (jj > 0)[:, None] & (np.abs(forward[r, pj, ii][:, None] + costs.drop[None, :] + price - here) < _EPS)
        is_match = match_ok.any(axis=1)
        is_drop = drop_ok.any(axis=1) & ~is_match
        m, d, k = np.flatnonzero(is_match), np.flatnonzero(is_drop), np.flatnonzero(~is_match & ~is_drop)
        s_match, s_drop = match_ok[m].argmax(axis=1), drop_ok[d].argmax(axis=1)
        states[r[m], pj[m]] = s_match
        damage[r[m]] += costs.match[tok[m], s_match]
        states[r[d], pj[d]] = s_drop
        damage[r[d]] += costs.drop[s_drop]
        tok_k = tokens[r[k], pi[k]]
        damage[r[k]] += np.where(jj[k] == n_cols, costs.insert_tail[tok_k], costs.insert[tok_k])
        j[r[m]] -= 1
        i[r[m]] -= 1
        j[r[d]] -= 1
        i[r[k]] -= 1


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance with logging off; the banner HiGHS prints on the first instance of a
    process goes to /dev/null instead of the pipeline's standard output."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    return highs


def duals_to_prices(duals: np.ndarray, totals: Sequence[TotalLike], n_rows: int, n_columns: int) -> np.ndarray:
    """prices[r, c, s]: minus the duals of every total that counts state s at (r, c)."""
    prices = np.zeros((n_rows, n_columns, 3))
    for pi, total in zip(duals, totals, strict=True):
        if abs(pi) < 1e-12:
            continue
        for s in total.states:
            if total.kind == "row":
                prices[total.index, :, s] -= pi
            elif total.index is None:
                prices[:, :, s] -= pi
            else:
                prices[:, total.index, s] -= pi
    return prices


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
        self.masks = masks.reshape(n_totals, -1)
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
        self.readings += [(r, tuple(int(x) for x in states[r]), int(round(cost[r]))) for r in new]
        picked = states[new]
        onehot = np.zeros((len(new), self.n_columns, 3))
        np.put_along_axis(onehot, picked[:, :, None], 1.0, axis=2)
        coef = onehot.reshape(len(new), -1) @ self.masks.T  # (new, totals)
        own = self.row_total[new]
        has = np.flatnonzero(own >= 0)
        coef[has, own[has]] = self.counted[picked[has]].sum(axis=1)
        self.blocks.append((np.array(new), cost[new].astype(float), coef))
        matrix = np.concatenate([np.zeros((len(new), self.n_rows)), coef], axis=1)
        matrix[np.arange(len(new)), new] = 1.0
        block = csc_array(matrix.T)
        self.highs.addCols(len(new), cost[new].astype(float), np.zeros(len(new)), np.ones(len(new)), block.nnz,
                           block.indptr[:-1].astype(np.int32), block.indices.astype(np.int32), block.data)
        return len(new)

    def solve(self) -> tuple[float, np.ndarray, bool]:
        """(LP value, duals of the totals, whether every total holds without slack)."""
        self.highs.run()
        solution = self.highs.getSolution()
        slack = float(np.sum(solution.col_value[: self.n_slack]))
        return self.highs.getInfo().objective_function_value, np.asarray(solution.row_dual[self.n_rows :]), slack < 1e-6


@dataclass(frozen=True)
class DualSearch:
    duals: np.ndarray  # one per total
    bound: float  # Lagrangian lower bound at those duals
    feasible: bool  # the LP relaxation meets every total without slack
    solves: int
    readings: tuple[tuple[int, tuple[int, ...], int], ...]  # (row, states, damage) the LP saw


def search_duals(codes: Sequence[tuple[int, ...]], totals: Sequence[TotalLike], counted: Sequence[bool],
                 n_columns: int, costs: PaddedCosts, max_rounds: int) -> DualSearch:
    """Stabilised column generation; keeps the duals with the best Lagrangian bound."""
    tokens = codes_to_padded(codes)
    values = np.array([float(t.value) for t in totals])
    master = ReadingMaster(totals, len(codes), n_columns, counted)

    def price(duals: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, list[int]]:
        """(Lagrangian bound, each row's best reading and its damage, the rows whose best reading
        beats every pooled one: only those are traced back)."""
        prices = duals_to_prices(duals, totals, len(codes), n_columns)
        forward = tokens_to_forward(tokens, prices, costs)
        best = forward[:, -1, -1]
        rows = np.flatnonzero(best < master.pool_minima(duals) - _EPS)
        states = np.zeros((len(codes), n_columns), dtype=np.int64)
        damage = np.zeros(len(codes))
        if len(rows):
            states[rows], damage[rows] = forward_to_best_readings(tokens[rows], prices[rows], forward[rows], costs)
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

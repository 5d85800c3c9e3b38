"""Which cells another reading within the margin reads differently, and each cell's confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import highspy
import numpy as np
from scipy.sparse import csr_array, vstack

from extractors.matrix.highs import arrays_to_highs, solve_milp_arrays
from extractors.matrix.master import (
    Flat,
    Solution,
    chosen_readings,
    flat_to_matrix,
    highs_options,
    local_alternatives,
    meets_row_totals,
)
from extractors.matrix.model import EPS, INF, DamageModel
from extractors.matrix.solver import Outcome

# --- ambiguity ---------------------------------------------------------------------------------


def ambiguity_pairs(outcome: Outcome, cap: float) -> dict[tuple[int, int, int], np.ndarray]:
    """(row, column, other state) -> candidates realising it, for every pair that a reading
    within the Lagrangian window (priced cost <= row best + cap - bound) realises."""
    flat, pricing, solution = outcome.flat, outcome.pricing, outcome.solution
    inside = pricing.window(flat, cap - pricing.bound)
    pairs: dict[tuple[int, int, int], np.ndarray] = {}
    for r in range(flat.n_rows):
        reach = np.flatnonzero(inside & (flat.owner == r))
        chosen = flat.states[solution.chosen[r]]
        if len(reach) < 2:
            continue
        differs = flat.states[reach] != chosen
        for col in np.flatnonzero(differs.any(axis=0)):
            for state in set(flat.states[reach[differs[:, col]], col].tolist()):
                pairs[(r, int(col), int(state))] = reach[flat.states[reach, col] == state]
    return pairs


def outcome_within(outcome: Outcome, cap: float) -> Outcome:
    """The outcome over only the readings that can take part in a solution costing at most
    ``cap`` (Lagrangian window), which keeps every ambiguity solve small."""
    flat, solution = outcome.flat, outcome.solution
    keep = outcome.pricing.window(flat, cap - outcome.pricing.bound) & meets_row_totals(flat, outcome.totals)
    keep[solution.chosen] = True
    index = np.cumsum(keep) - 1
    chosen = index[solution.chosen]
    return replace(outcome, flat=flat.subset(keep), solution=replace(solution, chosen=chosen))


@dataclass(frozen=True)
class _Alternatives:
    proven: dict[tuple[int, int, int], float]  # pair -> cost of the cheapest solution showing it
    solves: int
    undecided: int  # pairs neither shown nor ruled out in time, counted as ambiguous


def find_alternatives(
    outcome: Outcome, pairs: dict[tuple[int, int, int], np.ndarray], cap: float, model: DamageModel
) -> _Alternatives:
    """Prove pairs realisable by a solution meeting every total within ``cap``.

    Cheap proofs first: one row changing its reading without moving any total, or two rows
    whose changes to the totals cancel (found by hashing the change vectors). Then the pool's LP
    (warm-started HiGHS, ``ForcedLp``) rules pairs out: first with the Lagrangian bound at its
    duals, then one LP per row (can any other reading of the row fit?) and one per pair with its
    reading forced. The duals of every forced LP that does not fit are prices too, so each such
    LP also rules out, by its Lagrangian bound, every other pair it shows cannot fit
    (``PoolBound``). Each pair still open gets one MILP with that reading forced; its solution
    proves every pair it shows. Pairs left open when a solve runs out of nodes
    (``ambiguity_nodes``) or the whole search out of solves (``ambiguity_solves``) count as
    ambiguous: never a guess shown as sure."""
    flat, solution = outcome.flat, outcome.solution
    proven: dict[tuple[int, int, int], float] = {}
    a, rhs = flat_to_matrix(flat, outcome.totals)
    for cands, value in local_alternatives(flat, solution, a, cap):
        _prove(flat, solution.chosen, cands, value, pairs, proven)
    open_pairs = {key: members for key, members in pairs.items() if key not in proven}
    solves = undecided = 0
    if not open_pairs:
        return _Alternatives(proven, solves, undecided)
    lp = ForcedLp(flat, a, rhs)
    lp.solve()
    solves += 1
    first = PoolBound(flat, a, rhs, solution.chosen)
    first.exclude(lp.duals, cap)
    usable = first.usable  # readings a solution within cap may take
    if not usable.all():  # the LP's own reduced costs: only the readings left matter from here on
        flat, solution, open_pairs = _shrink(flat, solution, open_pairs, usable)
        a, rhs = flat_to_matrix(flat, outcome.totals)
        lp = ForcedLp(flat, a, rhs)
        lp.solve()
    bound = PoolBound(flat, a, rhs, solution.chosen)

    def learn(pairs_left: dict[tuple[int, int, int], np.ndarray]) -> dict[tuple[int, int, int], np.ndarray]:
        """Exclude what the last LP's duals put above the cap, from the bound and the LP, and
        rule out the pairs left that no usable reading can realise within it."""
        lp.exclude(bound.exclude(lp.duals, cap))
        return bound.rule_out(pairs_left, lp.duals, cap)

    open_pairs = learn(open_pairs)
    for r in rows_by_nearest_alternative(bound, lp.duals, solution, {key[0] for key in open_pairs}):
        if solves >= model.ambiguity_solves:
            break
        if not any(key[0] == r for key in open_pairs):
            continue
        others = np.flatnonzero((flat.owner == r) & (np.arange(len(flat.cost)) != solution.chosen[r]))
        solves += 1
        fits = lp.fits(others, cap)
        open_pairs = learn(open_pairs if fits else {key: m for key, m in open_pairs.items() if key[0] != r})
    for key in sorted(open_pairs):
        if key in proven or key not in open_pairs:
            continue
        found: tuple[dict[int, int], float] | None | _Undecided = UNDECIDED
        if solves < model.ambiguity_solves:
            found = forced_solve(flat, a, rhs, open_pairs[key], cap, model, lp)
            solves += 1
        if found is UNDECIDED:  # not ruled out in time: another reading may fit, so say so
            proven[key] = cap
            undecided += 1
        elif found is None:
            open_pairs = learn({k: m for k, m in open_pairs.items() if k != key})
        else:
            chosen, value = found
            _prove(flat, solution.chosen, chosen, value, pairs, proven)
            open_pairs = learn(open_pairs)
    return _Alternatives(proven, solves, undecided)


def rows_by_nearest_alternative(bound: PoolBound, duals: np.ndarray | None, solution: Solution, rows: set[int]) -> list[int]:
    """``rows`` ordered by the Lagrangian bound of their cheapest other reading, lowest first: the
    forced LPs of those rows leave duals that decide the most pairs within the solve budget
    (measured against most open pairs first: corpus flags 1875 -> 1845, 100 x 30 359/108/55 ->
    328/114/40)."""
    flat = bound.flat
    bounds = np.where(np.arange(len(flat.cost)) != solution.chosen[flat.owner], bound.reading_bounds(duals), INF)
    nearest = np.full(flat.n_rows, INF)
    np.minimum.at(nearest, flat.owner, bounds)
    return sorted(rows, key=lambda r: (float(nearest[r]), r))


class PoolBound:
    """The Lagrangian bound over the pool at any prices of the totals: every solution within the
    window takes its readings from the pool, so for any duals ``pi``, a solution taking reading k
    costs at least ``sum_r min_r + pi . totals + (priced_k - min_row(k))``, priced = cost - pi . A.

    A reading some bound puts above the cap is in no solution within it: it is excluded
    (``usable``) for good, so the row minima of every later bound, and the LP, get tighter."""

    def __init__(self, flat: Flat, a: csr_array, rhs: np.ndarray, keep: np.ndarray) -> None:
        self.flat = flat
        self.counts = csr_array(a[[*range(flat.n_rows, a.shape[0])]].T) if a.shape[0] > flat.n_rows else None
        self.values = rhs[flat.n_rows:]
        self.starts = np.searchsorted(flat.owner, np.arange(flat.n_rows))
        self.keep = keep  # readings never excluded (the solution's own)
        self.usable = np.ones(len(flat.cost), dtype=bool)

    def reading_bounds(self, duals: np.ndarray | None) -> np.ndarray:
        """Per usable reading, the least cost of a solution taking it (-INF when ``duals`` say
        nothing, INF for a reading already excluded)."""
        if duals is None or self.counts is None or not np.all(np.isfinite(duals)):
            return np.where(self.usable, -INF, INF)
        priced = np.where(self.usable, self.flat.cost - self.counts @ duals, INF)
        row_min = np.minimum.reduceat(priced, self.starts)
        return float(row_min.sum() + duals @ self.values) - row_min[self.flat.owner] + priced

    def exclude(self, duals: np.ndarray | None, cap: float) -> np.ndarray:
        """The readings these duals newly put above ``cap`` (now excluded)."""
        out = self.usable & (self.reading_bounds(duals) > cap + EPS)
        out[self.keep] = False
        self.usable &= ~out
        return np.flatnonzero(out)

    def rule_out(self, pairs: dict[tuple[int, int, int], np.ndarray], duals: np.ndarray | None,
                 cap: float) -> dict[tuple[int, int, int], np.ndarray]:
        """The pairs whose bound at ``duals`` fits under ``cap``."""
        if not pairs:
            return pairs
        bounds = self.reading_bounds(duals)
        keys = list(pairs)
        members = [pairs[key] for key in keys]
        starts = np.cumsum([0] + [len(m) for m in members[:-1]])
        fits = np.minimum.reduceat(bounds[np.concatenate(members)], starts) <= cap + EPS
        return {key: pairs[key] for key, ok in zip(keys, fits.tolist(), strict=True) if ok}


def _shrink(flat: Flat, solution: Solution, pairs: dict[tuple[int, int, int], np.ndarray],
            keep: np.ndarray) -> tuple[Flat, Solution, dict[tuple[int, int, int], np.ndarray]]:
    """The pool with only ``keep`` (which holds the solution), the solution and the pairs' readings
    pointing into it; pairs none of whose readings are kept are dropped (none can fit)."""
    index = np.cumsum(keep) - 1
    moved = {key: index[m[keep[m]]] for key, m in pairs.items()}
    return (flat.subset(keep), replace(solution, chosen=index[solution.chosen]),
            {key: m for key, m in moved.items() if len(m)})


def forced_solve(flat: Flat, a: csr_array, rhs: np.ndarray, members: np.ndarray, cap: float,
                 model: DamageModel, lp: ForcedLp) -> tuple[dict[int, int], float] | None | _Undecided:
    """The cheapest solution choosing one of ``members`` in their row, if it fits under ``cap``;
    ``UNDECIDED`` when ``ambiguity_nodes`` ran out before either was shown.

    Its LP relaxation goes first: most forced readings cannot fit, and an infeasible LP (or one
    costing more than ``cap``) proves that far faster than the MILP would."""
    if not lp.fits(members, cap):
        return None
    upper = np.minimum(_forced_upper(flat, members), lp.upper)  # nor any reading excluded so far
    with_budget = vstack([a, csr_array(flat.cost[None, :])])
    res = solve_milp_arrays(flat.cost, with_budget, np.append(rhs, -INF), np.append(rhs, cap + EPS), upper,
                            np.ones(len(upper)), {**highs_options(model), "mip_max_nodes": model.ambiguity_nodes})
    if res.x is None:
        return UNDECIDED if res.stopped else None  # stopped: node (or time) limit reached
    if res.objective > cap + EPS:
        return None
    chosen = chosen_readings(flat, res.x)
    return {r: int(c) for r, c in enumerate(chosen)}, res.objective


class ForcedLp:
    """The pool's LP relaxation (one candidate per row, every total) held in one HiGHS model, so
    each forced check only changes the bounds of one row and re-solves from the last basis."""

    def __init__(self, flat: Flat, a: csr_array, rhs: np.ndarray) -> None:
        self.flat = flat
        k = len(flat.cost)
        # y <= 1 follows from one per row; re-solves start from the last basis, which presolve would discard
        self.highs = arrays_to_highs(flat.cost, a, rhs, rhs, np.full(k, INF), np.zeros(k), {"presolve": "off"})
        self.rows = [np.flatnonzero(flat.owner == r).astype(np.int32) for r in range(flat.n_rows)]
        self.duals: np.ndarray | None = None  # of the totals, at the last solve
        self.start: highspy.HighsBasis | None = None  # the unforced LP's optimal basis
        self.upper = np.full(k, highspy.kHighsInf)  # 0 for the readings excluded from every solution within the cap

    def exclude(self, readings: np.ndarray) -> None:
        """Fix ``readings`` at 0: no solution within the cap takes them, so the LP gets tighter."""
        if len(readings):
            self.upper[readings] = 0.0
            self.highs.changeColsBounds(len(readings), readings.astype(np.int32), np.zeros(len(readings)), np.zeros(len(readings)))

    def solve(self) -> None:
        """Solve the pool's LP and keep its duals and basis: each forced check starts from that
        basis, one row away from its own optimum, not from the last check's (measured on the
        benchmark: as fast, and its duals rule out more pairs)."""
        self.highs.run()
        assert self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal  # the pool holds the solution just found
        self.duals = np.asarray(self.highs.getSolution().row_dual[self.flat.n_rows:])
        self.start = self.highs.getBasis()

    def fits(self, members: np.ndarray, cap: float) -> bool:
        """Whether the LP with the row of ``members`` forced onto them fits under ``cap``; False
        proves that no solution taking one of them does."""
        if not len(members):
            return False
        row = self.rows[int(self.flat.owner[members[0]])]
        upper = np.where(np.isin(row, members), np.minimum(self.upper[row], 1.0), 0.0)
        self.highs.changeColsBounds(len(row), row, np.zeros(len(row)), upper)
        self.highs.setOptionValue("objective_bound", cap + EPS)
        if self.start is not None:
            self.highs.setBasis(self.start)
        self.highs.run()
        status = self.highs.getModelStatus()
        value = self.highs.getInfo().objective_function_value
        self.duals = np.asarray(self.highs.getSolution().row_dual[self.flat.n_rows:]) if status != highspy.HighsModelStatus.kInfeasible else None
        self.highs.changeColsBounds(len(row), row, np.zeros(len(row)), self.upper[row])
        return status == highspy.HighsModelStatus.kOptimal and value <= cap + EPS


class _Undecided:
    """A forced solve that neither found nor ruled out a solution within its node limit."""


UNDECIDED = _Undecided()


def _forced_upper(flat: Flat, members: np.ndarray) -> np.ndarray:
    """Upper bounds that leave the row of ``members`` only those readings (its choice
    constraint then takes exactly one of them)."""
    upper = np.ones(len(flat.cost))
    if len(members):
        upper[np.flatnonzero(flat.owner == flat.owner[members[0]])] = 0.0
        upper[members] = 1.0
    return upper


def _prove(flat: Flat, chosen: np.ndarray, changes: dict[int, int], value: float,
           pairs: dict[tuple[int, int, int], np.ndarray], proven: dict[tuple[int, int, int], float]) -> None:
    """Record every (cell, state) the solution ``changes`` (row -> candidate) reads otherwise."""
    for r, k in changes.items():
        if k == chosen[r]:
            continue
        for col in np.flatnonzero(flat.states[k] != flat.states[chosen[r]]):
            key = (r, int(col), int(flat.states[k, col]))
            if key in pairs:
                proven[key] = min(proven.get(key, INF), value)


def cells_to_confidence(
    proven: dict[tuple[int, int, int], float], optimum: float, n_rows: int, n_columns: int
) -> tuple[tuple[tuple[float, ...], ...], tuple[tuple[bool, ...], ...]]:
    """Softmax over each cell's readings by the cost of the best solution found for each
    (temperature: one damage unit); the chosen reading has the optimum's cost."""
    gaps: dict[tuple[int, int], list[float]] = {}
    for (r, col, _state), value in proven.items():
        gaps.setdefault((r, col), []).append(max(value - optimum, 0.0))
    confidence = tuple(
        tuple(round(1.0 / (1.0 + sum(math.exp(-g) for g in gaps.get((r, c), []))), 4) for c in range(n_columns))
        for r in range(n_rows)
    )
    ambiguous = tuple(tuple((r, c) in gaps for c in range(n_columns)) for r in range(n_rows))
    return confidence, ambiguous

"""The recipe for one row-total rule: column generation, the Lagrangian window, the exact MILP
over that pool, and what is done when the totals contradict each other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from extractors.matrix.duals import duals_to_prices, search_duals
from extractors.matrix.master import (
    SEARCH_LIMIT,
    Flat,
    Pool,
    SearchLimit,
    Solution,
    Total,
    canonical_optimum,
    evidence_to_totals,
    flat_to_matrix,
    independent_totals,
    meets_row_totals,
    solve_milp,
    solve_milp_deviation,
    solve_milp_fewest,
    tokens_to_ties,
    violated_totals,
)
from extractors.matrix.model import (
    EPS,
    STATES,
    Candidate,
    DamageModel,
    MatrixEvidence,
    RowTotalRule,
    model_to_tables,
    rows_to_minima,
    rows_to_windows,
    tokens_to_codes,
)
from extractors.matrix.row_dp import RowCosts

# --- the recipe for one row-total rule --------------------------------------------------------

@dataclass
class Pricing:
    """Prices from duals, each row's cheapest priced reading and the Lagrangian bound."""

    prices: np.ndarray
    row_min: np.ndarray
    bound: float

    def priced(self, flat: Flat) -> np.ndarray:
        """Each candidate's cost under these prices."""
        cols = np.arange(flat.states.shape[1])
        return flat.cost + self.prices[flat.owner[:, None], cols[None, :], flat.states].sum(axis=1)

    def optimum_floor(self) -> float:
        """The least damage any reading meeting the totals can have: damage is a whole number of
        units, so the bound rounds up. A solution this cheap is optimal, whatever else exists."""
        return float(math.ceil(self.bound - EPS))

    def window(self, flat: Flat, width: float) -> np.ndarray:
        """Candidates within ``width`` of their row's cheapest priced reading."""
        return self.priced(flat) <= self.row_min[flat.owner] + width + EPS


@dataclass
class Solver:
    """Column generation, windows and the certified MILP for one rule (see the module doc)."""

    evidence: MatrixEvidence
    rule: RowTotalRule
    model: DamageModel
    totals: tuple[Total, ...] = ()
    codes: list[tuple[int, ...]] = field(default_factory=list)
    pool: Pool | None = None
    costs: RowCosts | None = None
    solves: int = 0
    complete: bool = True

    def __post_init__(self) -> None:
        self.totals = independent_totals(evidence_to_totals(self.evidence, self.rule))
        self.codes = [tokens_to_codes(r.tokens) for r in self.evidence.rows]
        self.pool = Pool(len(self.codes), self.evidence.n_columns)
        self.costs = model_to_tables(self.model)

    def price(self, duals: np.ndarray) -> Pricing:
        assert self.costs is not None
        prices = duals_to_prices(duals, self.totals, len(self.codes), self.evidence.n_columns)
        row_min = rows_to_minima(self.codes, prices, self.costs)
        bound = float(row_min.sum() + sum(pi * t.value for pi, t in zip(duals, self.totals, strict=True)))
        return Pricing(prices, row_min, bound)

    def enumerate(self, pricing: Pricing, window: float, targets: Sequence[int | None], limit: int) -> list[list[Candidate]]:
        """Each row's readings within ``window`` of its priced best that meet its target."""
        assert self.costs is not None
        return rows_to_windows(self.codes, targets, [int(self.rule.counts(s)) for s in STATES], pricing.prices,
                               self.costs, pricing.row_min + window, limit)

    def generate_columns(self) -> tuple[Pricing, bool]:
        """The pricing at the duals with the best Lagrangian bound (``duals``) and whether
        the LP relaxation is infeasible (the totals cannot all hold even fractionally)."""
        assert self.costs is not None
        counted = [self.rule.counts(s) for s in STATES]
        found = search_duals(self.codes, self.totals, counted, self.evidence.n_columns, self.costs, self.model.max_rounds)
        self.solves += found.solves
        assert self.pool is not None
        for r, states, cost in found.readings:
            self.pool.add(r, [Candidate(states, cost)])
        return self.price(found.duals), not found.feasible

    def widen(self, pricing: Pricing, window: float) -> None:
        """Add every reading meeting its row total within ``window`` of its row's priced best."""
        assert self.pool is not None
        found = self.enumerate(pricing, window, [row.total for row in self.evidence.rows], self.model.max_candidates)
        for r, readings in enumerate(found):
            if len(readings) >= self.model.max_candidates:
                self.complete = False
            self.pool.add(r, readings)

    def solve(self) -> Outcome | None:
        """The certified optimum, or None when no reading meets every total."""
        assert self.pool is not None
        pricing, infeasible = self.generate_columns()
        if infeasible:
            return None
        searched = self.search_optimum(pricing)
        if not isinstance(searched, Optimum):
            return searched  # None, or a solution a solver limit kept from being proven optimal
        return self.with_margin(pricing, searched)

    def search_optimum(self, pricing: Pricing) -> Optimum | Outcome | None:
        """Windows double until the best solution G is optimal over a window at least ``G - L``
        wide (no cheaper solution exists anywhere then) or costs ``ceil(L)``. The pool is only
        widened to the margin afterwards: a poor first G would ask for a needlessly wide pool."""
        window = -1.0  # the pool holds the column-generation readings only
        best: tuple[Solution, Flat] | None = None  # the cheapest solution so far and its pool
        while True:
            trial, trial_flat = self.milp(pricing, window)
            if isinstance(trial, Solution) and (best is None or trial.objective < best[0].objective - EPS):
                best = trial, trial_flat
            if trial is SEARCH_LIMIT or (isinstance(trial, Solution) and not trial.optimal):  # a wider pool would not solve either
                return self.unsolved(pricing, trial_flat) if best is None else self.limited(pricing, *best)
            if best is None:
                if window >= self.model.max_window:
                    return None
            elif best[0].objective <= pricing.optimum_floor() + EPS or best[0].objective - pricing.bound <= window + EPS:
                return Optimum(best[0], best[1], window)
            elif window >= self.model.max_window:
                return self.limited(pricing, *best)
            window = min(float(self.model.max_window), max(1.0, 2 * window))
            if best is not None:
                window = min(window, best[0].objective - pricing.bound)
            self.widen(pricing, window)

    def with_margin(self, pricing: Pricing, optimum: Optimum) -> Outcome:
        """The optimum over the pool widened to the margin (for the ambiguity search), its ties
        broken over every optimum (they all lie within ``G - L`` of the bound)."""
        solution, flat, window = optimum.solution, optimum.flat, optimum.window
        optimal = max(0.0, solution.objective - pricing.bound)
        needed = solution.objective + self.model.margin - pricing.bound
        self.widen(pricing, needed)
        if optimal > window + EPS:  # the tie-break sees every optimum, not just those found
            tied, flat = self.milp(pricing, optimal)
            assert isinstance(tied, Solution)
            solution, window = tied, optimal
        solution = canonical_optimum(flat, solution, self.totals, tokens_to_ties(flat, self.codes))
        if needed > window + EPS:
            flat, solution = self.rebased(solution, flat, pricing, needed)
        proven = solution.objective <= pricing.optimum_floor() + EPS
        return Outcome(self.rule, flat, self.totals, solution, pricing, proven or self.complete, self.solves)

    def unsolved(self, pricing: Pricing, flat: Flat) -> Outcome:
        """What is left when a solver limit stopped the search before any reading meeting every
        total turned up: each row's cheapest priced reading (the LP's prices make most totals
        hold) with the totals it misses, every cell flagged (``Recovery.limited``)."""
        starts = np.searchsorted(flat.owner, np.arange(flat.n_rows + 1))
        if (np.diff(starts) == 0).any():  # a row without a reading in this window: the whole pool
            flat = self.pool_flat(pricing, -1.0)
            starts = np.searchsorted(flat.owner, np.arange(flat.n_rows + 1))
            if (np.diff(starts) == 0).any():
                return self.solve_soft()
        priced = pricing.priced(flat)
        chosen = np.array([starts[r] + int(np.argmin(priced[starts[r]:starts[r + 1]])) for r in range(flat.n_rows)], dtype=int)
        a, rhs = flat_to_matrix(flat, self.totals)
        solution = Solution(chosen, float(flat.cost[chosen].sum()), violated_totals(a, rhs, flat.n_rows, chosen), False)
        return Outcome(self.rule, flat, self.totals, solution, pricing, False, self.solves, limited=True)

    def limited(self, pricing: Pricing, solution: Solution, flat: Flat) -> Outcome:
        """A solution meeting every total that a solver limit kept from being proven optimal."""
        solution = canonical_optimum(flat, solution, self.totals, tokens_to_ties(flat, self.codes))
        return Outcome(self.rule, flat, self.totals, solution, pricing, False, self.solves, limited=True)

    def solve_soft(self) -> Outcome:
        """Fewest violated totals, then least damage, over a window of readings per row.

        The L1 reading (least total deviation) comes first and always exists; the count MILP
        then looks, within ``soft_nodes``, for a reading with fewer violated totals."""
        assert self.pool is not None
        pricing, _ = self.generate_columns()
        plain = self.price(np.zeros(len(self.totals)))
        printed = [row.total for row in self.evidence.rows]
        for targets in ([None] * len(printed), printed):
            for p in (plain, pricing):
                for r, readings in enumerate(self.nearest(p, targets)):
                    self.pool.add(r, readings)
        flat = self.pool.flat()
        penalty = float(flat.cost.max(initial=0.0) * flat.n_rows + 1.0)  # above any damage total
        solution = solve_milp_deviation(flat, self.totals, self.model, penalty)
        self.solves += 1
        if solution.violated:
            fewer = solve_milp_fewest(flat, self.totals, self.model, penalty, len(solution.violated))
            self.solves += 1
            if fewer is not None and (len(fewer.violated), fewer.objective) < (len(solution.violated), solution.objective):
                solution = fewer
        return Outcome(self.rule, flat, self.totals, solution, pricing, False, self.solves)

    def nearest(self, pricing: Pricing, targets: Sequence[int | None]) -> list[list[Candidate]]:
        """Each row's readings in the widest window up to ``soft_window`` that holds at most
        ``soft_candidates`` of them (the first window's, cut, when even that holds more)."""
        limit = self.model.soft_candidates
        found: list[list[Candidate]] = [[] for _ in targets]
        settled = [False] * len(targets)
        for window in range(self.model.soft_window + 1):
            wider = self.enumerate(pricing, float(window), targets, limit + 1)
            for r, readings in enumerate(wider):
                if settled[r]:
                    continue
                if len(readings) > limit:
                    found[r], settled[r] = found[r] or readings[:limit], True
                else:
                    found[r] = readings
        return found

    def rebased(self, solution: Solution, flat: Flat, pricing: Pricing, window: float) -> tuple[Flat, Solution]:
        """The pool within ``window`` and ``solution`` pointing into it (it holds every reading
        the solution takes: they lie inside any window it was found in)."""
        assert self.pool is not None
        wider = self.pool.flat()
        wider = wider.subset(pricing.window(wider, window))
        return wider, replace(solution, chosen=wider.positions(flat.states[solution.chosen]))

    def pool_flat(self, pricing: Pricing, window: float) -> Flat:
        """The pool's readings inside the priced window (all when ``window`` < 0) that meet their
        row's total: the others cannot take part in a solution within it."""
        assert self.pool is not None
        flat = self.pool.flat()
        keep = meets_row_totals(flat, self.totals)
        return flat.subset(keep & pricing.window(flat, window) if window >= 0 else keep)

    def milp(self, pricing: Pricing, window: float) -> tuple[Solution | None | SearchLimit, Flat]:
        """Solve over the pool within ``window`` (``pool_flat``)."""
        flat = self.pool_flat(pricing, window)
        self.solves += 1
        return solve_milp(flat, self.totals, self.model, tokens_to_ties(flat, self.codes)), flat


@dataclass(frozen=True)
class Optimum:
    """A solution proven optimal over every reading, the pool it was found in and that pool's window."""

    solution: Solution
    flat: Flat
    window: float


@dataclass(frozen=True)
class Outcome:
    rule: RowTotalRule
    flat: Flat
    totals: tuple[Total, ...]
    solution: Solution
    pricing: Pricing
    certified: bool
    solves: int
    limited: bool = False  # a MILP stopped on its limit: the solution meets every total but may not be optimal

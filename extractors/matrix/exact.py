"""The plain exact solver: every reading of each row within a damage window, one MILP choosing
a reading per row under every printed total, and the alternatives found by re-solving.

With ``m_r`` the damage of row r's cheapest reading meeting its own total and ``M = sum m_r``,
a reading of row r costing ``d`` can take part in a solution costing at most ``G`` only if
``d - m_r <= G - M``. So every reading within ``w`` of its row's minimum is enumerated
(``readings.row_to_readings``) and the MILP solved over them; when its optimum ``G`` satisfies
``G + margin - M <= w`` the pool holds every reading of every solution within the margin, the
optimum is global (``certified``) and the ambiguity search may start; otherwise the window is
widened to ``G + margin - M`` and the MILP solved once more (``G`` can only fall).

A cell is ambiguous when another solution meeting every total and costing at most
``G* + margin`` reads it otherwise. They are found by re-solving over the pool with a cap on the
damage and a reward for each (cell, state) not yet seen: each solve either shows new ones or
proves that none is left (``find_alternatives``).

Past the plan size (a row with more than ``max_readings`` readings in its window, a MILP
stopped on ``time_limit``) the best reading found is returned as ``limited``: it is not proven
optimal, and every cell another pooled reading within the window reads otherwise is flagged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from extractors.matrix.ambiguity import cells_to_confidence
from extractors.matrix.master import (
    SEARCH_LIMIT,
    Flat,
    Solution,
    Total,
    canonical_optimum,
    evidence_to_totals,
    flat_to_matrix,
    highs_options,
    independent_totals,
    solve_milp,
    solve_milp_deviation,
    tokens_to_ties,
    violated_totals,
)
from extractors.matrix.model import (
    EPS,
    INF,
    STATES,
    DamageModel,
    MatrixEvidence,
    Recovery,
    RowTotalRule,
    rows_to_alignments,
    tokens_to_codes,
)
from extractors.matrix.readings import RowCosts, row_minimum, row_to_readings
from extractors.matrix.recovery import nearest_rules, recovered_violations, row_total_rules

MAX_READINGS = 20000  # per row and window; past it the result is not proven


@dataclass(frozen=True)
class Outcome:
    """The solution under one row-total rule, the pool it points into and how sure it is;
    ``excess`` is each pooled reading's priced damage above its row's priced minimum."""

    rule: RowTotalRule
    flat: Flat
    excess: np.ndarray
    bound: float  # the Lagrangian lower bound on any reading meeting every total
    totals: tuple[Total, ...]
    solution: Solution
    certified: bool
    limited: bool
    solves: int


@dataclass
class RuleProblem:
    """One row-total rule's problem: the rows' tokens and targets, the totals, and the prices
    of each (column, state) that the LP's duals give."""

    evidence: MatrixEvidence
    rule: RowTotalRule
    model: DamageModel
    solves: int = 0

    def __post_init__(self) -> None:
        self.codes = [tokens_to_codes(row.tokens) for row in self.evidence.rows]
        self.targets = [row.total for row in self.evidence.rows]
        self.counted = tuple(int(self.rule.counts(s)) for s in STATES)
        self.costs = model_to_costs(self.model)
        self.totals = independent_totals(evidence_to_totals(self.evidence, self.rule))
        self.prices = np.zeros((self.evidence.n_columns, 3))
        self.minima = self.priced_minima(self.prices)
        self.bound = float(self.minima.sum())

    def priced_minima(self, prices: np.ndarray, targets: Sequence[int | None] | None = None) -> np.ndarray:
        targets = self.targets if targets is None else targets
        return np.array([row_minimum(c, prices, t, self.counted, self.costs) for c, t in zip(self.codes, targets, strict=True)])

    def pool(self, window: float, targets: Sequence[int | None] | None = None) -> tuple[Flat, np.ndarray, bool]:
        """Every reading within ``window`` of its row's priced minimum (``targets`` as given,
        the printed ones by default), each one's priced excess, and whether no row was cut at
        ``MAX_READINGS``."""
        minima = self.minima if targets is None else self.priced_minima(self.prices, targets)
        targets = self.targets if targets is None else targets
        owner, states, cost, excess, complete = [], [], [], [], True
        columns = np.arange(self.evidence.n_columns)
        for r, (codes, target) in enumerate(zip(self.codes, targets, strict=True)):
            found = row_to_readings(codes, self.prices, target, self.counted, self.costs, minima[r] + window, MAX_READINGS)
            owner.append(np.full(len(found.cost), r))
            states.append(found.states)
            cost.append(found.cost)
            excess.append(found.cost + self.prices[columns[None, :], found.states].sum(axis=1) - minima[r])
            complete &= found.complete
        flat = Flat(np.concatenate(owner).astype(int), np.concatenate(states).astype(int).reshape(-1, self.evidence.n_columns),
                    np.concatenate(cost).astype(float), len(self.codes))
        return flat, np.concatenate(excess), complete

    def milp(self, flat: Flat) -> Solution | None | object:
        self.solves += 1
        return solve_milp(flat, self.totals, self.model, tokens_to_ties(flat, self.codes))

    def price(self) -> bool:
        """Prices from the duals of the LP over the readings near each row's minimum, a few
        rounds of adding each row's cheapest priced reading (column generation), keeping the
        prices of the best Lagrangian bound. False when the LP is infeasible even over the
        widest window (no reading meets every total)."""
        window = float(self.model.margin)
        flat, _, _ = self.pool(window)
        for _ in range(self.model.max_rounds):
            a, rhs = flat_to_matrix(flat, self.totals)
            self.solves += 1
            lp = linprog(flat.cost, A_eq=a, b_eq=rhs, bounds=(0, 1), method="highs")
            if lp.status == 2:
                if window >= self.model.max_window:
                    return False
                window = min(float(self.model.max_window), 2 * window)
                flat = merge_pools(flat, self.pool(window)[0])
                continue
            if lp.status != 0:
                return True
            prices = duals_to_prices(self.totals, lp.eqlin.marginals[flat.n_rows:], self.evidence.n_columns)
            minima = self.priced_minima(prices)
            bound = float(minima.sum()) + sum(v * t.value for v, t in zip(lp.eqlin.marginals[flat.n_rows:], self.totals,
                                                                          strict=True) if t.kind != "row")
            if bound > self.bound:
                self.prices, self.minima, self.bound = prices, minima, bound
            if lp.fun - bound <= EPS or math.ceil(self.bound - EPS) >= lp.fun - EPS:
                return True
            best, _, _ = self.pool_at(prices, minima)
            flat = merge_pools(flat, best)
        return True

    def pool_at(self, prices: np.ndarray, minima: np.ndarray) -> tuple[Flat, np.ndarray, bool]:
        saved = self.prices, self.minima
        self.prices, self.minima = prices, minima
        try:
            return self.pool(0.0)
        finally:
            self.prices, self.minima = saved

    def solve(self) -> Outcome | None:
        """The optimum over every reading within the priced window its own value asks for;
        None when no reading within ``max_window`` meets every total."""
        if not np.isfinite(self.minima).all() or not self.price():
            return None
        window = float(self.model.margin)
        while True:
            flat, excess, complete = self.pool(window)
            solution = self.milp(flat)
            if solution is SEARCH_LIMIT or (isinstance(solution, Solution) and not solution.optimal):
                return self.limited(flat, excess, solution)
            if solution is None:
                if window >= self.model.max_window or not complete:
                    return None
                window = min(float(self.model.max_window), 2 * window)
                continue
            assert isinstance(solution, Solution)
            needed = solution.objective + self.model.margin - self.bound
            if needed <= window + EPS or not complete:
                solution = canonical_optimum(flat, solution, self.totals, tokens_to_ties(flat, self.codes))
                return Outcome(self.rule, flat, excess, self.bound, self.totals, solution, complete, not complete, self.solves)
            window = needed

    def limited(self, flat: Flat, excess: np.ndarray, solution: object) -> Outcome:
        """A MILP stopped on its limit: its solution if it found one, else each row's cheapest
        priced reading with the totals it misses (every cell is then flagged)."""
        if not isinstance(solution, Solution):
            starts = np.searchsorted(flat.owner, np.arange(flat.n_rows + 1))
            chosen = np.array([starts[r] + int(np.argmin(excess[starts[r]:starts[r + 1]])) for r in range(flat.n_rows)])
            a, rhs = flat_to_matrix(flat, self.totals)
            solution = Solution(chosen, float(flat.cost[chosen].sum()), violated_totals(a, rhs, flat.n_rows, chosen), False)
        return Outcome(self.rule, flat, excess, self.bound, self.totals, solution, False, True, self.solves)

    def solve_soft(self) -> Outcome:
        """The totals contradict each other: the least total deviation (each unit off costing more
        than any damage) over the readings within ``soft_window`` of each row's minimum, with and
        without its own total."""
        self.prices = np.zeros((self.evidence.n_columns, 3))
        self.minima = self.priced_minima(self.prices)
        window = float(self.model.soft_window)
        free, _, _ = self.pool(window, [None] * len(self.codes))
        bound, _, _ = self.pool(window)
        flat = merge_pools(free, bound)
        penalty = float(flat.cost.max(initial=0.0) * flat.n_rows + 1.0)
        self.solves += 1
        solution = solve_milp_deviation(flat, self.totals, self.model, penalty)
        return Outcome(self.rule, flat, np.zeros(len(flat.cost)), 0.0, self.totals, solution, False, False, self.solves)


def duals_to_prices(totals: Sequence[Total], duals: np.ndarray, n_columns: int) -> np.ndarray:
    """``prices[column, state]``: minus the duals of the totals counting that cell (row totals
    aside: each row's readings meet their own)."""
    prices = np.zeros((n_columns, 3))
    for total, dual in zip(totals, duals, strict=True):
        if total.kind == "row":
            continue
        columns = slice(None) if total.index is None else total.index
        for s in total.states:
            prices[columns, s] -= dual
    return prices


def model_to_costs(model: DamageModel) -> RowCosts:
    from extractors.matrix.model import BLANK, FILLED, HOLLOW

    tokens = (BLANK, FILLED, HOLLOW)
    return RowCosts(
        match=np.array([[model.match_cost(t, s) for s in STATES] for t in tokens], dtype=float),
        drop=np.array([model.drop_cost(s) for s in STATES], dtype=float),
        insert=np.array([model.insert_cost(t, False) for t in tokens], dtype=float),
        insert_tail=np.array([model.insert_cost(t, True) for t in tokens], dtype=float),
    )


def merge_pools(first: Flat, second: Flat) -> Flat:
    """The readings of both pools, each (row, states) once, grouped by row."""
    owner = np.concatenate([first.owner, second.owner])
    states = np.concatenate([first.states, second.states])
    cost = np.concatenate([first.cost, second.cost])
    _, keep = np.unique(np.column_stack([owner, states]), axis=0, return_index=True)
    keep = np.sort(keep)
    order = keep[np.argsort(owner[keep], kind="stable")]
    return Flat(owner[order], states[order], cost[order], first.n_rows)


# --- other readings within the margin ---------------------------------------------------------


@dataclass(frozen=True)
class Alternatives:
    """Each (row, column, state) another solution within the cap reads, with the cheapest such
    solution's damage found; how many solves it took; how many pairs no solve could decide."""

    proven: dict[tuple[int, int, int], float]
    solves: int
    undecided: int


def within_cap(outcome: Outcome, cap: float) -> Flat:
    """The readings that can take part in a solution costing at most ``cap``."""
    return outcome.flat.subset(outcome.excess <= cap - outcome.bound + EPS)


def pair_ids(flat: Flat, chosen_states: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Per reading and column, the index of the (row, column, state) it reads otherwise than the
    chosen solution (-1 where it agrees), and those triples."""
    differs = flat.states != chosen_states[flat.owner]
    n_cols = flat.states.shape[1]
    codes = (flat.owner[:, None] * n_cols + np.arange(n_cols)[None, :]) * 3 + flat.states
    unique, inverse = np.unique(codes[differs], return_inverse=True)
    ids = np.full(flat.states.shape, -1)
    ids[differs] = inverse
    triples = [(int(u) // 3 // n_cols, int(u) // 3 % n_cols, int(u) % 3) for u in unique]
    return ids, triples


def find_alternatives(outcome: Outcome, model: DamageModel) -> Alternatives:
    """Every (cell, other state) a solution within ``G* + margin`` realises: solve, with the
    damage capped, for the solution realising the most pairs not seen yet; stop when the best
    realises none (the rest are ruled out) or a solve stops on its limit (the rest count as
    ambiguous)."""
    cap = outcome.solution.objective + model.margin
    flat = within_cap(outcome, cap)
    ids, triples = pair_ids(flat, outcome.flat.states[outcome.solution.chosen])
    best = np.full(len(triples), INF)  # the cheapest solution found realising each pair
    if not triples:
        return Alternatives({}, 0, 0)
    a, rhs = flat_to_matrix(flat, outcome.totals)
    reward = float(model.margin + 1)  # one more pair outweighs any damage within the margin
    solves = undecided = 0
    while True:
        open_pair = np.append(~np.isfinite(best), False)  # index -1: no pair
        gain = open_pair[ids].sum(axis=1).astype(float)
        if not gain.any():
            break
        solves += 1
        res = milp(flat.cost - reward * gain, integrality=np.ones(len(flat.cost)), bounds=Bounds(0, 1),
                   constraints=[LinearConstraint(a, rhs, rhs), LinearConstraint(flat.cost[None, :], -INF, cap + EPS)],
                   options=highs_options(model))
        if res.x is None or res.status != 0:
            undecided = int(open_pair.sum())
            best[open_pair[:-1]] = cap
            break
        taken = np.flatnonzero(res.x > 0.5)
        realised = np.unique(ids[taken][ids[taken] >= 0])
        if not open_pair[realised].any():
            break
        best[realised] = np.minimum(best[realised], float(flat.cost[taken].sum()))
    proven = {triple: float(value) for triple, value in zip(triples, best.tolist(), strict=True) if np.isfinite(value)}
    return Alternatives(proven, solves, undecided)


def every_alternative(outcome: Outcome, model: DamageModel) -> dict[tuple[int, int, int], float]:
    """Without a proven optimum: every (cell, other state) a pooled reading within the window
    reads, each at the cap (none of them is ruled out)."""
    cap = outcome.solution.objective + model.margin
    flat = within_cap(outcome, cap)
    _, triples = pair_ids(flat, outcome.flat.states[outcome.solution.chosen])
    return dict.fromkeys(triples, cap)


# --- the entry point --------------------------------------------------------------------------


def evidence_to_recovery(evidence: MatrixEvidence, model: DamageModel | None = None) -> Recovery:
    """Recover the matrix: the optimum under each plausible row-total rule (the cheapest wins);
    the least total deviation when no reading meets them all."""
    model = model or DamageModel()
    rules = row_total_rules(evidence)
    problems = {rule: RuleProblem(evidence, rule, model) for rule in rules}
    outcomes = [o for p in problems.values() if (o := p.solve()) is not None]
    if not outcomes:
        outcomes = [problems[rule].solve_soft() for rule in nearest_rules(evidence, rules)]
    best = min(outcomes, key=lambda o: (len(o.solution.violated), o.solution.objective))
    return outcome_to_recovery(evidence, best, model)


def outcome_to_recovery(evidence: MatrixEvidence, outcome: Outcome, model: DamageModel) -> Recovery:
    """The chosen readings with their alignments, the other readings within the margin as
    ambiguity and confidence."""
    flat, solution = outcome.flat, outcome.solution
    n_rows, n_cols = flat.n_rows, evidence.n_columns
    states = tuple(tuple(int(s) for s in flat.states[i]) for i in solution.chosen)
    violated = recovered_violations(evidence, states, outcome.rule)
    solves, undecided = outcome.solves, 0
    if solution.violated or violated:  # no reading meeting every total: no cell is sure
        proven = {(r, c, s): solution.objective for r in range(n_rows) for c in range(n_cols) for s in STATES
                  if s != states[r][c]}
        undecided = len(proven) if outcome.limited else 0
    elif outcome.limited:
        proven = every_alternative(outcome, model)
        undecided = len(proven)
    else:
        found = find_alternatives(outcome, model)
        proven, solves, undecided = found.proven, solves + found.solves, found.undecided
    confidence, ambiguous = cells_to_confidence(proven, solution.objective, n_rows, n_cols)
    alignments = rows_to_alignments([row.tokens for row in evidence.rows], states, model)
    return Recovery(states=states, confidence=confidence, ambiguous=ambiguous, alignments=alignments, rule=outcome.rule,
                    violated=violated, cost=int(sum(a.cost for a in alignments)), certified=outcome.certified,
                    solves=solves, undecided=undecided, limited=outcome.limited)

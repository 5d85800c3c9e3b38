"""The master problem: the printed totals as constraints over a pool of row readings, and the
MILPs (HiGHS, ``highs.solve_milp_arrays``) that choose one reading per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.sparse import coo_array, csr_array, eye_array, hstack, vstack

from extractors.matrix.highs import solve_milp_arrays
from extractors.matrix.model import EPS, EXISTING, INF, NEW, STATES, Candidate, DamageModel, MatrixEvidence, RowTotalRule

# --- the master problem -----------------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    """One printed total as a linear constraint: the cells it counts and its value."""

    kind: str  # row | existing | new | total
    index: int | None  # row (kind row) or column; None for a grand total
    value: int
    states: frozenset[int]


def evidence_to_totals(evidence: MatrixEvidence, rule: RowTotalRule) -> tuple[Total, ...]:
    counted = frozenset(s for s in STATES if rule.counts(s))
    out = [Total("row", r, row.total, counted) for r, row in enumerate(evidence.rows) if row.total is not None]
    t = evidence.totals
    kinds = (("existing", t.existing, t.grand_existing, frozenset({EXISTING})),
             ("new", t.new, t.grand_new, frozenset({NEW})),
             ("total", t.total, t.grand_total, frozenset({EXISTING, NEW})))
    for kind, per_column, grand, states in kinds:
        out += [Total(kind, c, v, states) for c, v in enumerate(per_column) if v is not None and c < evidence.n_columns]
        if grand is not None:
            out.append(Total(kind, None, grand, states))
    return tuple(out)


def independent_totals(totals: Sequence[Total]) -> tuple[Total, ...]:
    """The totals without those the others imply: a member's total when its ● and ○ counts are
    printed and add up to it, a grand total when every member's count of that kind is printed
    and they add up to it. Implied equalities add nothing to the problem but degeneracy, which
    slows every LP; they still hold in the result, being implied."""
    by_key = {(t.kind, t.index): t for t in totals}
    n_columns = 1 + max((t.index for t in totals if t.kind != "row" and t.index is not None), default=-1)
    implied: set[tuple[str, int | None]] = set()
    for c in range(n_columns):
        parts = by_key.get(("existing", c)), by_key.get(("new", c)), by_key.get(("total", c))
        if all(parts) and parts[0].value + parts[1].value == parts[2].value:  # type: ignore[union-attr]
            implied.add(("total", c))
    for kind in ("existing", "new", "total"):
        grand = by_key.get((kind, None))
        per_column = [by_key.get((kind, c)) for c in range(n_columns)]
        if grand is not None and n_columns and all(per_column) and sum(t.value for t in per_column) == grand.value:  # type: ignore[union-attr]
            implied.add((kind, None))
    return tuple(t for t in totals if (t.kind, t.index) not in implied)


@dataclass
class Pool:
    """Candidate readings per row (dict keeps each state vector once), flattened on demand."""

    n_rows: int
    n_columns: int
    rows: list[dict[tuple[int, ...], Candidate]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rows = [{} for _ in range(self.n_rows)]

    def add(self, r: int, candidates: Sequence[Candidate]) -> int:
        before = len(self.rows[r])
        for cand in candidates:
            self.rows[r].setdefault(cand.states, cand)
        return len(self.rows[r]) - before

    def flat(self) -> Flat:
        pairs = [(r, c) for r, row in enumerate(self.rows) for c in row.values()]
        return Flat(
            owner=np.array([r for r, _ in pairs], dtype=int),
            states=np.array([c.states for _, c in pairs], dtype=int).reshape(len(pairs), self.n_columns),
            cost=np.array([c.cost for _, c in pairs], dtype=float),
            n_rows=self.n_rows,
        )


@dataclass(frozen=True)
class Flat:
    owner: np.ndarray  # row of each candidate, ascending (candidates are grouped by row)
    states: np.ndarray  # (candidates, columns)
    cost: np.ndarray
    n_rows: int


    def subset(self, keep: np.ndarray) -> Flat:
        return Flat(self.owner[keep], self.states[keep], self.cost[keep], self.n_rows)

    def positions(self, states: np.ndarray) -> np.ndarray:
        """The index of each row's reading ``states[r]`` (rows, columns), which the pool holds."""
        index = {(r, vector.tobytes()): k for k, (r, vector) in enumerate(zip(self.owner.tolist(), self.states, strict=True))}
        return np.array([index[(r, vector.astype(self.states.dtype).tobytes())] for r, vector in enumerate(states)], dtype=int)


def total_weights(flat: Flat, total: Total) -> np.ndarray:
    """How many of each candidate's cells the total counts."""
    hits = np.isin(flat.states, list(total.states))
    if total.kind == "row":
        return np.where(flat.owner == total.index, hits.sum(axis=1), 0).astype(float)
    if total.index is None:
        return hits.sum(axis=1).astype(float)
    return hits[:, total.index].astype(float)


def flat_to_matrix(flat: Flat, totals: Sequence[Total]) -> tuple[csr_array, np.ndarray]:
    """Row-choice constraints (one candidate per row) then one row per total; equality rhs."""
    k = len(flat.cost)
    rows, cols, vals = [flat.owner], [np.arange(k)], [np.ones(k)]
    masks = {states: np.isin(flat.states, list(states)) for states in {t.states for t in totals}}
    starts = np.searchsorted(flat.owner, np.arange(flat.n_rows + 1))  # candidates are grouped by row
    for t, total in enumerate(totals):
        hits = masks[total.states]
        if total.kind == "row":
            members = np.arange(starts[total.index], starts[total.index + 1])
            weight = hits[members].sum(axis=1)
        elif total.index is None:
            members = np.arange(k)
            weight = hits.sum(axis=1)
        else:
            members = np.flatnonzero(hits[:, total.index])
            weight = np.ones(len(members))
        rows.append(np.full(len(members), flat.n_rows + t))
        cols.append(members)
        vals.append(weight.astype(float))
    a = coo_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                  shape=(flat.n_rows + len(totals), k)).tocsr()
    rhs = np.concatenate([np.ones(flat.n_rows), [float(t.value) for t in totals]])
    return a, rhs


def _hstack(*blocks: csr_array) -> csr_array:
    return csr_array(hstack(list(blocks)).tocsr())


def identity(m: int) -> csr_array:
    return csr_array(eye_array(m))


class SearchLimit:
    """A MILP that stopped on its limit (``time_limit``) before it found a solution or proved none."""


SEARCH_LIMIT = SearchLimit()


@dataclass(frozen=True)
class Solution:
    chosen: np.ndarray  # candidate index per row
    objective: float
    violated: tuple[int, ...]  # indexes into the totals (soft solves only)
    optimal: bool


def solve_milp(flat: Flat, totals: Sequence[Total], model: DamageModel,
               ties: np.ndarray | None = None) -> Solution | None | SearchLimit:
    """One candidate per row; every total holds. None when no pooled reading meets them all,
    ``SEARCH_LIMIT`` when the solver stopped on its limit before finding or excluding one.

    ``ties`` (small non-negative integers per candidate) break ties between readings of equal
    damage: scaled so that their sum over all rows stays below one damage unit, they choose
    among the optima only, the same way whatever else the document holds."""
    a, rhs = flat_to_matrix(flat, totals)
    cost = flat.cost if ties is None else flat.cost + ties / (float(ties.max(initial=0.0)) * flat.n_rows + 1.0)
    k = len(flat.cost)
    res = solve_milp_arrays(cost, a, rhs, rhs, np.ones(k), np.ones(k), highs_options(model))
    if res.x is None:
        return SEARCH_LIMIT if res.stopped else None
    chosen = chosen_readings(flat, res.x)
    return Solution(chosen, float(flat.cost[chosen].sum()), (), res.optimal)


def tokens_to_ties(flat: Flat, codes: Sequence[tuple[int, ...]]) -> np.ndarray:
    """Per candidate, the cells whose state differs from the mark printed at the same position:
    between equally damaged readings, the one closest to the page as printed wins."""
    printed = np.zeros((flat.n_rows, flat.states.shape[1]), dtype=int)  # token codes equal state codes
    for r, row in enumerate(codes):
        width = min(len(row), printed.shape[1])
        printed[r, :width] = row[:width]
    return (flat.states != printed[flat.owner]).sum(axis=1).astype(float)


def canonical_optimum(flat: Flat, solution: Solution, totals: Sequence[Total], ties: np.ndarray) -> Solution:
    """The solution after every exchange of one or two rows' readings that keeps its damage and
    reads the matrix closer to print: fewer cells off their printed mark, then (among exact ties,
    which the MILP leaves to the solver) the earliest row that differs as printed. So the same
    tie is broken the same way whatever pool or solver path found the optimum."""
    a, _ = flat_to_matrix(flat, totals)
    while True:
        best, best_key = None, _tie_key(flat, solution.chosen, ties)
        for changes, _value in local_alternatives(flat, solution, a, solution.objective, every_partner=True):
            chosen = solution.chosen.copy()
            for r, k in changes.items():
                chosen[r] = k
            key = _tie_key(flat, chosen, ties)
            if key < best_key:
                best, best_key = chosen, key
        if best is None:
            return solution
        solution = replace(solution, chosen=best, objective=float(flat.cost[best].sum()))


def _tie_key(flat: Flat, chosen: np.ndarray, ties: np.ndarray) -> tuple[float, tuple[float, ...]]:
    return float(ties[chosen].sum()), tuple(ties[chosen].tolist())


def solve_milp_deviation(flat: Flat, totals: Sequence[Total], model: DamageModel, penalty: float) -> Solution:
    """One candidate per row, each unit a total is off by costing ``penalty`` (L1). Always
    feasible, and its LP relaxation is tight, so it solves fast: the soft solve's incumbent."""
    a, rhs = flat_to_matrix(flat, totals)
    k, m = len(flat.cost), len(totals)
    # columns: y (k), then per total s+ (m), s- (m); rows: a y - s+ + s- = rhs
    slack = vstack([csr_array((flat.n_rows, 2 * m)), _hstack(-identity(m), identity(m))])
    full = _hstack(a, slack)
    c = np.concatenate([flat.cost, np.full(2 * m, penalty)])
    integrality = np.concatenate([np.ones(k), np.zeros(2 * m)])
    upper = np.concatenate([np.ones(k), np.full(2 * m, INF)])
    res = solve_milp_arrays(c, full, rhs, rhs, upper, integrality, highs_options(model))
    assert res.x is not None  # feasible by construction: any reading, any slack
    chosen = chosen_readings(flat, res.x)
    return Solution(chosen, float(flat.cost[chosen].sum()), violated_totals(a, rhs, flat.n_rows, chosen), res.optimal)


def solve_milp_fewest(flat: Flat, totals: Sequence[Total], model: DamageModel, penalty: float,
                      at_most: int) -> Solution | None:
    """Fewest violated totals (each costs ``penalty``), then least damage, with at most
    ``at_most`` violated; within ``model.soft_nodes`` branch-and-bound nodes. None when no better
    one is found."""
    a, rhs = flat_to_matrix(flat, totals)
    k, m = len(flat.cost), len(totals)
    # columns: y (k), then per total s+ (m), s- (m), v (m); rows: equalities, s+ + s- <= U v, sum v
    big = np.array([_reach(flat, t) for t in totals])
    slack = vstack([csr_array((flat.n_rows, 3 * m)), _hstack(-identity(m), identity(m), csr_array((m, m)))])
    link = _hstack(csr_array((m, k)), identity(m), identity(m), csr_array(-np.diag(big)))
    count = _hstack(csr_array((1, k + 2 * m)), csr_array(np.ones((1, m))))
    full = vstack([_hstack(a, slack), link, count]).tocsr()
    c = np.concatenate([flat.cost, np.zeros(2 * m), np.full(m, penalty)])
    integrality = np.concatenate([np.ones(k), np.zeros(2 * m), np.ones(m)])
    upper = np.concatenate([np.ones(k), big, big, np.ones(m)])
    lo = np.concatenate([rhs, np.full(m + 1, -INF)])
    hi = np.concatenate([rhs, np.zeros(m), [float(at_most)]])
    res = solve_milp_arrays(c, full, lo, hi, upper, integrality, {**highs_options(model), "mip_max_nodes": model.soft_nodes})
    if res.x is None:
        return None
    chosen = chosen_readings(flat, res.x)
    return Solution(chosen, float(flat.cost[chosen].sum()), violated_totals(a, rhs, flat.n_rows, chosen), res.optimal)


def violated_totals(a: csr_array, rhs: np.ndarray, n_rows: int, chosen: np.ndarray) -> tuple[int, ...]:
    """Indexes of the totals (rows of ``flat_to_matrix`` after the choice rows) the chosen
    readings do not meet."""
    x = np.zeros(a.shape[1])
    x[chosen] = 1.0
    off = np.abs(a @ x - rhs)[n_rows:]
    return tuple(int(t) for t in np.flatnonzero(off > 0.5))


def _reach(flat: Flat, total: Total) -> float:
    """Largest possible deviation of a total, bounding its slack."""
    rows = 1 if total.kind == "row" else flat.n_rows
    return float(max(total_weights(flat, total).max(initial=0.0) * rows, total.value) + 1.0)


def highs_options(model: DamageModel) -> dict[str, float | int]:
    return {"time_limit": model.time_limit, "mip_rel_gap": 0.0}


def chosen_readings(flat: Flat, x: np.ndarray) -> np.ndarray:
    y = x[: len(flat.cost)]
    chosen = np.zeros(flat.n_rows, dtype=int)
    for r in range(flat.n_rows):
        members = np.flatnonzero(flat.owner == r)
        chosen[r] = members[int(np.argmax(y[members]))]
    return chosen


def meets_row_totals(flat: Flat, totals: Sequence[Total]) -> np.ndarray:
    """Per reading, whether it meets its row's printed total (the column-generation readings
    need not; no solution takes one that does not)."""
    ok = np.ones(len(flat.cost), dtype=bool)
    for states in {t.states for t in totals if t.kind == "row"}:  # one state set per row-total rule
        target = np.full(flat.n_rows, -1)
        for total in totals:
            if total.kind == "row" and total.states == states:
                target[total.index] = total.value
        mine = target[flat.owner]
        ok &= (mine < 0) | (np.isin(flat.states, list(states)).sum(axis=1) == mine)
    return ok


def local_alternatives(flat: Flat, solution: Solution, a: csr_array, cap: float,
                       every_partner: bool = False) -> list[tuple[dict[int, int], float]]:
    """Readings of one row, or of two rows, that change no total and fit under ``cap``:
    (row -> candidate, cost of the solution). A row's reading is paired with the cheapest
    reading of another row that cancels its change, or with each of them (``every_partner``)."""
    base = solution.objective
    chosen_of = solution.chosen[flat.owner]
    totals = a[[*range(flat.n_rows, a.shape[0])]] if a.shape[0] > flat.n_rows else csr_array((0, len(flat.cost)))
    delta = (totals - totals[:, chosen_of]).tocsc()
    extra = flat.cost - flat.cost[chosen_of]
    keys: dict[tuple, list[tuple[float, int]]] = {}
    other = np.arange(len(flat.cost)) != chosen_of
    relief = min(0.0, float(extra[other].min(initial=0.0)))  # a partner may make the solution cheaper
    options = np.flatnonzero(other & (base + extra + relief <= cap + EPS)).tolist()
    delta.sort_indices()
    values = np.round(delta.data, 6)
    nonzero = values != 0
    indices, values = delta.indices[nonzero].astype(np.int64), values[nonzero]
    column = np.repeat(np.arange(delta.shape[1]), np.diff(delta.indptr))[nonzero]
    starts = np.searchsorted(column, np.arange(delta.shape[1] + 1)).tolist()
    changes: dict[bytes, int] = {}  # a change to the totals (its indices, then its values, as bytes) -> a reading making it
    extras, owner = extra.tolist(), flat.owner.tolist()
    for k in options:
        key = indices[starts[k]:starts[k + 1]].tobytes() + values[starts[k]:starts[k + 1]].tobytes()
        keys.setdefault(key, []).append((extras[k], k))
        changes.setdefault(key, k)
    out: list[tuple[dict[int, int], float]] = []
    for key, entries in keys.items():
        entries.sort()
        if not key:
            out += [({owner[k]: k}, base + cost) for cost, k in entries if base + cost <= cap + EPS]
            continue
        k0 = changes[key]
        opposite = sorted(keys.get(indices[starts[k0]:starts[k0 + 1]].tobytes() + (-values[starts[k0]:starts[k0 + 1]]).tobytes(), []))
        for cost, k in entries:
            partners = [(c, k2) for c, k2 in opposite if owner[k2] != owner[k] and base + cost + c <= cap + EPS]
            for c, k2 in partners if every_partner else partners[:1]:
                out.append(({owner[k]: k, owner[k2]: k2}, base + cost + c))
    return out

"""Recover a participation matrix (● / ○ / blank per project × member) from damaged marks, with
every printed total as a constraint, as one exact integer program (``scipy.optimize.milp``, HiGHS).

Pure: no I/O, no document model. The extractor hands in, per project row, the mark tokens the
text showed between the project name and the printed row total (``"●"``, ``"○"`` or ``""`` for an
empty cell, in order, empty cells kept), the row total, and the summary rows' totals.

Damage model
------------
Extraction turns the true row (one state per member: none / existing / new) into the observed
token run by a few kinds of damage; each has a cost in *damage units*, roughly ``-log`` of how
often it happens (``DamageModel``). A reading of a row is an alignment of its tokens to the
columns, i.e. an edit script, and costs the sum of its edits:

- a token that is no column at all: a spurious extra mark (``extra_mark``; cheaper after the last
  column, ``extra_mark_tail``, where extraction appends them) or an inserted empty cell
  (``extra_blank``, ``extra_blank_tail``);
- a column with no token: an empty cell that vanished (``dropped_blank``) or, rarely, a mark that
  vanished (``dropped_mark``). A shift of the run by k cells is k drops plus k insertions;
- a token on a column that disagrees with its state: a mark read as blank (``mark_lost``), a
  blank read as a mark (``mark_invented``), ● read as ○ or back (``kind_swap``: the kind of mark
  is reliable, so this is dear).

A row's state vector costs its edit distance to the tokens under these costs. The recovered
matrix minimises the total cost subject to every printed total (row totals, per-member ● / ○ /
total counts, grand totals).

Exact solution
--------------
The master problem picks one candidate state vector per row (binary ``y``) so that every total
holds. Candidates come from the rows' edit-distance DP, never from a fixed list:

1. Column generation on the LP relaxation (``matrix_duals``: one warm-started HiGHS LP, one
   vectorised DP over all rows per round): its duals ``pi`` price each (column, state) cell and
   each counted cell of a row; the cheapest row reading under those prices (``m_r``) joins the
   pool until the LP value meets the Lagrangian bound.
2. For any ``pi``, ``L = sum_r m_r + pi . totals`` is a lower bound on every reading meeting the
   totals (Lagrangian bound), and a reading of row r can take part in a solution costing at
   most ``G + margin`` only if its priced cost is within ``G + margin - L`` of ``m_r``. Every such
   reading is enumerated (depth-first over columns, carrying the DP column and pruning with the
   exact completion costs that also end on the row's printed total, ``rows_to_counted_bounds``),
   with ``G`` the cost of a feasible integer solution.
3. The MILP over that pool is then the global optimum within the damage model (``certified``).

Among readings of equal damage the MILP takes the one closest to the marks as printed, position
by position (``tokens_to_ties``), so the same evidence gives the same reading in any document.

When the LP is infeasible even with every reading (the totals contradict each other), only the
row-total rules whose grand total is nearest the printed row totals are tried, over a bounded
window of readings per row (so this case is not certified): first the reading with the least
total deviation (an L1 MILP, tight and fast), then, within ``soft_nodes``, a MILP with a
binary violation indicator per total looks for one with fewer violated totals. The reading with
the fewest violated totals wins, then the cheapest.

Ambiguity and confidence
------------------------
A cell is ambiguous when another reading that meets every total and costs at most ``G* + margin``
reads it differently (``margin`` = 2 damage units: on the generated corpus the true reading is at
most that much dearer than the optimum where they differ). The candidates of step 2 with
``G = G*`` hold every such reading. Each (cell, other state) pair they realise is proved by a
solution (local one- and two-row exchanges first, then a MILP with the reading forced) or ruled
out (reduced costs of the pool's LP, then a warm-started HiGHS LP per row and per pair). A pair
that no solve decides within ``ambiguity_nodes`` / ``ambiguity_solves`` counts as ambiguous
(``Recovery.undecided``): the search may over-flag, never under-flag.
``confidence`` of a cell is a softmax over its readings, with the cost of the best solution found
for each: ``1 / sum_s exp(-(G_s - G*))`` (1.0 when every such solution agrees, 1/k for k readings
tied at the optimum).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import highspy
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array, eye_array, hstack, vstack

from .matrix_duals import duals_to_prices, pad_costs, quiet_highs, search_duals

NONE, EXISTING, NEW = 0, 1, 2
STATES = (NONE, EXISTING, NEW)
STATE_NAMES = ("none", "existing", "new")
BLANK, FILLED, HOLLOW = 0, 1, 2  # token codes: empty cell, ●, ○
TOKEN_CODES = {"": BLANK, "●": FILLED, "○": HOLLOW}
INF = math.inf
_EPS = 1e-6


class RowTotalRule(StrEnum):
    """What a project's printed total counts; decided per document from its totals."""

    PARTICIPATING = "existing+new"  # ● and ○
    EXISTING = "existing"  # ● only

    def counts(self, state: int) -> bool:
        return state == EXISTING if self is RowTotalRule.EXISTING else state != NONE


@dataclass(frozen=True)
class DamageModel:
    """Costs of each kind of damage (damage units, ~ -log frequency) and the search limits.

    The limits are counts (rounds, solves, branch-and-bound nodes), not seconds, so the same
    evidence gets the same answer on any machine, under any load and with any number of jobs."""

    kind_swap: int = 4
    mark_lost: int = 3
    mark_invented: int = 3
    extra_mark: int = 2
    extra_mark_tail: int = 1
    extra_blank: int = 1
    extra_blank_tail: int = 1
    dropped_blank: int = 2
    dropped_mark: int = 4
    margin: int = 2  # alternatives within this many units of the optimum count as ambiguous
    max_window: int = 24  # widest priced-cost window searched for a feasible reading
    soft_window: int = 3  # window of readings per row when the totals contradict each other
    soft_candidates: int = 150  # at most this many readings per row and window in that case
    max_candidates: int = 3000  # per row and window; beyond it the result is not certified
    max_rounds: int = 60  # column-generation rounds
    time_limit: float = 60.0  # seconds per MILP solve: a safety net only (the result is then not certified)
    ambiguity_nodes: int = 100  # branch-and-bound nodes per forced solve; undecided cells count as ambiguous
    ambiguity_solves: int = 40  # LP and MILP solves for the whole search for other readings of one matrix
    soft_nodes: int = 2000  # branch-and-bound nodes the fewest-violations MILP may use to beat the L1 reading

    def __post_init__(self) -> None:
        costs = (self.kind_swap, self.mark_lost, self.mark_invented, self.extra_mark,
                 self.extra_mark_tail, self.extra_blank, self.extra_blank_tail,
                 self.dropped_blank, self.dropped_mark)
        if any(not isinstance(c, int) or c <= 0 for c in costs):
            raise ValueError("damage costs must be positive integers")
        limits = (self.max_window >= 1, self.soft_window >= 0, self.max_candidates >= 1, self.soft_candidates >= 1,
                  self.soft_nodes >= 1, self.ambiguity_nodes >= 1, self.ambiguity_solves >= 0, self.time_limit > 0)
        if self.margin < 0 or not all(limits):
            raise ValueError("need margin >= 0, max_window >= 1, soft_window >= 0, max_candidates >= 1, soft_candidates >= 1, "
                             "soft_nodes >= 1, ambiguity_nodes >= 1, ambiguity_solves >= 0, time_limit > 0")

    def match_cost(self, token: int, state: int) -> int:
        if token == BLANK:
            return 0 if state == NONE else self.mark_lost
        if state == NONE:
            return self.mark_invented
        return 0 if token == state else self.kind_swap

    def drop_cost(self, state: int) -> int:
        return self.dropped_blank if state == NONE else self.dropped_mark

    def insert_cost(self, token: int, tail: bool) -> int:
        if token == BLANK:
            return self.extra_blank_tail if tail else self.extra_blank
        return self.extra_mark_tail if tail else self.extra_mark


@dataclass(frozen=True)
class RowEvidence:
    """One project row as extracted: mark tokens in order (``""`` = empty cell) and its total."""

    tokens: tuple[str, ...]
    total: int | None = None


@dataclass(frozen=True)
class Totals:
    """The summary rows: per member ● count, ○ count and total; and their grand totals."""

    existing: tuple[int | None, ...] = ()
    new: tuple[int | None, ...] = ()
    total: tuple[int | None, ...] = ()
    grand_existing: int | None = None
    grand_new: int | None = None
    grand_total: int | None = None


@dataclass(frozen=True)
class MatrixEvidence:
    rows: tuple[RowEvidence, ...]
    n_columns: int
    totals: Totals = field(default_factory=Totals)


@dataclass(frozen=True)
class Candidate:
    """One reading of a row: its states and damage cost."""

    states: tuple[int, ...]
    cost: int


@dataclass(frozen=True)
class TotalCheck:
    """One printed total: ``kind`` is ``row``, ``existing``, ``new`` or ``total``; ``index`` the
    row or column (None for a grand total); the printed value and the recovered one."""

    kind: str
    index: int | None
    printed: int
    recovered: int


@dataclass(frozen=True)
class RowAlignment:
    """How the chosen states explain a row's tokens."""

    observed: tuple[str, ...]  # token aligned to each column ("" when blank or none)
    extra_marks: int = 0
    extra_blanks: int = 0
    dropped_blanks: int = 0
    dropped_marks: int = 0
    changed: tuple[int, ...] = ()  # columns whose aligned token disagrees with the state
    cost: int = 0


@dataclass(frozen=True)
class Recovery:
    """The recovered matrix with its evidence: states, confidence, ambiguity, alignments."""

    states: tuple[tuple[int, ...], ...]
    confidence: tuple[tuple[float, ...], ...]
    ambiguous: tuple[tuple[bool, ...], ...]
    alignments: tuple[RowAlignment, ...]
    rule: RowTotalRule
    violated: tuple[TotalCheck, ...]
    cost: int
    certified: bool  # the optimum is proven global within the damage model
    solves: int  # LP and MILP solves used
    undecided: int = 0  # cells flagged ambiguous because no solve could rule another reading out in time


# --- costs and per-row bounds -----------------------------------------------------------------


@dataclass(frozen=True)
class _CostTables:
    match: np.ndarray  # [token, state]
    drop: np.ndarray  # [state]
    insert: np.ndarray  # [token] inside the run or before it
    insert_tail: np.ndarray  # [token] after the last column


def model_to_tables(model: DamageModel) -> _CostTables:
    return _CostTables(
        match=np.array([[model.match_cost(t, s) for s in STATES] for t in (BLANK, FILLED, HOLLOW)], dtype=float),
        drop=np.array([model.drop_cost(s) for s in STATES], dtype=float),
        insert=np.array([model.insert_cost(t, False) for t in (BLANK, FILLED, HOLLOW)], dtype=float),
        insert_tail=np.array([model.insert_cost(t, True) for t in (BLANK, FILLED, HOLLOW)], dtype=float),
    )


def tokens_to_codes(tokens: Sequence[str]) -> tuple[int, ...]:
    return tuple(TOKEN_CODES[t] for t in tokens)


@dataclass(frozen=True)
class RowBounds:
    """Exact completion costs of one row under per-cell prices: ``after[j, i]`` is the cheapest
    way to align tokens ``i:`` with columns ``j:`` once the insertions before column j are paid;
    ``before[j, i]`` also allows them. ``before[0, 0]`` is the row's cheapest priced reading."""

    after: np.ndarray
    before: np.ndarray


def _insert_closure(h: np.ndarray, ins: np.ndarray) -> np.ndarray:
    """g[., i, ...] = min over k >= i of (cost of inserting tokens i..k-1) + h[., k, ...]: over
    the token axis (axis 1) of h, (rows, tokens + 1) or with more axes after it."""
    prefix = np.concatenate([np.zeros((ins.shape[0], 1)), np.cumsum(ins, axis=1)], axis=1)
    prefix = prefix.reshape(prefix.shape + (1,) * (h.ndim - 2))
    return np.flip(np.minimum.accumulate(np.flip(prefix + h, axis=1), axis=1), axis=1) - prefix


def _rows_by_length(codes: Sequence[tuple[int, ...]], rows: Sequence[int]) -> dict[int, list[int]]:
    by_length: dict[int, list[int]] = {}
    for r in rows:
        by_length.setdefault(len(codes[r]), []).append(r)
    return by_length


def _unshift(values: np.ndarray, by: int) -> np.ndarray:
    """values[..., k + by] at k (INF past the end): the completion once ``by`` more are counted."""
    if not by:
        return values
    out = np.full_like(values, INF)
    out[..., :-by] = values[..., by:]
    return out


def _backward_dp(tokens: np.ndarray, prices: np.ndarray, costs: _CostTables, goal: np.ndarray,
                 counts: Sequence[int], depth: int) -> tuple[np.ndarray, np.ndarray]:
    """(after, before), each (rows, C+1, tokens+1, depth): the completion costs of rows of one
    length when k cells counted by the row total are read so far, ending on ``goal`` counted
    cells. With nothing counted (``counts`` all 0, depth 1, goal 0) these are the plain bounds."""
    g, n = tokens.shape
    n_cols = prices.shape[1]
    match = costs.match[tokens]  # (g, n, state)
    ins, ins_tail = costs.insert[tokens], costs.insert_tail[tokens]
    after = np.full((g, n_cols + 1, n + 1, depth), INF)
    before = np.full_like(after, INF)
    after[np.arange(g), n_cols, n, goal] = 0.0
    before[:, n_cols] = _insert_closure(after[:, n_cols], ins_tail)
    for j in range(n_cols - 1, -1, -1):
        step = np.full((g, n + 1, depth), INF)
        for s in STATES:
            price = prices[:, j, s][:, None, None]
            ahead = _unshift(before[:, j + 1], counts[s])
            step = np.minimum(step, ahead + costs.drop[s] + price)
            if n:
                step[:, :n] = np.minimum(step[:, :n], ahead[:, 1:] + match[:, :, s][:, :, None] + price)
        after[:, j] = step
        before[:, j] = _insert_closure(step, ins)
    return after, before


def rows_to_bounds(codes: Sequence[tuple[int, ...]], prices: np.ndarray, costs: _CostTables) -> list[RowBounds]:
    """``RowBounds`` of every row, ``prices[r, c, s]`` added to the cost of state s at column c
    of row r; rows with the same number of tokens go through the DP together."""
    out: list[RowBounds | None] = [None] * len(codes)
    for n, rows in _rows_by_length(codes, range(len(codes))).items():
        tokens = np.array([codes[r] for r in rows], dtype=int).reshape(len(rows), n)
        after, before = _backward_dp(tokens, prices[rows], costs, np.zeros(len(rows), dtype=int), (0, 0, 0), 1)
        for k, r in enumerate(rows):
            out[r] = RowBounds(after[k, ..., 0], before[k, ..., 0])
    return [b for b in out if b is not None]


@dataclass(frozen=True)
class CountedBounds:
    """``RowBounds`` with the row total kept: ``before[j][k][i]`` is the cheapest way to align
    tokens ``i:`` with columns ``j:`` when k counted cells are already read, ending on the row's
    printed total exactly (``after`` likewise, without the insertions at gap j first)."""

    after: list[list[list[float]]]
    before: list[list[list[float]]]


def rows_to_counted_bounds(codes: Sequence[tuple[int, ...]], prices: np.ndarray, costs: _CostTables,
                           targets: Sequence[int | None], counts: Sequence[int]) -> list[CountedBounds | None]:
    """``CountedBounds`` of every row with a printed total (None for the others); ``counts[s]``
    is 1 when the row total counts state s. Rows of one length go through the DP together."""
    n_cols = prices.shape[1]
    out: list[CountedBounds | None] = [None] * len(codes)
    with_total = [r for r, t in enumerate(targets) if t is not None and 0 <= t <= n_cols]
    for n, rows in _rows_by_length(codes, with_total).items():
        tokens = np.array([codes[r] for r in rows], dtype=int).reshape(len(rows), n)
        goal = np.array([targets[r] for r in rows], dtype=int)
        after, before = _backward_dp(tokens, prices[rows], costs, goal, counts, int(goal.max()) + 1)
        after_t, before_t = after.transpose(0, 1, 3, 2), before.transpose(0, 1, 3, 2)  # [j][k][i]
        for k, r in enumerate(rows):
            out[r] = CountedBounds(after_t[k].tolist(), before_t[k].tolist())
    return out


# --- per-row enumeration ----------------------------------------------------------------------


@dataclass
class _Search:
    """State of one row's depth-first enumeration (local to ``row_to_candidates``)."""

    codes: tuple[int, ...]
    model: DamageModel
    rule: RowTotalRule
    price: list[list[float]]  # [column][state]
    after: list[list[float]]
    before: list[list[float]]
    target: int | None
    budget: float
    found: list[Candidate]
    limit: int
    counted: CountedBounds | None = None  # exact completions that also meet ``target``

    @property
    def cols(self) -> int:
        return len(self.price)


def row_to_candidates(
    codes: tuple[int, ...],
    target: int | None,
    rule: RowTotalRule,
    model: DamageModel,
    price: np.ndarray,
    bounds: RowBounds,
    budget: float,
    limit: int,
    counted: CountedBounds | None = None,
) -> list[Candidate]:
    """Every state vector of the row whose priced cost is at most ``budget`` and whose counted
    cells number ``target`` (any number when None); at most ``limit`` of them. With ``counted``
    (the row's counted DP for ``target``) a prefix is dropped as soon as no completion of it
    meets the target within the budget, not only when none is cheap enough."""
    n_cols = price.shape[0]
    if target is not None and not 0 <= target <= n_cols:
        return []
    search = _Search(codes, model, rule, price.tolist(), bounds.after.tolist(), bounds.before.tolist(),
                     target, budget + _EPS, [], limit, counted if target is not None else None)
    start = _close_inserts(search, {0: 0.0}, 0, target)
    if start:
        _descend(search, 0, start, 0, [])
    return search.found


def _feasible(search: _Search, j: int, remaining: int | None) -> bool:
    return remaining is None or 0 <= remaining <= search.cols - j


def _close_inserts(search: _Search, dp: dict[int, float], j: int, remaining: int | None) -> dict[int, float]:
    """Add insertions at gap j (before column j; after the last column when j == cols) and keep
    the DP entries that can still finish within the budget."""
    if not _feasible(search, j, remaining):
        return {}
    tail = j == search.cols
    n = len(search.codes)
    if search.counted is not None and remaining is not None and search.target is not None:
        k = search.target - remaining
        after, before = search.counted.after[j][k], search.counted.before[j][k]
    else:
        after, before = search.after[j], search.before[j]
    out: dict[int, float] = {}
    carried = INF
    last = max(dp)
    i = min(dp)
    while i <= n and (i <= last or carried < INF):
        cost = min(dp.get(i, INF), carried)
        if cost + before[i] > search.budget:
            carried = INF
        else:
            if cost + after[i] <= search.budget:
                out[i] = cost
            carried = cost + search.model.insert_cost(search.codes[i], tail) if i < n else INF
        i += 1
    return out


def _descend(search: _Search, j: int, dp: dict[int, float], counted: int, prefix: list[int]) -> None:
    if len(search.found) >= search.limit:
        return
    n = len(search.codes)
    if j == search.cols:
        if n in dp and (search.target is None or counted == search.target):
            priced = sum(search.price[c][s] for c, s in enumerate(prefix))
            search.found.append(Candidate(tuple(prefix), int(round(dp[n] - priced))))
        return
    for state in STATES:
        now = counted + search.rule.counts(state)
        remaining = None if search.target is None else search.target - now
        price = search.price[j][state]
        drop = search.model.drop_cost(state) + price
        step: dict[int, float] = {}
        for i, cost in dp.items():
            if cost + drop < step.get(i, INF):
                step[i] = cost + drop
            if i < n:
                match = cost + search.model.match_cost(search.codes[i], state) + price
                if match < step.get(i + 1, INF):
                    step[i + 1] = match
        step = _close_inserts(search, step, j + 1, remaining) if step else {}
        if step:
            prefix.append(state)
            _descend(search, j + 1, step, now, prefix)
            prefix.pop()


def align_row(tokens: Sequence[str], states: Sequence[int], model: DamageModel) -> RowAlignment:
    """The cheapest edit script from ``states`` to ``tokens`` (the reading the cost refers to),
    with the token each column got and a count of each kind of repair."""
    codes, cols, n = tokens_to_codes(tokens), len(states), len(tokens)
    cost = np.full((cols + 1, n + 1), INF)
    cost[0, 0] = 0.0
    move: dict[tuple[int, int], tuple[str, int, int]] = {}
    for j in range(cols + 1):
        for i in range(n + 1):
            options = []
            if j and i:
                options.append((cost[j - 1, i - 1] + model.match_cost(codes[i - 1], states[j - 1]), ("match", j - 1, i - 1)))
            if j:
                options.append((cost[j - 1, i] + model.drop_cost(states[j - 1]), ("drop", j - 1, i)))
            if i:
                options.append((cost[j, i - 1] + model.insert_cost(codes[i - 1], j == cols), ("insert", j, i - 1)))
            if options:
                value, how = min(options, key=lambda o: o[0])
                if value < cost[j, i]:
                    cost[j, i], move[(j, i)] = value, how
    observed = [""] * cols
    counts = {"extra_marks": 0, "extra_blanks": 0, "dropped_blanks": 0, "dropped_marks": 0}
    changed: list[int] = []
    j, i = cols, n
    while (j, i) != (0, 0):
        kind, pj, pi = move[(j, i)]
        if kind == "match":
            observed[pj] = tokens[pi]
            if model.match_cost(codes[pi], states[pj]):
                changed.append(pj)
        elif kind == "drop":
            counts["dropped_blanks" if states[pj] == NONE else "dropped_marks"] += 1
        else:
            counts["extra_blanks" if codes[pi] == BLANK else "extra_marks"] += 1
        j, i = pj, pi
    return RowAlignment(tuple(observed), changed=tuple(sorted(changed)), cost=int(round(cost[cols, n])), **counts)


# --- the master problem -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Total:
    """One printed total as a linear constraint: the cells it counts and its value."""

    kind: str  # row | existing | new | total
    index: int | None  # row (kind row) or column; None for a grand total
    value: int
    states: frozenset[int]


def evidence_to_totals(evidence: MatrixEvidence, rule: RowTotalRule) -> tuple[_Total, ...]:
    counted = frozenset(s for s in STATES if rule.counts(s))
    out = [_Total("row", r, row.total, counted) for r, row in enumerate(evidence.rows) if row.total is not None]
    t = evidence.totals
    kinds = (("existing", t.existing, t.grand_existing, frozenset({EXISTING})),
             ("new", t.new, t.grand_new, frozenset({NEW})),
             ("total", t.total, t.grand_total, frozenset({EXISTING, NEW})))
    for kind, per_column, grand, states in kinds:
        out += [_Total(kind, c, v, states) for c, v in enumerate(per_column) if v is not None and c < evidence.n_columns]
        if grand is not None:
            out.append(_Total(kind, None, grand, states))
    return tuple(out)


@dataclass
class _Pool:
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

    def flat(self) -> _Flat:
        pairs = [(r, c) for r, row in enumerate(self.rows) for c in row.values()]
        return _Flat(
            owner=np.array([r for r, _ in pairs], dtype=int),
            states=np.array([c.states for _, c in pairs], dtype=int).reshape(len(pairs), self.n_columns),
            cost=np.array([c.cost for _, c in pairs], dtype=float),
            n_rows=self.n_rows,
        )


@dataclass(frozen=True)
class _Flat:
    owner: np.ndarray  # row of each candidate
    states: np.ndarray  # (candidates, columns)
    cost: np.ndarray
    n_rows: int


    def subset(self, keep: np.ndarray) -> _Flat:
        return _Flat(self.owner[keep], self.states[keep], self.cost[keep], self.n_rows)


def total_weights(flat: _Flat, total: _Total) -> np.ndarray:
    """How many of each candidate's cells the total counts."""
    hits = np.isin(flat.states, list(total.states))
    if total.kind == "row":
        return np.where(flat.owner == total.index, hits.sum(axis=1), 0).astype(float)
    if total.index is None:
        return hits.sum(axis=1).astype(float)
    return hits[:, total.index].astype(float)


def flat_to_matrix(flat: _Flat, totals: Sequence[_Total]) -> tuple[csr_array, np.ndarray]:
    """Row-choice constraints (one candidate per row) then one row per total; equality rhs."""
    k = len(flat.cost)
    rows, cols, vals = [flat.owner], [np.arange(k)], [np.ones(k)]
    masks: dict[frozenset[int], np.ndarray] = {}
    for t, total in enumerate(totals):
        hits = masks.setdefault(total.states, np.isin(flat.states, list(total.states)))
        if total.kind == "row":
            members = np.flatnonzero(flat.owner == total.index)
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


@dataclass(frozen=True)
class _Solution:
    chosen: np.ndarray  # candidate index per row
    objective: float
    violated: tuple[int, ...]  # indexes into the totals (soft solves only)
    optimal: bool


def solve_milp(flat: _Flat, totals: Sequence[_Total], model: DamageModel, ties: np.ndarray | None = None) -> _Solution | None:
    """One candidate per row; every total holds. None when no pooled reading meets them all.

    ``ties`` (small non-negative integers per candidate) break ties between readings of equal
    damage: scaled so that their sum over all rows stays below one damage unit, they choose
    among the optima only, the same way whatever else the document holds."""
    a, rhs = flat_to_matrix(flat, totals)
    cost = flat.cost if ties is None else flat.cost + ties / (float(ties.max(initial=0.0)) * flat.n_rows + 1.0)
    res = milp(cost, integrality=np.ones(len(flat.cost)), bounds=Bounds(0, 1),
               constraints=LinearConstraint(a, rhs, rhs), options=_options(model))
    if res.x is None:
        return None
    chosen = _chosen(flat, res.x)
    return _Solution(chosen, float(flat.cost[chosen].sum()), (), res.status == 0)


def tokens_to_ties(flat: _Flat, codes: Sequence[tuple[int, ...]]) -> np.ndarray:
    """Per candidate, the cells whose state differs from the mark printed at the same position:
    between equally damaged readings, the one closest to the page as printed wins."""
    printed = np.zeros((flat.n_rows, flat.states.shape[1]), dtype=int)  # token codes equal state codes
    for r, row in enumerate(codes):
        width = min(len(row), printed.shape[1])
        printed[r, :width] = row[:width]
    return (flat.states != printed[flat.owner]).sum(axis=1).astype(float)


def solve_milp_deviation(flat: _Flat, totals: Sequence[_Total], model: DamageModel, penalty: float) -> _Solution:
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
    res = milp(c, integrality=integrality, bounds=Bounds(np.zeros(len(c)), upper),
               constraints=LinearConstraint(full, rhs, rhs), options=_options(model))
    assert res.x is not None, res.message  # feasible by construction: any reading, any slack
    chosen = _chosen(flat, res.x)
    return _Solution(chosen, float(flat.cost[chosen].sum()), _violated(a, rhs, flat.n_rows, chosen), res.status == 0)


def solve_milp_fewest(flat: _Flat, totals: Sequence[_Total], model: DamageModel, penalty: float,
                      at_most: int) -> _Solution | None:
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
    options = {**_options(model), "node_limit": model.soft_nodes}
    res = milp(c, integrality=integrality, bounds=Bounds(np.zeros(len(c)), upper),
               constraints=LinearConstraint(full, lo, hi), options=options)
    if res.x is None:
        return None
    chosen = _chosen(flat, res.x)
    return _Solution(chosen, float(flat.cost[chosen].sum()), _violated(a, rhs, flat.n_rows, chosen), res.status == 0)


def _violated(a: csr_array, rhs: np.ndarray, n_rows: int, chosen: np.ndarray) -> tuple[int, ...]:
    """Indexes of the totals (rows of ``flat_to_matrix`` after the choice rows) the chosen
    readings do not meet."""
    x = np.zeros(a.shape[1])
    x[chosen] = 1.0
    off = np.abs(a @ x - rhs)[n_rows:]
    return tuple(int(t) for t in np.flatnonzero(off > 0.5))


def _reach(flat: _Flat, total: _Total) -> float:
    """Largest possible deviation of a total, bounding its slack."""
    rows = 1 if total.kind == "row" else flat.n_rows
    return float(max(total_weights(flat, total).max(initial=0.0) * rows, total.value) + 1.0)


def _options(model: DamageModel) -> dict:
    return {"disp": False, "time_limit": model.time_limit, "mip_rel_gap": 0.0}


def _chosen(flat: _Flat, x: np.ndarray) -> np.ndarray:
    y = x[: len(flat.cost)]
    chosen = np.zeros(flat.n_rows, dtype=int)
    for r in range(flat.n_rows):
        members = np.flatnonzero(flat.owner == r)
        chosen[r] = members[int(np.argmax(y[members]))]
    return chosen


# --- the recipe for one row-total rule --------------------------------------------------------

@dataclass
class _Pricing:
    """Prices from duals, each row's cheapest priced reading and the Lagrangian bound."""

    prices: np.ndarray
    bounds: list[RowBounds]
    row_min: np.ndarray
    bound: float
    counted: list[CountedBounds | None] | None = None  # per row, made on first use (``widen``)

    def priced(self, flat: _Flat) -> np.ndarray:
        """Each candidate's cost under these prices."""
        cols = np.arange(flat.states.shape[1])
        return flat.cost + self.prices[flat.owner[:, None], cols[None, :], flat.states].sum(axis=1)

    def window(self, flat: _Flat, width: float) -> np.ndarray:
        """Candidates within ``width`` of their row's cheapest priced reading."""
        return self.priced(flat) <= self.row_min[flat.owner] + width + _EPS


@dataclass
class _Solver:
    """Column generation, windows and the certified MILP for one rule (see the module doc)."""

    evidence: MatrixEvidence
    rule: RowTotalRule
    model: DamageModel
    totals: tuple[_Total, ...] = ()
    codes: list[tuple[int, ...]] = field(default_factory=list)
    pool: _Pool | None = None
    costs: _CostTables | None = None
    solves: int = 0
    complete: bool = True

    def __post_init__(self) -> None:
        self.totals = evidence_to_totals(self.evidence, self.rule)
        self.codes = [tokens_to_codes(r.tokens) for r in self.evidence.rows]
        self.pool = _Pool(len(self.codes), self.evidence.n_columns)
        self.costs = model_to_tables(self.model)

    def price(self, duals: np.ndarray) -> _Pricing:
        assert self.costs is not None
        prices = duals_to_prices(duals, self.totals, len(self.codes), self.evidence.n_columns)
        bounds = rows_to_bounds(self.codes, prices, self.costs)
        row_min = np.array([b.before[0, 0] for b in bounds])
        bound = float(row_min.sum() + sum(pi * t.value for pi, t in zip(duals, self.totals, strict=True)))
        return _Pricing(prices, bounds, row_min, bound)

    def enumerate(self, pricing: _Pricing, r: int, window: float, target: int | None, limit: int,
                  counted: CountedBounds | None = None) -> list[Candidate]:
        return row_to_candidates(self.codes[r], target, self.rule, self.model, pricing.prices[r],
                                 pricing.bounds[r], pricing.row_min[r] + window, limit, counted)

    def generate_columns(self) -> tuple[_Pricing, bool]:
        """The pricing at the duals with the best Lagrangian bound (``matrix_duals``) and whether
        the LP relaxation is infeasible (the totals cannot all hold even fractionally)."""
        assert self.costs is not None
        costs = pad_costs(self.costs.match, self.costs.drop, self.costs.insert, self.costs.insert_tail)
        counted = [self.rule.counts(s) for s in STATES]
        found = search_duals(self.codes, self.totals, counted, self.evidence.n_columns, costs, self.model.max_rounds)
        self.solves += found.solves
        assert self.pool is not None
        for r, states, cost in found.readings:
            self.pool.add(r, [Candidate(states, cost)])
        return self.price(found.duals), not found.feasible

    def widen(self, pricing: _Pricing, window: float) -> None:
        """Add every reading meeting its row total within ``window`` of its row's priced best."""
        assert self.pool is not None and self.costs is not None
        if pricing.counted is None:
            targets = [row.total for row in self.evidence.rows]
            pricing.counted = rows_to_counted_bounds(self.codes, pricing.prices, self.costs, targets,
                                                     [int(self.rule.counts(s)) for s in STATES])
        for r, row in enumerate(self.evidence.rows):
            found = self.enumerate(pricing, r, window, row.total, self.model.max_candidates, pricing.counted[r])
            if len(found) >= self.model.max_candidates:
                self.complete = False
            self.pool.add(r, found)

    def solve(self) -> _Outcome | None:
        """The certified optimum, or None when no reading meets every total."""
        assert self.pool is not None
        pricing, infeasible = self.generate_columns()
        if infeasible:
            return None
        window = -1.0  # the pool holds the column-generation readings only
        solution, flat = self.milp(pricing, window)
        while solution is None:
            if window >= self.model.max_window:
                return None
            window = min(float(self.model.max_window), max(1.0, 2 * window))
            self.widen(pricing, window)
            solution, flat = self.milp(pricing, window)
        needed = max(0.0, solution.objective + self.model.margin - pricing.bound)
        if needed > window + _EPS:
            self.widen(pricing, needed)
            solution, flat = self.milp(pricing, needed)
            assert solution is not None
        certified = self.complete and solution.optimal
        return _Outcome(self.rule, flat, self.totals, solution, pricing, certified, self.solves)

    def solve_soft(self) -> _Outcome:
        """Fewest violated totals, then least damage, over a window of readings per row.

        The L1 reading (least total deviation) comes first and always exists; the count MILP
        then looks, within ``soft_nodes``, for a reading with fewer violated totals."""
        assert self.pool is not None
        pricing, _ = self.generate_columns()
        plain = self.price(np.zeros(len(self.totals)))
        for r, row in enumerate(self.evidence.rows):
            for target in {None, row.total}:
                for p in (plain, pricing):
                    self.pool.add(r, self.nearest(p, r, target))
        flat = self.pool.flat()
        penalty = float(flat.cost.max(initial=0.0) * flat.n_rows + 1.0)  # above any damage total
        solution = solve_milp_deviation(flat, self.totals, self.model, penalty)
        self.solves += 1
        if solution.violated:
            fewer = solve_milp_fewest(flat, self.totals, self.model, penalty, len(solution.violated))
            self.solves += 1
            if fewer is not None and (len(fewer.violated), fewer.objective) < (len(solution.violated), solution.objective):
                solution = fewer
        return _Outcome(self.rule, flat, self.totals, solution, pricing, False, self.solves)

    def nearest(self, pricing: _Pricing, r: int, target: int | None) -> list[Candidate]:
        """The row's readings in the widest window up to ``soft_window`` that holds at most
        ``soft_candidates`` of them (the first window's, cut, when even that holds more)."""
        found: list[Candidate] = []
        for window in range(self.model.soft_window + 1):
            wider = self.enumerate(pricing, r, float(window), target, self.model.soft_candidates + 1)
            if len(wider) > self.model.soft_candidates:
                return found or wider[: self.model.soft_candidates]
            found = wider
        return found

    def milp(self, pricing: _Pricing, window: float) -> tuple[_Solution | None, _Flat]:
        """Solve over the pool, keeping only readings inside the priced window (the others
        cannot take part in a solution within it)."""
        assert self.pool is not None
        flat = self.pool.flat()
        if window >= 0:
            flat = flat.subset(pricing.window(flat, window))
        self.solves += 1
        return solve_milp(flat, self.totals, self.model, tokens_to_ties(flat, self.codes)), flat


@dataclass(frozen=True)
class _Outcome:
    rule: RowTotalRule
    flat: _Flat
    totals: tuple[_Total, ...]
    solution: _Solution
    pricing: _Pricing
    certified: bool
    solves: int


# --- ambiguity ---------------------------------------------------------------------------------


def ambiguity_pairs(outcome: _Outcome, cap: float) -> dict[tuple[int, int, int], np.ndarray]:
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


def outcome_within(outcome: _Outcome, cap: float) -> _Outcome:
    """The outcome over only the readings that can take part in a solution costing at most
    ``cap`` (Lagrangian window), which keeps every ambiguity solve small."""
    flat, solution = outcome.flat, outcome.solution
    keep = outcome.pricing.window(flat, cap - outcome.pricing.bound)
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
    outcome: _Outcome, pairs: dict[tuple[int, int, int], np.ndarray], cap: float, model: DamageModel
) -> _Alternatives:
    """Prove pairs realisable by a solution meeting every total within ``cap``.

    Cheap proofs first: one row changing its reading without moving any total, or two rows
    whose changes to the totals cancel (found by hashing the change vectors). Then one LP over
    the pool disproves every pair none of whose readings has a reduced cost that fits under
    ``cap`` (``reduced_costs``), and one warm-started LP per row every pair of a row whose
    other readings cannot fit. Each pair still open gets one solve with that reading forced;
    its solution proves every pair it shows. Pairs left open when a solve runs out of nodes
    (``ambiguity_nodes``) or the whole search out of solves (``ambiguity_solves``) count as
    ambiguous: never a guess shown as sure."""
    flat, solution = outcome.flat, outcome.solution
    proven: dict[tuple[int, int, int], float] = {}
    a, rhs = flat_to_matrix(flat, outcome.totals)
    for cands, value in local_alternatives(flat, solution, a, cap):
        _prove(flat, solution.chosen, cands, value, pairs, proven)
    open_pairs = {key: members for key, members in pairs.items() if key not in proven}
    solves = undecided = 0
    lp = ForcedLp(flat, a, rhs) if open_pairs else None
    if lp is not None:
        lp_value, reduced = lp.reduced_costs()
        solves += 1
        slack = cap - lp_value + _EPS
        open_pairs = {key: members for key, members in open_pairs.items() if reduced[members].min() <= slack}
    per_row: dict[int, int] = {}
    for key in open_pairs:
        per_row[key[0]] = per_row.get(key[0], 0) + 1
    for r in sorted(per_row, key=lambda row: (-per_row[row], row)):  # the most pairs one LP may rule out first
        if solves >= model.ambiguity_solves:
            break
        others = np.flatnonzero((flat.owner == r) & (np.arange(len(flat.cost)) != solution.chosen[r]))
        solves += 1
        if lp is None or not lp.fits(others, cap):  # no other reading of the row fits
            open_pairs = {key: members for key, members in open_pairs.items() if key[0] != r}
    for key, members in sorted(open_pairs.items()):
        if key in proven:
            continue
        if lp is None or solves >= model.ambiguity_solves:
            found: tuple[dict[int, int], float] | None | _Undecided = UNDECIDED
        else:
            found = forced_solve(flat, a, rhs, members, cap, model, lp)
            solves += 1
        if found is UNDECIDED:  # not ruled out in time: another reading may fit, so say so
            proven[key] = cap
            undecided += 1
        elif found is not None:
            chosen, value = found
            _prove(flat, solution.chosen, chosen, value, pairs, proven)
    return _Alternatives(proven, solves, undecided)


def local_alternatives(flat: _Flat, solution: _Solution, a: csr_array, cap: float) -> list[tuple[dict[int, int], float]]:
    """Readings of one row, or of two rows, that change no total and fit under ``cap``:
    (row -> candidate, cost of the solution)."""
    base = solution.objective
    chosen_of = solution.chosen[flat.owner]
    totals = a[[*range(flat.n_rows, a.shape[0])]] if a.shape[0] > flat.n_rows else csr_array((0, len(flat.cost)))
    delta = (totals - totals[:, chosen_of]).tocsc()
    extra = flat.cost - flat.cost[chosen_of]
    keys: dict[tuple, list[tuple[float, int]]] = {}
    options = [k for k in range(len(flat.cost)) if k != chosen_of[k] and base + extra[k] <= cap + _EPS]
    for k in options:
        column = delta[:, [k]]
        key = tuple(zip(column.indices.tolist(), np.round(column.data, 6).tolist(), strict=True))
        keys.setdefault(key, []).append((float(extra[k]), k))
    out: list[tuple[dict[int, int], float]] = []
    for key, entries in keys.items():
        entries.sort()
        if not key:
            out += [({int(flat.owner[k]): k}, base + cost) for cost, k in entries]
            continue
        opposite = keys.get(tuple((i, -v) for i, v in key), [])
        for cost, k in entries:
            partner = next(((c, k2) for c, k2 in sorted(opposite) if flat.owner[k2] != flat.owner[k]), None)
            if partner is not None and base + cost + partner[0] <= cap + _EPS:
                out.append(({int(flat.owner[k]): k, int(flat.owner[partner[1]]): partner[1]}, base + cost + partner[0]))
    return out


def forced_solve(flat: _Flat, a: csr_array, rhs: np.ndarray, members: np.ndarray, cap: float,
                 model: DamageModel, lp: ForcedLp) -> tuple[dict[int, int], float] | None | _Undecided:
    """The cheapest solution choosing one of ``members`` in their row, if it fits under ``cap``;
    ``UNDECIDED`` when ``ambiguity_nodes`` ran out before either was shown.

    Its LP relaxation goes first: most forced readings cannot fit, and an infeasible LP (or one
    costing more than ``cap``) proves that far faster than the MILP would."""
    if not lp.fits(members, cap):
        return None
    upper = _forced_upper(flat, members)
    budget = LinearConstraint(csr_array(flat.cost[None, :]), -INF, cap + _EPS)
    res = milp(flat.cost, integrality=np.ones(len(upper)), bounds=Bounds(0, upper),
               constraints=[LinearConstraint(a, rhs, rhs), budget],
               options={**_options(model), "node_limit": model.ambiguity_nodes})
    if res.x is None:
        return UNDECIDED if res.status in (1, 4) else None  # 1: node (or time) limit reached
    if res.fun > cap + _EPS:
        return None
    chosen = _chosen(flat, res.x)
    return {r: int(c) for r, c in enumerate(chosen)}, float(res.fun)


class ForcedLp:
    """The pool's LP relaxation (one candidate per row, every total) held in one HiGHS model, so
    each forced check only changes the bounds of one row and re-solves from the last basis."""

    def __init__(self, flat: _Flat, a: csr_array, rhs: np.ndarray) -> None:
        self.flat = flat
        k = len(flat.cost)
        matrix = a.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = k, a.shape[0]
        lp.col_cost_ = flat.cost.astype(float)
        lp.col_lower_, lp.col_upper_ = np.zeros(k), np.full(k, highspy.kHighsInf)  # y <= 1 follows from one per row
        lp.row_lower_ = lp.row_upper_ = rhs.astype(float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = k, a.shape[0]
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
        self.highs = quiet_highs()
        self.highs.passModel(lp)
        self.highs.setOptionValue("presolve", "off")  # re-solves start from the last basis; presolve would discard it
        self.rows = [np.flatnonzero(flat.owner == r).astype(np.int32) for r in range(flat.n_rows)]

    def reduced_costs(self) -> tuple[float, np.ndarray]:
        """The pool's LP optimum and each reading's reduced cost ``d``: any solution of the pool
        costs ``LP + d . y``, so one that takes reading k costs at least ``LP + d[k]``. (Solved
        here first, so the forced checks start from its basis.)"""
        self.highs.run()
        assert self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal  # the pool holds the solution just found
        reduced = np.asarray(self.highs.getSolution().col_dual)
        return self.highs.getInfo().objective_function_value, np.maximum(reduced, 0.0)

    def fits(self, members: np.ndarray, cap: float) -> bool:
        """Whether the LP with the row of ``members`` forced onto them fits under ``cap``; False
        proves that no solution taking one of them does."""
        if not len(members):
            return False
        row = self.rows[int(self.flat.owner[members[0]])]
        upper = np.isin(row, members).astype(float)
        self.highs.changeColsBounds(len(row), row, np.zeros(len(row)), upper)
        self.highs.setOptionValue("objective_bound", cap + _EPS)
        self.highs.run()
        status = self.highs.getModelStatus()
        value = self.highs.getInfo().objective_function_value
        self.highs.changeColsBounds(len(row), row, np.zeros(len(row)), np.full(len(row), highspy.kHighsInf))
        return status == highspy.HighsModelStatus.kOptimal and value <= cap + _EPS


class _Undecided:
    """A forced solve that neither found nor ruled out a solution within its node limit."""


UNDECIDED = _Undecided()


def _forced_upper(flat: _Flat, members: np.ndarray) -> np.ndarray:
    """Upper bounds that leave the row of ``members`` only those readings (its choice
    constraint then takes exactly one of them)."""
    upper = np.ones(len(flat.cost))
    if len(members):
        upper[np.flatnonzero(flat.owner == flat.owner[members[0]])] = 0.0
        upper[members] = 1.0
    return upper


def _prove(flat: _Flat, chosen: np.ndarray, changes: dict[int, int], value: float,
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


# --- the recipe ---------------------------------------------------------------------------------


def row_total_rules(evidence: MatrixEvidence) -> tuple[RowTotalRule, ...]:
    """The row-total interpretations worth trying, most plausible first: when every row prints
    a total, their sum equals the grand total of what they count."""
    printed = [r.total for r in evidence.rows]
    both = (RowTotalRule.PARTICIPATING, RowTotalRule.EXISTING)
    if not printed or any(t is None for t in printed):
        return both
    total = sum(t for t in printed if t is not None)
    t = evidence.totals
    grand_total = t.grand_total if t.grand_total is not None else _sum_or_none(t.total)
    grand_existing = t.grand_existing if t.grand_existing is not None else _sum_or_none(t.existing)
    fits_total, fits_existing = total == grand_total, total == grand_existing
    if fits_total and not fits_existing:
        return (RowTotalRule.PARTICIPATING,)
    if fits_existing and not fits_total:
        return (RowTotalRule.EXISTING,)
    return both


def nearest_rules(evidence: MatrixEvidence, rules: Sequence[RowTotalRule]) -> tuple[RowTotalRule, ...]:
    """Of ``rules``, those whose grand total is nearest the sum of the printed row totals (all
    of them when that cannot be told): the only ones worth a soft solve when totals contradict."""
    printed = [r.total for r in evidence.rows]
    t = evidence.totals
    grand = {
        RowTotalRule.PARTICIPATING: t.grand_total if t.grand_total is not None else _sum_or_none(t.total),
        RowTotalRule.EXISTING: t.grand_existing if t.grand_existing is not None else _sum_or_none(t.existing),
    }
    if not printed or any(v is None for v in printed) or any(grand[r] is None for r in rules):
        return tuple(rules)
    total = sum(v for v in printed if v is not None)
    distance = {r: abs(total - grand[r]) for r in rules}  # type: ignore[operator]
    return tuple(r for r in rules if distance[r] == min(distance.values()))


def _sum_or_none(values: Sequence[int | None]) -> int | None:
    return None if not values or any(v is None for v in values) else sum(v for v in values if v is not None)


def evidence_to_recovery(evidence: MatrixEvidence, model: DamageModel | None = None) -> Recovery:
    """Recover the matrix: a certified optimum under each plausible row-total rule (the
    cheapest wins); the fewest violated totals when no reading meets them all."""
    model = model or DamageModel()
    rules = row_total_rules(evidence)
    outcomes = [o for rule in rules if (o := _Solver(evidence, rule, model).solve()) is not None]
    if not outcomes:
        outcomes = [_Solver(evidence, rule, model).solve_soft() for rule in nearest_rules(evidence, rules)]
    best = min(outcomes, key=lambda o: (len(o.solution.violated), o.solution.objective))
    return outcome_to_recovery(evidence, best, model)


def outcome_to_recovery(evidence: MatrixEvidence, outcome: _Outcome, model: DamageModel) -> Recovery:
    flat, solution = outcome.flat, outcome.solution
    proven: dict[tuple[int, int, int], float] = {}
    solves, undecided = outcome.solves, 0
    if not outcome.solution.violated:  # uncertified too: the pool it has is still worth searching
        cap = solution.objective + model.margin
        within = outcome_within(outcome, cap)
        found = find_alternatives(within, ambiguity_pairs(within, cap), cap, model)
        proven, solves, undecided = found.proven, solves + found.solves, found.undecided
    confidence, ambiguous = cells_to_confidence(proven, solution.objective, flat.n_rows, evidence.n_columns)
    states = tuple(tuple(int(s) for s in flat.states[i]) for i in solution.chosen)
    alignments = tuple(align_row(row.tokens, st, model) for row, st in zip(evidence.rows, states, strict=True))
    return Recovery(
        states=states,
        confidence=confidence,
        ambiguous=ambiguous,
        alignments=alignments,
        rule=outcome.rule,
        violated=recovered_violations(evidence, states, outcome.rule),
        cost=int(sum(a.cost for a in alignments)),
        certified=outcome.certified,
        solves=solves,
        undecided=undecided,
    )


def recovered_violations(evidence: MatrixEvidence, states: Sequence[Sequence[int]], rule: RowTotalRule) -> tuple[TotalCheck, ...]:
    """Every printed total the recovered matrix does not meet."""
    return tuple(check for check in total_checks(evidence, states, rule) if check.printed != check.recovered)


def total_checks(evidence: MatrixEvidence, states: Sequence[Sequence[int]], rule: RowTotalRule) -> tuple[TotalCheck, ...]:
    """Every printed total with the value the matrix ``states`` gives it."""
    grid = np.array(states, dtype=int).reshape(len(states), evidence.n_columns)
    checks = []
    for total in evidence_to_totals(evidence, rule):
        hits = np.isin(grid, list(total.states))
        if total.kind == "row":
            value = hits[total.index].sum()
        elif total.index is None:
            value = hits.sum()
        else:
            value = hits[:, total.index].sum()
        checks.append(TotalCheck(total.kind, total.index, total.value, int(value)))
    return tuple(checks)

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
holds (those the others imply are left out, ``independent_totals``: they only add degeneracy). Candidates come from the rows' edit-distance DP, never from a fixed list:

1. Column generation on the LP relaxation (``matrix_duals``: one warm-started HiGHS LP, one
   compiled DP over all rows per round, ``row_dp``): its duals ``pi`` price each (column, state) cell and
   each counted cell of a row; the cheapest row reading under those prices (``m_r``) joins the
   pool until the LP value meets the Lagrangian bound.
2. For any ``pi``, ``L = sum_r m_r + pi . totals`` is a lower bound on every reading meeting the
   totals (Lagrangian bound), and a reading of row r can take part in a solution costing at
   most ``G + margin`` only if its priced cost is within ``G + margin - L`` of ``m_r``. Every such
   reading is enumerated (``rows_to_windows``: depth first over the columns, a prefix followed
   only while the exact completion costs that also end on the row's printed total fit the
   budget), with ``G`` the cost of a feasible integer solution.
3. The MILP over that pool is then the global optimum within the damage model (``certified``).
   Damage is a whole number of units, so a solution costing ``ceil(L)`` is optimal at once
   (``certified`` even when a row's window was cut at ``max_candidates``).

Among readings of equal damage the MILP takes the one closest to the marks as printed, position
by position (``tokens_to_ties``). Exact ties left after that are the solver's choice, so the
optimum is then made canonical (``canonical_optimum``): one- and two-row exchanges that keep the
damage and the distance to print move the reading off print to the latest rows. The same evidence
then gives the same reading whichever pool or path found the optimum, which the annual refresh
needs (an unchanged row must not flip between two editions). Once the optimum is proven, the pool
is widened to the margin for the ambiguity search without solving the MILP again.

When the LP is infeasible even with every reading (the totals contradict each other), only the
row-total rules whose grand total is nearest the printed row totals are tried, over a bounded
window of readings per row (so this case is not certified): first the reading with the least
total deviation (an L1 MILP, tight and fast), then, within ``soft_nodes``, a MILP with a
binary violation indicator per total looks for one with fewer violated totals. The reading with
the fewest violated totals wins, then the cheapest; every cell of it is flagged ambiguous (the
marks as read and the totals disagree: rows, marks or members were misread, and no cell is sure).

Ambiguity and confidence
------------------------
A cell is ambiguous when another reading that meets every total and costs at most ``G* + margin``
reads it differently (``margin`` = 2 damage units: on the generated corpus the true reading is at
most that much dearer than the optimum where they differ). The candidates of step 2 with
``G = G*`` hold every such reading. Each (cell, other state) pair they realise is proved by a
solution (local one- and two-row exchanges first, then a MILP with the reading forced) or ruled
out (reduced costs of the pool's LP, then a warm-started HiGHS LP per row and per pair; the duals
of every LP rule out, by their Lagrangian bound, every other pair they can, and every reading
they put above the cap is fixed at 0 in the LP from then on, which tightens it, ``PoolBound``). A pair that no solve decides within ``ambiguity_nodes`` /
``ambiguity_solves`` counts as ambiguous (``Recovery.undecided``): the search may over-flag,
never under-flag.
When a MILP stops on ``time_limit`` (only far larger matrices than plans print), the solution
found, or when it found none the LP's fractional reading rounded and repaired until every total
holds (``matrix_repair``), still meets every total but is not proven optimal
(``Recovery.limited``): no proof is searched for, and every (cell, other state) that a reading
within the Lagrangian window of ``G + margin`` realises is flagged, found per cell by a forward
and a backward DP (``rows_to_open_cells``), which is sound whatever the true optimum is. Only
when the repair cannot meet every total either does each row take its cheapest priced reading,
with every cell flagged and the missed totals listed.
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

from extractors.matrix.duals import DualSearch, duals_to_prices, quiet_highs, search_duals
from extractors.matrix.repair import RepairRows, lp_to_start, repair_to_totals, totals_to_masks
from extractors.matrix.row_dp import (
    RowCosts,
    codes_to_padded,
    counted_best,
    open_cells,
    rows_to_aligned,
    rows_to_best_readings,
    window_readings,
)

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
    time_limit: float = 2.0  # seconds per MILP solve, a safety net: 15x the corpus's slowest (0.14 s); the result is then not certified
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
    limited: bool = False  # a solver limit stopped the search: the reading meets every total, may not be the cheapest


# --- costs and per-row bounds -----------------------------------------------------------------


def model_to_tables(model: DamageModel) -> RowCosts:
    return RowCosts(
        match=np.array([[model.match_cost(t, s) for s in STATES] for t in (BLANK, FILLED, HOLLOW)], dtype=float),
        drop=np.array([model.drop_cost(s) for s in STATES], dtype=float),
        insert=np.array([model.insert_cost(t, False) for t in (BLANK, FILLED, HOLLOW)], dtype=float),
        insert_tail=np.array([model.insert_cost(t, True) for t in (BLANK, FILLED, HOLLOW)], dtype=float),
    )


def tokens_to_codes(tokens: Sequence[str]) -> tuple[int, ...]:
    return tuple(TOKEN_CODES[t] for t in tokens)


def rows_to_minima(codes: Sequence[tuple[int, ...]], prices: np.ndarray, costs: RowCosts) -> np.ndarray:
    """Each row's cheapest priced reading's cost, ``prices[r, c, s]`` added to state s at (r, c)."""
    tokens, lengths = codes_to_padded(codes)
    return rows_to_best_readings(tokens, lengths, prices, costs)[0]


# --- enumeration of a window of readings ------------------------------------------------------


def rows_to_windows(codes: Sequence[tuple[int, ...]], targets: Sequence[int | None], counts: Sequence[int],
                    prices: np.ndarray, costs: RowCosts, budgets: np.ndarray, limit: int) -> list[list[Candidate]]:
    """Every reading of each row whose priced cost is at most ``budgets[r]`` and whose counted
    cells (``counts[s]`` is 1 when the row total counts state s) number ``targets[r]`` (any
    number when None), in lexicographic order of states, at most ``limit`` per row.

    Depth first over the columns, one row at a time (``row_dp.window_readings``): a prefix is
    followed only while some completion of it both meets the row's total and fits its budget
    (the exact completion costs), so every prefix followed leads to a reading."""
    out: list[list[Candidate]] = [[] for _ in codes]
    for group in counted_groups(codes, targets, counts, prices.shape[1]):
        rows, group_prices = group.rows, np.ascontiguousarray(prices[group.rows], dtype=float)
        owner, states, damage = window_readings(group.tokens, group_prices, group.goal, group.counts,
                                                budgets[rows] + _EPS, limit, *costs.arrays)
        for k, vector, cost in zip(owner.tolist(), states.tolist(), damage.tolist(), strict=True):
            out[rows[k]].append(Candidate(tuple(vector), int(round(cost))))
    return out


@dataclass(frozen=True)
class CountedGroup:
    """Rows with the same token count whose total is printed (or all not printed), for the DPs
    that follow how many counted cells a reading has so far."""

    rows: list[int]
    tokens: np.ndarray  # (rows, tokens), int64
    goal: np.ndarray  # counted cells each row must end on (0 when not counted), int64
    counts: np.ndarray  # 1 for each state the row total counts (all 0 when not printed), int64


def counted_groups(codes: Sequence[tuple[int, ...]], targets: Sequence[int | None], counts: Sequence[int],
                   n_cols: int) -> list[CountedGroup]:
    """The rows grouped for the counted DPs; a row whose total no reading can meet is in none."""
    groups: dict[tuple[int, bool], list[int]] = {}
    for r, row in enumerate(codes):
        if targets[r] is None or 0 <= targets[r] <= n_cols:  # type: ignore[operator]
            groups.setdefault((len(row), targets[r] is not None), []).append(r)
    out = []
    for (n, counted), rows in groups.items():
        goal = np.array([targets[r] if counted else 0 for r in rows], dtype=np.int64)
        out.append(CountedGroup(rows, np.array([codes[r] for r in rows], dtype=np.int64).reshape(len(rows), n), goal,
                                np.array(counts if counted else (0, 0, 0), dtype=np.int64)))
    return out


def codes_to_repair_rows(codes: Sequence[tuple[int, ...]], targets: Sequence[int | None], counts: Sequence[int],
                         n_cols: int) -> RepairRows:
    """Each row as the repair's counted DP takes it (``counted_groups``, one row at a time)."""
    n_rows = len(codes)
    rows = RepairRows([None] * n_rows, [None] * n_rows, [None] * n_rows)
    for group in counted_groups(codes, targets, counts, n_cols):
        for k, r in enumerate(group.rows):
            rows.tokens[r], rows.goal[r], rows.counts[r] = group.tokens[k : k + 1], group.goal[k : k + 1], group.counts
    return rows


def rows_to_open_cells(codes: Sequence[tuple[int, ...]], targets: Sequence[int | None], counts: Sequence[int],
                       prices: np.ndarray, costs: RowCosts, budgets: np.ndarray) -> np.ndarray:
    """open[r, c, s]: some reading of row r meeting its total, with state s at column c, has a
    priced cost within ``budgets[r]``. Exact, without enumerating readings: the cheapest reading
    through (c, s) is the forward DP to column c, the move onto it, and the completion after it
    (``row_dp.open_cells``)."""
    out = np.zeros((len(codes), prices.shape[1], 3), dtype=bool)
    for group in counted_groups(codes, targets, counts, prices.shape[1]):
        rows, group_prices = group.rows, np.ascontiguousarray(prices[group.rows], dtype=float)
        out[rows] = open_cells(group.tokens, group_prices, group.goal, group.counts, budgets[rows] + _EPS, *costs.arrays)
    return out


def align_row(tokens: Sequence[str], states: Sequence[int], model: DamageModel) -> RowAlignment:
    """The cheapest edit script from ``states`` to ``tokens`` (``rows_to_alignments``)."""
    return rows_to_alignments([tokens], [states], model)[0]


def rows_to_alignments(rows: Sequence[Sequence[str]], states: Sequence[Sequence[int]], model: DamageModel) -> tuple[RowAlignment, ...]:
    """The cheapest edit script from each row's ``states`` to its ``tokens`` (the reading the cost
    refers to), with the token each column got and a count of each kind of repair. Among
    equally cheap moves, a match before a drop before an insertion (``row_dp.rows_to_aligned``)."""
    codes = [tokens_to_codes(r) for r in rows]
    tokens, lengths = codes_to_padded(codes)
    n_cols = len(states[0]) if len(states) else 0
    grid = np.array(states, dtype=np.int64).reshape(len(states), n_cols)
    matched, cost = rows_to_aligned(tokens, lengths, grid, model_to_tables(model))
    out = []
    for row, row_codes, row_states, taken, row_cost in zip(rows, codes, grid.tolist(), matched.tolist(), cost.tolist(), strict=True):
        used = set(taken)
        extra = [row_codes[i] for i in range(len(row_codes)) if i not in used]
        dropped = [s for s, i in zip(row_states, taken, strict=True) if i < 0]
        out.append(RowAlignment(
            observed=tuple(row[i] if i >= 0 else "" for i in taken),
            extra_marks=sum(c != BLANK for c in extra), extra_blanks=sum(c == BLANK for c in extra),
            dropped_blanks=sum(s == NONE for s in dropped), dropped_marks=sum(s != NONE for s in dropped),
            changed=tuple(j for j, (i, s) in enumerate(zip(taken, row_states, strict=True)) if i >= 0 and model.match_cost(row_codes[i], s)),
            cost=int(round(row_cost)),
        ))
    return tuple(out)


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


def independent_totals(totals: Sequence[_Total]) -> tuple[_Total, ...]:
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
    owner: np.ndarray  # row of each candidate, ascending (candidates are grouped by row)
    states: np.ndarray  # (candidates, columns)
    cost: np.ndarray
    n_rows: int


    def subset(self, keep: np.ndarray) -> _Flat:
        return _Flat(self.owner[keep], self.states[keep], self.cost[keep], self.n_rows)

    def positions(self, states: np.ndarray) -> np.ndarray:
        """The index of each row's reading ``states[r]`` (rows, columns), which the pool holds."""
        index = {(r, vector.tobytes()): k for k, (r, vector) in enumerate(zip(self.owner.tolist(), self.states, strict=True))}
        return np.array([index[(r, vector.astype(self.states.dtype).tobytes())] for r, vector in enumerate(states)], dtype=int)


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


class _SearchLimit:
    """A MILP that stopped on its limit (``time_limit``) before it found a solution or proved none."""


SEARCH_LIMIT = _SearchLimit()


@dataclass(frozen=True)
class _Solution:
    chosen: np.ndarray  # candidate index per row
    objective: float
    violated: tuple[int, ...]  # indexes into the totals (soft solves only)
    optimal: bool


def solve_milp(flat: _Flat, totals: Sequence[_Total], model: DamageModel,
               ties: np.ndarray | None = None) -> _Solution | None | _SearchLimit:
    """One candidate per row; every total holds. None when no pooled reading meets them all,
    ``SEARCH_LIMIT`` when the solver stopped on its limit before finding or excluding one.

    ``ties`` (small non-negative integers per candidate) break ties between readings of equal
    damage: scaled so that their sum over all rows stays below one damage unit, they choose
    among the optima only, the same way whatever else the document holds."""
    a, rhs = flat_to_matrix(flat, totals)
    cost = flat.cost if ties is None else flat.cost + ties / (float(ties.max(initial=0.0)) * flat.n_rows + 1.0)
    res = milp(cost, integrality=np.ones(len(flat.cost)), bounds=Bounds(0, 1),
               constraints=LinearConstraint(a, rhs, rhs), options=_options(model))
    if res.x is None:
        return SEARCH_LIMIT if res.status in (1, 4) else None
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


def canonical_optimum(flat: _Flat, solution: _Solution, totals: Sequence[_Total], ties: np.ndarray) -> _Solution:
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


def _tie_key(flat: _Flat, chosen: np.ndarray, ties: np.ndarray) -> tuple[float, tuple[float, ...]]:
    return float(ties[chosen].sum()), tuple(ties[chosen].tolist())


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
    row_min: np.ndarray
    bound: float

    def priced(self, flat: _Flat) -> np.ndarray:
        """Each candidate's cost under these prices."""
        cols = np.arange(flat.states.shape[1])
        return flat.cost + self.prices[flat.owner[:, None], cols[None, :], flat.states].sum(axis=1)

    def optimum_floor(self) -> float:
        """The least damage any reading meeting the totals can have: damage is a whole number of
        units, so the bound rounds up. A solution this cheap is optimal, whatever else exists."""
        return float(math.ceil(self.bound - _EPS))

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
    costs: RowCosts | None = None
    solves: int = 0
    complete: bool = True
    relaxation: DualSearch | None = None  # the column generation's last LP, for ``repaired``

    def __post_init__(self) -> None:
        self.totals = independent_totals(evidence_to_totals(self.evidence, self.rule))
        self.codes = [tokens_to_codes(r.tokens) for r in self.evidence.rows]
        self.pool = _Pool(len(self.codes), self.evidence.n_columns)
        self.costs = model_to_tables(self.model)

    def price(self, duals: np.ndarray) -> _Pricing:
        assert self.costs is not None
        prices = duals_to_prices(duals, self.totals, len(self.codes), self.evidence.n_columns)
        row_min = rows_to_minima(self.codes, prices, self.costs)
        bound = float(row_min.sum() + sum(pi * t.value for pi, t in zip(duals, self.totals, strict=True)))
        return _Pricing(prices, row_min, bound)

    def enumerate(self, pricing: _Pricing, window: float, targets: Sequence[int | None], limit: int) -> list[list[Candidate]]:
        """Each row's readings within ``window`` of its priced best that meet its target."""
        assert self.costs is not None
        return rows_to_windows(self.codes, targets, [int(self.rule.counts(s)) for s in STATES], pricing.prices,
                               self.costs, pricing.row_min + window, limit)

    def generate_columns(self) -> tuple[_Pricing, bool]:
        """The pricing at the duals with the best Lagrangian bound (``matrix_duals``) and whether
        the LP relaxation is infeasible (the totals cannot all hold even fractionally)."""
        assert self.costs is not None
        counted = [self.rule.counts(s) for s in STATES]
        found = search_duals(self.codes, self.totals, counted, self.evidence.n_columns, self.costs, self.model.max_rounds)
        self.solves += found.solves
        self.relaxation = found
        assert self.pool is not None
        for r, states, cost in found.readings:
            self.pool.add(r, [Candidate(states, cost)])
        return self.price(found.duals), not found.feasible

    def widen(self, pricing: _Pricing, window: float) -> None:
        """Add every reading meeting its row total within ``window`` of its row's priced best."""
        assert self.pool is not None
        found = self.enumerate(pricing, window, [row.total for row in self.evidence.rows], self.model.max_candidates)
        for r, readings in enumerate(found):
            if len(readings) >= self.model.max_candidates:
                self.complete = False
            self.pool.add(r, readings)

    def solve(self) -> _Outcome | None:
        """The certified optimum, or None when no reading meets every total."""
        assert self.pool is not None
        pricing, infeasible = self.generate_columns()
        if infeasible:
            return None
        searched = self.search_optimum(pricing)
        if not isinstance(searched, _Optimum):
            return searched  # None, or a solution a solver limit kept from being proven optimal
        return self.with_margin(pricing, searched)

    def search_optimum(self, pricing: _Pricing) -> _Optimum | _Outcome | None:
        """Windows double until the best solution G is optimal over a window at least ``G - L``
        wide (no cheaper solution exists anywhere then) or costs ``ceil(L)``. The pool is only
        widened to the margin afterwards: a poor first G would ask for a needlessly wide pool."""
        window = -1.0  # the pool holds the column-generation readings only
        best: tuple[_Solution, _Flat] | None = None  # the cheapest solution so far and its pool
        while True:
            trial, trial_flat = self.milp(pricing, window)
            if isinstance(trial, _Solution) and (best is None or trial.objective < best[0].objective - _EPS):
                best = trial, trial_flat
            if trial is SEARCH_LIMIT or (isinstance(trial, _Solution) and not trial.optimal):  # a wider pool would not solve either
                best = best or self.repaired(pricing)
                return self.unsolved(pricing, trial_flat) if best is None else self.limited(pricing, *best)
            if best is None:
                if window >= self.model.max_window:
                    return None
            elif best[0].objective <= pricing.optimum_floor() + _EPS or best[0].objective - pricing.bound <= window + _EPS:
                return _Optimum(best[0], best[1], window)
            elif window >= self.model.max_window:
                return self.limited(pricing, *best)
            window = min(float(self.model.max_window), max(1.0, 2 * window))
            if best is not None:
                window = min(window, best[0].objective - pricing.bound)
            self.widen(pricing, window)

    def with_margin(self, pricing: _Pricing, optimum: _Optimum) -> _Outcome:
        """The optimum over the pool widened to the margin (for the ambiguity search), its ties
        broken over every optimum (they all lie within ``G - L`` of the bound)."""
        solution, flat, window = optimum.solution, optimum.flat, optimum.window
        optimal = max(0.0, solution.objective - pricing.bound)
        needed = solution.objective + self.model.margin - pricing.bound
        self.widen(pricing, needed)
        if optimal > window + _EPS:  # the tie-break sees every optimum, not just those found
            tied, flat = self.milp(pricing, optimal)
            assert isinstance(tied, _Solution)
            solution, window = tied, optimal
        solution = canonical_optimum(flat, solution, self.totals, tokens_to_ties(flat, self.codes))
        if needed > window + _EPS:
            flat, solution = self.rebased(solution, flat, pricing, needed)
        proven = solution.objective <= pricing.optimum_floor() + _EPS
        return _Outcome(self.rule, flat, self.totals, solution, pricing, proven or self.complete, self.solves)

    def repaired(self, pricing: _Pricing) -> tuple[_Solution, _Flat] | None:
        """The LP's fractional reading rounded and repaired until every total holds
        (``matrix_repair``), as a solution over the pool; None when the repair cannot meet them."""
        assert self.relaxation is not None and self.pool is not None and self.costs is not None
        targets = [row.total for row in self.evidence.rows]
        counts = [int(self.rule.counts(s)) for s in STATES]
        readings = self.relaxation.readings
        n_rows, n_columns = len(self.codes), self.evidence.n_columns
        lp_flat = _Flat(np.array([r for r, _, _ in readings], dtype=int),
                        np.array([v for _, v, _ in readings], dtype=int).reshape(len(readings), n_columns),
                        np.array([c for _, _, c in readings], dtype=float), n_rows)
        meets = meets_row_totals(lp_flat, self.totals).tolist()
        states, damage, has = lp_to_start(readings, self.relaxation.weights, meets, n_rows, n_columns)
        rows = codes_to_repair_rows(self.codes, targets, counts, n_columns)
        for r in np.flatnonzero(~has):  # the LP gave the row no reading meeting its total: its cheapest one
            if rows.tokens[r] is not None:
                _, found, cost = counted_best(rows.tokens[r], np.zeros((1, n_columns, 3)), rows.goal[r], rows.counts[r],
                                              np.array([INF]), *self.costs.arrays)
                states[r], damage[r] = found[0], cost[0]
        columns = [t for t in self.totals if t.kind != "row"]
        repaired = repair_to_totals(states, damage, rows, totals_to_masks(columns, n_columns),
                                    np.array([t.value for t in columns], dtype=float), self.costs)
        if repaired.missed or any(rows.tokens[r] is None and targets[r] is not None for r in range(n_rows)):
            return None
        for r in range(n_rows):
            self.pool.add(r, [Candidate(tuple(int(x) for x in repaired.states[r]), int(round(repaired.damage[r])))])
        flat = self.pool_flat(pricing, -1.0)
        chosen = flat.positions(repaired.states)
        return _Solution(chosen, float(flat.cost[chosen].sum()), (), False), flat

    def unsolved(self, pricing: _Pricing, flat: _Flat) -> _Outcome:
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
        solution = _Solution(chosen, float(flat.cost[chosen].sum()), _violated(a, rhs, flat.n_rows, chosen), False)
        return _Outcome(self.rule, flat, self.totals, solution, pricing, False, self.solves, limited=True)

    def limited(self, pricing: _Pricing, solution: _Solution, flat: _Flat) -> _Outcome:
        """A solution meeting every total that a solver limit kept from being proven optimal."""
        solution = canonical_optimum(flat, solution, self.totals, tokens_to_ties(flat, self.codes))
        return _Outcome(self.rule, flat, self.totals, solution, pricing, False, self.solves, limited=True)

    def solve_soft(self) -> _Outcome:
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
        return _Outcome(self.rule, flat, self.totals, solution, pricing, False, self.solves)

    def nearest(self, pricing: _Pricing, targets: Sequence[int | None]) -> list[list[Candidate]]:
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

    def rebased(self, solution: _Solution, flat: _Flat, pricing: _Pricing, window: float) -> tuple[_Flat, _Solution]:
        """The pool within ``window`` and ``solution`` pointing into it (it holds every reading
        the solution takes: they lie inside any window it was found in)."""
        assert self.pool is not None
        wider = self.pool.flat()
        wider = wider.subset(pricing.window(wider, window))
        return wider, replace(solution, chosen=wider.positions(flat.states[solution.chosen]))

    def pool_flat(self, pricing: _Pricing, window: float) -> _Flat:
        """The pool's readings inside the priced window (all when ``window`` < 0) that meet their
        row's total: the others cannot take part in a solution within it."""
        assert self.pool is not None
        flat = self.pool.flat()
        keep = meets_row_totals(flat, self.totals)
        return flat.subset(keep & pricing.window(flat, window) if window >= 0 else keep)

    def milp(self, pricing: _Pricing, window: float) -> tuple[_Solution | None | _SearchLimit, _Flat]:
        """Solve over the pool within ``window`` (``pool_flat``)."""
        flat = self.pool_flat(pricing, window)
        self.solves += 1
        return solve_milp(flat, self.totals, self.model, tokens_to_ties(flat, self.codes)), flat


@dataclass(frozen=True)
class _Optimum:
    """A solution proven optimal over every reading, the pool it was found in and that pool's window."""

    solution: _Solution
    flat: _Flat
    window: float


@dataclass(frozen=True)
class _Outcome:
    rule: RowTotalRule
    flat: _Flat
    totals: tuple[_Total, ...]
    solution: _Solution
    pricing: _Pricing
    certified: bool
    solves: int
    limited: bool = False  # a MILP stopped on its limit: the solution meets every total but may not be optimal


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


def meets_row_totals(flat: _Flat, totals: Sequence[_Total]) -> np.ndarray:
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


def outcome_within(outcome: _Outcome, cap: float) -> _Outcome:
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
    outcome: _Outcome, pairs: dict[tuple[int, int, int], np.ndarray], cap: float, model: DamageModel
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


def rows_by_nearest_alternative(bound: PoolBound, duals: np.ndarray | None, solution: _Solution, rows: set[int]) -> list[int]:
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

    def __init__(self, flat: _Flat, a: csr_array, rhs: np.ndarray, keep: np.ndarray) -> None:
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
        out = self.usable & (self.reading_bounds(duals) > cap + _EPS)
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
        fits = np.minimum.reduceat(bounds[np.concatenate(members)], starts) <= cap + _EPS
        return {key: pairs[key] for key, ok in zip(keys, fits.tolist(), strict=True) if ok}


def _shrink(flat: _Flat, solution: _Solution, pairs: dict[tuple[int, int, int], np.ndarray],
            keep: np.ndarray) -> tuple[_Flat, _Solution, dict[tuple[int, int, int], np.ndarray]]:
    """The pool with only ``keep`` (which holds the solution), the solution and the pairs' readings
    pointing into it; pairs none of whose readings are kept are dropped (none can fit)."""
    index = np.cumsum(keep) - 1
    moved = {key: index[m[keep[m]]] for key, m in pairs.items()}
    return (flat.subset(keep), replace(solution, chosen=index[solution.chosen]),
            {key: m for key, m in moved.items() if len(m)})


def local_alternatives(flat: _Flat, solution: _Solution, a: csr_array, cap: float,
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
    options = np.flatnonzero(other & (base + extra + relief <= cap + _EPS)).tolist()
    delta.sort_indices()
    indices, values, starts = delta.indices.tolist(), np.round(delta.data, 6).tolist(), delta.indptr.tolist()
    for k in options:
        key = tuple((i, v) for i, v in zip(indices[starts[k]:starts[k + 1]], values[starts[k]:starts[k + 1]], strict=True) if v)
        keys.setdefault(key, []).append((float(extra[k]), k))
    out: list[tuple[dict[int, int], float]] = []
    for key, entries in keys.items():
        entries.sort()
        if not key:
            out += [({int(flat.owner[k]): k}, base + cost) for cost, k in entries if base + cost <= cap + _EPS]
            continue
        opposite = keys.get(tuple((i, -v) for i, v in key), [])
        opposite = sorted(opposite)
        for cost, k in entries:
            partners = [(c, k2) for c, k2 in opposite if flat.owner[k2] != flat.owner[k] and base + cost + c <= cap + _EPS]
            for c, k2 in partners if every_partner else partners[:1]:
                out.append(({int(flat.owner[k]): k, int(flat.owner[k2]): k2}, base + cost + c))
    return out


def forced_solve(flat: _Flat, a: csr_array, rhs: np.ndarray, members: np.ndarray, cap: float,
                 model: DamageModel, lp: ForcedLp) -> tuple[dict[int, int], float] | None | _Undecided:
    """The cheapest solution choosing one of ``members`` in their row, if it fits under ``cap``;
    ``UNDECIDED`` when ``ambiguity_nodes`` ran out before either was shown.

    Its LP relaxation goes first: most forced readings cannot fit, and an infeasible LP (or one
    costing more than ``cap``) proves that far faster than the MILP would."""
    if not lp.fits(members, cap):
        return None
    upper = np.minimum(_forced_upper(flat, members), lp.upper)  # nor any reading excluded so far
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
        self.highs.setOptionValue("objective_bound", cap + _EPS)
        if self.start is not None:
            self.highs.setBasis(self.start)
        self.highs.run()
        status = self.highs.getModelStatus()
        value = self.highs.getInfo().objective_function_value
        self.duals = np.asarray(self.highs.getSolution().row_dual[self.flat.n_rows:]) if status != highspy.HighsModelStatus.kInfeasible else None
        self.highs.changeColsBounds(len(row), row, np.zeros(len(row)), self.upper[row])
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
    states = tuple(tuple(int(s) for s in flat.states[i]) for i in solution.chosen)
    violated = recovered_violations(evidence, states, outcome.rule)
    if solution.violated or violated:  # no reading meeting every total was found: no cell is sure
        proven = {(r, c, s): solution.objective for r in range(flat.n_rows) for c in range(evidence.n_columns)
                  for s in STATES if s != flat.states[solution.chosen[r], c]}
        undecided = len(proven) if outcome.limited else 0
    elif outcome.limited:  # no proofs to search for: flag every cell another reading within the margin may take
        proven = limited_alternatives(evidence, outcome, model)
        undecided = len(proven)
    else:  # uncertified too: the pool it has is still worth searching
        cap = solution.objective + model.margin
        within = outcome_within(outcome, cap)
        found = find_alternatives(within, ambiguity_pairs(within, cap), cap, model)
        proven, solves, undecided = found.proven, solves + found.solves, found.undecided
    confidence, ambiguous = cells_to_confidence(proven, solution.objective, flat.n_rows, evidence.n_columns)
    alignments = rows_to_alignments([row.tokens for row in evidence.rows], states, model)
    return Recovery(
        states=states,
        confidence=confidence,
        ambiguous=ambiguous,
        alignments=alignments,
        rule=outcome.rule,
        violated=violated,
        cost=int(sum(a.cost for a in alignments)),
        certified=outcome.certified,
        solves=solves,
        undecided=undecided,
        limited=outcome.limited,
    )


def limited_alternatives(evidence: MatrixEvidence, outcome: _Outcome, model: DamageModel) -> dict[tuple[int, int, int], float]:
    """Every (cell, other state) some reading within the Lagrangian window of ``G + margin``
    realises, each at the cap: the optimum may be cheaper than the solution found, so none of
    them is ruled out. Sound without a pool: the window test is exact per cell (``rows_to_open_cells``)."""
    flat, solution, pricing = outcome.flat, outcome.solution, outcome.pricing
    cap = solution.objective + model.margin
    codes = [tokens_to_codes(row.tokens) for row in evidence.rows]
    counts = [int(outcome.rule.counts(s)) for s in STATES]
    budgets = pricing.row_min + (cap - pricing.bound)
    open_cells = rows_to_open_cells(codes, [row.total for row in evidence.rows], counts, pricing.prices,
                                    model_to_tables(model), budgets)
    chosen = flat.states[solution.chosen]
    open_cells[np.arange(flat.n_rows)[:, None], np.arange(flat.states.shape[1])[None, :], chosen] = False
    return {(int(r), int(c), int(s)): cap for r, c, s in zip(*np.nonzero(open_cells), strict=True)}


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

"""The damage model, the evidence of a matrix and the readings of one row: costs, per-row
bounds, the window of readings a row may take and a reading's alignment to its tokens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from extractors.matrix.row_dp import (
    RowCosts,
    codes_to_padded,
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
EPS = 1e-6


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
                                                budgets[rows] + EPS, limit, *costs.arrays)
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


def rows_to_open_cells(codes: Sequence[tuple[int, ...]], targets: Sequence[int | None], counts: Sequence[int],
                       prices: np.ndarray, costs: RowCosts, budgets: np.ndarray) -> np.ndarray:
    """open[r, c, s]: some reading of row r meeting its total, with state s at column c, has a
    priced cost within ``budgets[r]``. Exact, without enumerating readings: the cheapest reading
    through (c, s) is the forward DP to column c, the move onto it, and the completion after it
    (``row_dp.open_cells``)."""
    out = np.zeros((len(codes), prices.shape[1], 3), dtype=bool)
    for group in counted_groups(codes, targets, counts, prices.shape[1]):
        rows, group_prices = group.rows, np.ascontiguousarray(prices[group.rows], dtype=float)
        out[rows] = open_cells(group.tokens, group_prices, group.goal, group.counts, budgets[rows] + EPS, *costs.arrays)
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

"""The readings of one matrix row within a damage window: its edit-distance DP in numpy.

A reading (one state per column) costs its edit distance to the row's mark tokens under the
damage model's four cost arrays (``RowCosts``): ``match[token, state]``, ``drop[state]`` (a
column without a token), ``insert[token]`` and ``insert_tail[token]`` (a token that is no
column, inside the run or after its last column). Tokens are 0 blank, 1 ●, 2 ○; states 0 none,
1 existing, 2 new.

``f[i]`` after column ``j`` is the cheapest alignment of tokens ``:i`` to columns ``:j`` with the
insertions after column ``j`` paid. A backward table (``completion``) gives, for every column
boundary, token position and number of counted cells still owed, the cheapest way to finish; a
prefix of states is followed only while its forward vector plus that completion fits the budget,
so every prefix kept leads to at least one reading within it (``row_to_readings``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EPS = 1e-6
INF = np.inf


@dataclass(frozen=True)
class RowCosts:
    """The damage model's costs as arrays."""

    match: np.ndarray  # [token, state]
    drop: np.ndarray  # [state]
    insert: np.ndarray  # [token] inside the run or before it
    insert_tail: np.ndarray  # [token] after the last column


@dataclass(frozen=True)
class RowReadings:
    """The readings of one row within a budget: states (readings, columns) and damage, in
    lexicographic order of states; ``complete`` is False when ``limit`` cut them."""

    states: np.ndarray
    cost: np.ndarray
    complete: bool


def insertion_prefix(tokens: np.ndarray, insert: np.ndarray) -> np.ndarray:
    """``q[i]``: the cost of inserting tokens ``:i`` at one boundary."""
    return np.concatenate([[0.0], np.cumsum(insert[tokens])])


def column_step(f: np.ndarray, tokens: np.ndarray, state: int, costs: RowCosts, last: bool, price: float = 0.0) -> np.ndarray:
    """The forward vectors (rows of ``f``) after one more column taking ``state`` at ``price``,
    the insertions after it paid (a prefix minimum of ``g - q``, shifted back by ``q``)."""
    g = f + (costs.drop[state] + price)
    g[:, 1:] = np.minimum(g[:, 1:], f[:, :-1] + (costs.match[tokens, state] + price))
    q = insertion_prefix(tokens, costs.insert_tail if last else costs.insert)
    return q + np.minimum.accumulate(g - q, axis=1)


def completion(tokens: np.ndarray, prices: np.ndarray, counted: Sequence[int], costs: RowCosts) -> np.ndarray:
    """``b[j, i, k]``: the cheapest alignment of tokens ``i:`` to columns ``j:`` (the insertions
    before column ``j`` paid, ``prices[j, s]`` added per cell) in which exactly ``k`` cells take
    a state with ``counted[s]``."""
    n_cols = len(prices)
    n = len(tokens)
    b = np.full((n_cols + 1, n + 1, n_cols + 1), INF)
    tail = insertion_prefix(tokens, costs.insert_tail)
    after = np.full((n + 1, n_cols + 1), INF)  # the insertions at the boundary to come, then b
    after[:, 0] = tail[-1] - tail
    b[n_cols, n, 0] = 0.0
    inside = insertion_prefix(tokens, costs.insert)
    for j in range(n_cols - 1, -1, -1):
        here = np.full((n + 1, n_cols + 1), INF)
        for s in range(3):
            shift = int(counted[s])
            moved = np.full((n + 1, n_cols + 1), INF)
            moved[:, shift:] = after[:, : n_cols + 1 - shift] + (costs.drop[s] + prices[j, s])
            moved[:-1, shift:] = np.minimum(moved[:-1, shift:],
                                            after[1:, : n_cols + 1 - shift] + (costs.match[tokens, s] + prices[j, s])[:, None])
            here = np.minimum(here, moved)
        b[j] = here
        suffix = np.minimum.accumulate((inside[:, None] + here)[::-1], axis=0)[::-1]
        after = suffix - inside[:, None]
    return b


def row_to_readings(tokens: Sequence[int], prices: np.ndarray, target: int | None, counted: Sequence[int],
                    costs: RowCosts, budget: float, limit: int) -> RowReadings:
    """Every reading whose priced damage (``prices[column, state]`` added) is at most ``budget``
    and whose counted cells number ``target`` (any number when None), at most ``limit`` of them
    (the cheapest prefixes kept); their damage without the prices."""
    codes, n_cols = np.asarray(tokens, dtype=np.int64), len(prices)
    counted = (0, 0, 0) if target is None else tuple(int(c) for c in counted)
    goal = 0 if target is None else target
    empty = RowReadings(np.zeros((0, n_cols), dtype=np.int8), np.zeros(0), True)
    if not 0 <= goal <= n_cols:
        return empty
    b = completion(codes, prices, counted, costs)
    f = insertion_prefix(codes, costs.insert_tail if n_cols == 0 else costs.insert)[None, :]
    owed, states, complete = np.array([goal]), np.zeros((1, 0), dtype=np.int8), True
    for j in range(n_cols):
        grown_f, grown_owed, grown_states, bounds = [], [], [], []
        for s in range(3):
            g = column_step(f, codes, s, costs, j + 1 == n_cols, prices[j, s])
            left = owed - counted[s]
            ok = (left >= 0) & (left <= n_cols - j - 1)
            bound = np.full(len(g), INF)
            bound[ok] = (g[ok] + b[j + 1][:, left[ok]].T).min(axis=1)
            grown_f.append(g)
            grown_owed.append(left)
            grown_states.append(np.hstack([states, np.full((len(states), 1), s, dtype=np.int8)]))
            bounds.append(bound)
        bound = np.concatenate(bounds)
        keep = np.flatnonzero(bound <= budget + EPS)
        if len(keep) > limit:
            keep, complete = np.sort(keep[np.argsort(bound[keep], kind="stable")[:limit]]), False
        order = keep[np.lexsort(np.concatenate(grown_states)[keep].T[::-1])] if j + 1 == n_cols else keep
        f, owed, states = np.concatenate(grown_f)[order], np.concatenate(grown_owed)[order], np.concatenate(grown_states)[order]
        if not len(order):
            return empty
    if n_cols == 0:
        cost = f[:, -1] if goal == 0 and f[0, -1] <= budget + EPS else np.zeros(0)
        return RowReadings(np.zeros((len(cost), 0), dtype=np.int8), cost, True)
    paid = prices[np.arange(n_cols)[None, :], states].sum(axis=1)
    return RowReadings(states, np.round(f[:, -1] - paid), complete)


def row_minimum(tokens: Sequence[int], prices: np.ndarray, target: int | None, counted: Sequence[int], costs: RowCosts) -> float:
    """The priced damage of the row's cheapest reading meeting ``target`` (inf when none does)."""
    codes, n_cols = np.asarray(tokens, dtype=np.int64), len(prices)
    goal = 0 if target is None else target
    if not 0 <= goal <= n_cols:
        return INF
    b = completion(codes, prices, (0, 0, 0) if target is None else counted, costs)
    f = insertion_prefix(codes, costs.insert_tail if n_cols == 0 else costs.insert)
    return float((f + b[0][:, goal]).min())


def states_to_alignment(tokens: Sequence[int], states: Sequence[int], costs: RowCosts) -> tuple[list[int], float]:
    """The cheapest edit script from ``states`` to ``tokens``: (the token index each column got,
    -1 for a dropped one; its cost). Traced back preferring a match, then a drop, then an insertion."""
    codes = np.asarray(tokens, dtype=np.int64)
    n, n_cols = len(codes), len(states)
    table = np.empty((n_cols + 1, n + 1))
    table[0] = insertion_prefix(codes, costs.insert_tail if n_cols == 0 else costs.insert)
    for j, s in enumerate(states):
        table[j + 1] = column_step(table[j : j + 1], codes, int(s), costs, j + 1 == n_cols)[0]
    matched = [-1] * n_cols
    j, i = n_cols, n
    while j or i:
        here = table[j, i]
        if j and i and abs(table[j - 1, i - 1] + costs.match[codes[i - 1], states[j - 1]] - here) < EPS:
            matched[j - 1] = i - 1
            j, i = j - 1, i - 1
        elif j and abs(table[j - 1, i] + costs.drop[states[j - 1]] - here) < EPS:
            j -= 1
        else:
            i -= 1
    return matched, float(table[n_cols, n])

"""Compiled edit-distance DPs of matrix rows under per-cell prices (numba).

A reading of a row (one state per column) costs its edit distance to the row's mark tokens
(``model.DamageModel``) plus the price of each (column, state) it takes. Column
generation prices every row each round, the window enumeration and the per-cell window test
run a DP that also counts the cells the row total counts; in numpy these were most of a
recovery's time (one array operation per column over all rows, most of the grid out of
reach), here each is a plain loop over one row at a time.

The costs come as four arrays: ``match[token, state]``, ``drop[state]`` (a column without a
token), ``insert[token]`` and ``insert_tail[token]`` (a token that is no column, inside the run
or after its last column). Tokens are 0 blank, 1 ●, 2 ○; states 0 none, 1 existing, 2 new.
Among equally cheap moves a trace back takes a match before a drop before an insertion, and
the lowest state first. Sums are compared with ``EPS`` slack.

The kernels are compiled when this module is imported and cached beside it (``cache=True``),
so a process pays the compilation once per machine and a few milliseconds per kernel after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

EPS = 1e-6
INF = np.inf
_INT = np.int64

_COSTS = "float64[:, :], float64[:], float64[:], float64[:]"  # match, drop, insert, insert_tail


@dataclass(frozen=True)
class RowCosts:
    """The damage model's costs as the kernels take them."""

    match: np.ndarray  # [token, state]
    drop: np.ndarray  # [state]
    insert: np.ndarray  # [token] inside the run or before it
    insert_tail: np.ndarray  # [token] after the last column

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.match, self.drop, self.insert, self.insert_tail


def codes_to_padded(codes: Sequence[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """(tokens (rows, longest), lengths): every row's token codes in one array for ``best_readings``."""
    lengths = np.array([len(c) for c in codes], dtype=np.int64)
    tokens = np.zeros((len(codes), int(lengths.max(initial=0))), dtype=np.int64)
    for r, row in enumerate(codes):
        tokens[r, : len(row)] = row
    return tokens, lengths


def rows_to_best_readings(tokens: np.ndarray, lengths: np.ndarray, prices: np.ndarray,
                          costs: RowCosts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(priced cost, states, damage) of each row's cheapest priced reading (``best_readings``)."""
    return best_readings(tokens, lengths, np.ascontiguousarray(prices, dtype=float), *costs.arrays)[:3]


def rows_to_aligned(tokens: np.ndarray, lengths: np.ndarray, states: np.ndarray, costs: RowCosts) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest edit script from each row's ``states`` to its tokens: (the token index each
    column got, -1 for a dropped one; the script's cost). ``best_readings`` with every other
    state barred."""
    barred = np.full(states.shape + (3,), INF)
    np.put_along_axis(barred, states[:, :, None], 0.0, axis=2)
    _, _, damage, matched = best_readings(tokens, lengths, barred, *costs.arrays)
    return matched, damage


@njit(f"Tuple((float64[:], int64[:, :], float64[:], int64[:, :]))(int64[:, :], int64[:], float64[:, :, :], {_COSTS})",
      cache=True, nogil=True)
def best_readings(tokens, lengths, prices, match, drop, insert, insert_tail):  # pragma: no cover - compiled
    """Each row's cheapest priced reading: (priced cost, states (R, C), damage without the
    prices, the token index each column got or -1 for a dropped one). Row r's tokens are
    ``tokens[r, :lengths[r]]``."""
    n_rows, n_cols = prices.shape[0], prices.shape[1]
    best = np.zeros(n_rows)
    states = np.zeros((n_rows, n_cols), dtype=_INT)
    damage = np.zeros(n_rows)
    matched = np.full((n_rows, n_cols), -1, dtype=_INT)
    f = np.empty((n_cols + 1, tokens.shape[1] + 1))  # f[j, i]: tokens :i on columns :j, insertions after j paid
    for r in range(n_rows):
        n = lengths[r]
        f[0, 0] = 0.0
        for i in range(1, n + 1):
            f[0, i] = f[0, i - 1] + (insert_tail[tokens[r, i - 1]] if n_cols == 0 else insert[tokens[r, i - 1]])
        for j in range(n_cols):
            cheapest_drop = INF
            for s in range(3):
                cheapest_drop = min(cheapest_drop, drop[s] + prices[r, j, s])
            last = j + 1 == n_cols
            for i in range(n + 1):
                v = f[j, i] + cheapest_drop
                if i:
                    t = tokens[r, i - 1]
                    for s in range(3):
                        v = min(v, f[j, i - 1] + match[t, s] + prices[r, j, s])
                    v = min(v, f[j + 1, i - 1] + (insert_tail[t] if last else insert[t]))
                f[j + 1, i] = v
        best[r] = f[n_cols, n]
        j, i = n_cols, n
        while j or i:
            here, moved = f[j, i], False
            if j and i:
                t = tokens[r, i - 1]
                for s in range(3):
                    if abs(f[j - 1, i - 1] + match[t, s] + prices[r, j - 1, s] - here) < EPS:
                        states[r, j - 1], matched[r, j - 1], moved = s, i - 1, True
                        damage[r] += match[t, s]
                        j, i = j - 1, i - 1
                        break
            if not moved and j:
                for s in range(3):
                    if abs(f[j - 1, i] + drop[s] + prices[r, j - 1, s] - here) < EPS:
                        states[r, j - 1], moved = s, True
                        damage[r] += drop[s]
                        j -= 1
                        break
            if not moved:
                t = tokens[r, i - 1]
                damage[r] += insert_tail[t] if j == n_cols else insert[t]
                i -= 1
    return best, states, damage, matched


@njit(cache=True, nogil=True)
def _band(tokens, prices, budget, lo, hi, match, drop, insert, insert_tail):  # pragma: no cover - compiled
    """Fill lo[j], hi[j]: the token positions i at column boundary j that some alignment within
    ``budget`` passes through, before or after the insertions there, counted cells aside (the
    plain forward cost to (j, i) plus the plain completion from it, each allowing those
    insertions). Any other (j, i) leads only to alignments over budget, so the counted DPs may
    skip them (hi < lo: none)."""
    n, n_cols = len(tokens), prices.shape[0]
    forward = np.empty((n_cols + 1, n + 1))
    after = np.full((n_cols + 1, n + 1), INF)  # without the insertions before column j
    before = np.empty(n + 1)
    forward[0, 0] = 0.0
    for i in range(1, n + 1):
        forward[0, i] = forward[0, i - 1] + (insert_tail[tokens[i - 1]] if n_cols == 0 else insert[tokens[i - 1]])
    for j in range(n_cols):
        cheapest_drop = min(drop[0] + prices[j, 0], drop[1] + prices[j, 1], drop[2] + prices[j, 2])
        last = j + 1 == n_cols
        for i in range(n + 1):
            v = forward[j, i] + cheapest_drop
            if i:
                t = tokens[i - 1]
                v = min(v, forward[j, i - 1] + min(match[t, 0] + prices[j, 0], match[t, 1] + prices[j, 1], match[t, 2] + prices[j, 2]),
                        forward[j + 1, i - 1] + (insert_tail[t] if last else insert[t]))
            forward[j + 1, i] = v
    after[n_cols, n] = 0.0
    for j in range(n_cols, -1, -1):
        if j < n_cols:
            cheapest_drop = min(drop[0] + prices[j, 0], drop[1] + prices[j, 1], drop[2] + prices[j, 2])
            for i in range(n + 1):
                v = before[i] + cheapest_drop
                if i < n:
                    t = tokens[i]
                    v = min(v, before[i + 1] + min(match[t, 0] + prices[j, 0], match[t, 1] + prices[j, 1], match[t, 2] + prices[j, 2]))
                after[j, i] = v
        before[n] = after[j, n]
        for i in range(n - 1, -1, -1):
            before[i] = min(after[j, i], before[i + 1] + (insert_tail[tokens[i]] if j == n_cols else insert[tokens[i]]))
        lo[j], hi[j] = n + 1, -1
        for i in range(n + 1):  # both sides with the insertions at j: a lower bound either side of them
            if forward[j, i] + before[i] <= budget:
                lo[j] = min(lo[j], i)
                hi[j] = i


@njit(cache=True, nogil=True)
def _completion(tokens, prices, goal, counts, lo, hi, after, before, match, drop, insert, insert_tail):  # pragma: no cover
    """Fill (after, before)[j, k, i] for one row: the cheapest way to align tokens ``i:`` with
    columns ``j:`` when k counted cells are read so far and the row must end on ``goal``;
    ``after`` once the insertions before column j are paid, ``before`` with them. ``counts[s]``
    is 1 when the row total counts state s. Only k <= goal is filled (more never finish), and
    ``after`` only inside the band ``lo[j]..hi[j]`` (``_band``; INF outside, which changes no
    test against the budget the band was made for)."""
    n, n_cols = len(tokens), prices.shape[0]
    reach = goal + 1
    after[:, :reach] = INF
    before[:, :reach] = INF
    after[n_cols, goal, n] = 0.0
    for j in range(n_cols, -1, -1):
        if j < n_cols:
            for k in range(reach):
                for i in range(lo[j], hi[j] + 1):
                    v = INF
                    for s in range(3):
                        k2 = k + counts[s]
                        if k2 >= reach:
                            continue
                        price = prices[j, s]
                        v = min(v, before[j + 1, k2, i] + drop[s] + price)
                        if i < n:
                            v = min(v, before[j + 1, k2, i + 1] + match[tokens[i], s] + price)
                    after[j, k, i] = v
        for k in range(reach):
            before[j, k, n] = after[j, k, n]
            for i in range(n - 1, -1, -1):
                t = tokens[i]
                before[j, k, i] = min(after[j, k, i], before[j, k, i + 1] + (insert_tail[t] if j == n_cols else insert[t]))


@njit(cache=True, nogil=True)
def _reachable(tokens, prices, goal, counts, budget, lo, hi, after, before, match, drop, insert, insert_tail):  # pragma: no cover
    """``_band`` then ``_completion`` for one row; False when no reading meeting ``goal`` fits
    ``budget`` (then the buffers need not be filled)."""
    _band(tokens, prices, budget, lo, hi, match, drop, insert, insert_tail)
    if hi[0] < lo[0]:
        return False
    _completion(tokens, prices, goal, counts, lo, hi, after, before, match, drop, insert, insert_tail)
    return before[0, 0, 0] <= budget


@njit(cache=True)
def _grown(owner, found, damage):  # pragma: no cover - compiled
    bigger = 2 * len(owner)
    new_owner = np.zeros(bigger, dtype=owner.dtype)
    new_found = np.zeros((bigger, found.shape[1]), dtype=found.dtype)
    new_damage = np.zeros(bigger)
    new_owner[: len(owner)], new_found[: len(owner)], new_damage[: len(owner)] = owner, found, damage
    return new_owner, new_found, new_damage


@njit(f"Tuple((int64[:], int8[:, :], float64[:]))(int64[:, :], float64[:, :, :], int64[:], int64[:], "
      f"float64[:], int64, {_COSTS})", cache=True, nogil=True)
def window_readings(tokens, prices, goal, counts, budget, limit, match, drop, insert, insert_tail):  # pragma: no cover
    """(row, states, damage) of every reading of rows of one token count whose priced cost is
    within ``budget[r]`` and which ends on ``goal[r]`` counted cells (``counts[s]`` is 1 when
    the row total counts state s), in lexicographic order of states, the first ``limit`` per row.

    Depth first over the columns; a prefix is extended only while some completion of it fits
    the budget (the exact completion costs, ``_completion``), so every prefix followed leads to
    a reading."""
    n_rows, n = tokens.shape
    n_cols = prices.shape[1]
    depth = goal.max() + 1 if n_rows else 1
    after = np.empty((n_cols + 1, depth, n + 1))
    before = np.empty((n_cols + 1, depth, n + 1))
    size = 0
    owner = np.zeros(64, dtype=_INT)
    found = np.zeros((64, n_cols), dtype=np.int8)
    damage = np.zeros(64)
    dp = np.empty((n_cols + 1, n + 1))  # dp[j, i]: the prefix's tokens :i on its columns :j
    counted = np.zeros(n_cols + 1, dtype=_INT)
    priced = np.zeros(n_cols + 1)
    state = np.zeros(n_cols + 1, dtype=_INT)  # the next state to try at each column
    chosen = np.zeros(n_cols, dtype=np.int8)
    lo, hi = np.zeros(n_cols + 1, dtype=_INT), np.zeros(n_cols + 1, dtype=_INT)
    for r in range(n_rows):
        if not _reachable(tokens[r], prices[r], goal[r], counts, budget[r], lo, hi, after, before, match, drop, insert, insert_tail):
            continue
        alive = False
        for i in range(n + 1):
            v = 0.0 if i == 0 else dp[0, i - 1] + (insert_tail[tokens[r, i - 1]] if n_cols == 0 else insert[tokens[r, i - 1]])
            dp[0, i] = v
        for i in range(n + 1):
            if dp[0, i] + after[0, 0, i] <= budget[r]:
                alive = True
            else:
                dp[0, i] = INF  # kept apart from the closure above, which needs the raw values
        if not alive:
            continue
        emitted, j = 0, 0
        state[0] = 0
        while j >= 0:
            if j == n_cols:
                if size == len(owner):
                    owner, found, damage = _grown(owner, found, damage)
                owner[size] = r
                found[size] = chosen
                damage[size] = dp[n_cols, n] - priced[n_cols]
                size += 1
                emitted += 1
                if emitted >= limit:
                    break
                j -= 1
                continue
            s = state[j]
            if s == 3:
                j -= 1
                continue
            state[j] = s + 1
            now = counted[j] + counts[s]
            if now > goal[r]:
                continue
            price = prices[r, j, s]
            last = j + 1 == n_cols
            raw_previous = INF
            alive = False
            for i in range(n + 1):
                if i < lo[j + 1] or i > hi[j + 1]:
                    dp[j + 1, i] = raw_previous = INF
                    continue
                v = dp[j, i] + drop[s] + price
                if i:
                    t = tokens[r, i - 1]
                    v = min(v, dp[j, i - 1] + match[t, s] + price)
                    v = min(v, raw_previous + (insert_tail[t] if last else insert[t]))
                raw_previous = v
                if v + after[j + 1, now, i] <= budget[r]:
                    dp[j + 1, i] = v
                    alive = True
                else:
                    dp[j + 1, i] = INF
            if not alive:
                continue
            chosen[j] = s
            counted[j + 1] = now
            priced[j + 1] = priced[j] + price
            j += 1
            state[j] = 0
    return owner[:size], found[:size], damage[:size]


@njit(f"boolean[:, :, :](int64[:, :], float64[:, :, :], int64[:], int64[:], float64[:], {_COSTS})",
      cache=True, nogil=True)
def open_cells(tokens, prices, goal, counts, budget, match, drop, insert, insert_tail):  # pragma: no cover
    """open[r, c, s]: some reading of the row ending on ``goal[r]`` counted cells takes state s
    at column c within ``budget[r]``: the forward DP to column c, the move onto (c, s), and the
    completion after it (``_completion``)."""
    n_rows, n = tokens.shape
    n_cols = prices.shape[1]
    depth = goal.max() + 1 if n_rows else 1
    out = np.zeros((n_rows, n_cols, 3), dtype=np.bool_)
    after = np.empty((n_cols + 1, depth, n + 1))
    before = np.empty((n_cols + 1, depth, n + 1))
    f = np.empty((n_cols + 1, depth, n + 1))  # f[j, k, i]: tokens :i on columns :j, k counted, insertions after j paid
    lo, hi = np.zeros(n_cols + 1, dtype=_INT), np.zeros(n_cols + 1, dtype=_INT)
    for r in range(n_rows):
        if not _reachable(tokens[r], prices[r], goal[r], counts, budget[r], lo, hi, after, before, match, drop, insert, insert_tail):
            continue
        reach = goal[r] + 1
        f[:] = INF
        f[0, 0, 0] = 0.0
        for i in range(1, n + 1):
            f[0, 0, i] = f[0, 0, i - 1] + (insert_tail[tokens[r, i - 1]] if n_cols == 0 else insert[tokens[r, i - 1]])
        for j in range(n_cols):
            last = j + 1 == n_cols
            for s in range(3):
                price = prices[r, j, s]
                fits = False
                for k in range(reach):
                    k2 = k + counts[s]
                    if k2 >= reach or fits:
                        break
                    for i in range(lo[j], hi[j] + 1):
                        here = f[j, k, i]
                        if here == INF:
                            continue
                        if here + drop[s] + price + before[j + 1, k2, i] <= budget[r]:
                            fits = True
                            break
                        if i < n and here + match[tokens[r, i], s] + price + before[j + 1, k2, i + 1] <= budget[r]:
                            fits = True
                            break
                out[r, j, s] = fits
            for k in range(reach):
                for i in range(n + 1):
                    if i < lo[j + 1] or i > hi[j + 1]:
                        f[j + 1, k, i] = INF
                        continue
                    v = INF
                    for s in range(3):
                        k0 = k - counts[s]
                        if k0 < 0:
                            continue
                        price = prices[r, j, s]
                        v = min(v, f[j, k0, i] + drop[s] + price)
                        if i:
                            v = min(v, f[j, k0, i - 1] + match[tokens[r, i - 1], s] + price)
                    if i:
                        v = min(v, f[j + 1, k, i - 1] + (insert_tail[tokens[r, i - 1]] if last else insert[tokens[r, i - 1]]))
                    f[j + 1, k, i] = v
    return out

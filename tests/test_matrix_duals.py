"""The pricing side of matrix recovery: the compiled row DP and trace back, the dual search's
bound, and the enumeration of a window of readings (which must find exactly the readings a
brute force over every state vector finds)."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from extractors.matrix.duals import duals_to_prices, search_duals
from extractors.matrix.model import (
    STATES,
    Candidate,
    DamageModel,
    RowTotalRule,
    align_row,
    model_to_tables,
    rows_to_alignments,
    rows_to_minima,
    rows_to_open_cells,
    rows_to_windows,
    tokens_to_codes,
)
from extractors.matrix.recovery import evidence_to_recovery
from extractors.matrix.row_dp import codes_to_padded, rows_to_best_readings
from extractors.matrix.solver import Solver
from tests.matrix_corpus import make_corpus

MARKS = ("", "●", "○")


def random_rows(rng: random.Random, n_rows: int, n_cols: int) -> list[tuple[str, ...]]:
    return [tuple(rng.choice(MARKS) for _ in range(n_cols + rng.choice((-1, 0, 0, 1, 2)))) for _ in range(n_rows)]


def random_prices(rng: random.Random, n_rows: int, n_cols: int, choices: tuple[float, ...]) -> np.ndarray:
    """prices[r, c, s], each drawn from ``choices``."""
    return np.array([[[rng.choice(choices) for _ in STATES] for _ in range(n_cols)] for _ in range(n_rows)])


def reference_cost(tokens: tuple[str, ...], states: tuple[int, ...], model: DamageModel) -> float:
    """The edit distance from ``states`` to ``tokens``, written out plainly: the oracle the
    compiled DPs are checked against."""
    codes = tokens_to_codes(tokens)
    cost = [[math.inf] * (len(codes) + 1) for _ in range(len(states) + 1)]
    for j in range(len(states) + 1):
        for i in range(len(codes) + 1):
            if not (i or j):
                cost[j][i] = 0.0
                continue
            options = []
            if j and i:
                options.append(cost[j - 1][i - 1] + model.match_cost(codes[i - 1], states[j - 1]))
            if j:
                options.append(cost[j - 1][i] + model.drop_cost(states[j - 1]))
            if i:
                options.append(cost[j][i - 1] + model.insert_cost(codes[i - 1], j == len(states)))
            cost[j][i] = min(options)
    return cost[-1][-1]


@pytest.mark.parametrize("seed", range(4))
def test_alignment_is_the_plain_edit_distance_and_accounts_for_every_token(seed: int) -> None:
    rng = random.Random(50 + seed)
    model = DamageModel()
    n_cols = 6
    rows = random_rows(rng, 40, n_cols)
    states = [tuple(rng.choice(STATES) for _ in range(n_cols)) for _ in rows]
    for row, vector, alignment in zip(rows, states, rows_to_alignments(rows, states, model), strict=True):
        assert alignment.cost == reference_cost(row, vector, model)
        assert alignment == align_row(row, vector, model)
        kept = n_cols - alignment.dropped_blanks - alignment.dropped_marks
        assert kept + alignment.extra_marks + alignment.extra_blanks == len(row)
        assert sum(1 for t in alignment.observed if t) <= sum(1 for t in row if t)


@pytest.mark.parametrize("seed", range(5))
def test_best_reading_is_the_cheapest_of_every_state_vector_and_its_damage_the_edit_distance(seed: int) -> None:
    rng = random.Random(seed)
    model = DamageModel()
    n_cols = 5
    rows = random_rows(rng, 12, n_cols)
    codes = [tokens_to_codes(r) for r in rows]
    prices = random_prices(rng, len(rows), n_cols, (0.0, 0.5, -0.5, 1.25))
    tokens, lengths = codes_to_padded(codes)
    best, states, damage = rows_to_best_readings(tokens, lengths, prices, model_to_tables(model))
    every = list(itertools.product(STATES, repeat=n_cols))
    for r, row in enumerate(rows):
        brute = min(reference_cost(row, v, model) + prices[r, np.arange(n_cols), v].sum() for v in every)
        assert best[r] == pytest.approx(brute)
        assert damage[r] + prices[r, np.arange(n_cols), states[r]].sum() == pytest.approx(best[r])
        assert reference_cost(row, tuple(states[r]), model) == damage[r]
    assert list(rows_to_minima(codes, prices, model_to_tables(model))) == pytest.approx(list(best))


def test_dual_bound_never_exceeds_the_certified_optimum() -> None:
    from extractors.content.participation_layout import matrix_to_evidence

    for case in make_corpus(3, first_seed=4100):
        evidence, _ = matrix_to_evidence(case_matrix(case))
        recovery = evidence_to_recovery(evidence)
        solver = Solver(evidence, recovery.rule, DamageModel())
        found = search_duals(solver.codes, solver.totals, [recovery.rule.counts(s) for s in STATES],
                             evidence.n_columns, model_to_tables(DamageModel()), 60)
        assert found.feasible
        assert found.bound <= recovery.cost + 1e-6
        assert recovery.cost - found.bound < 3  # and it is a useful bound, not a trivial one


def case_matrix(case):
    from extractors.content.participation_layout import table_to_matrices
    from extractors.normalize.gazetteer import default_gazetteer
    from extractors.readers import read_document

    document = read_document(case.text.encode("utf-8"), "matrix.txt")
    return next(m for t in document.tables for m in table_to_matrices(t, default_gazetteer()))  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", range(6))
def test_window_enumeration_finds_exactly_the_readings_within_budget(seed: int) -> None:
    rng = random.Random(100 + seed)
    model = DamageModel()
    n_cols = 5
    rows = random_rows(rng, 8, n_cols)
    codes = [tokens_to_codes(r) for r in rows]
    prices = random_prices(rng, len(rows), n_cols, (0.0, 0.5, -1.0))
    tables = model_to_tables(model)
    budgets = rows_to_minima(codes, prices, tables) + 4.0
    every = list(itertools.product(STATES, repeat=n_cols))  # lexicographic
    for rule in RowTotalRule:
        counts = [int(rule.counts(s)) for s in STATES]
        targets = [rng.choice([None, *range(n_cols + 1)]) for _ in rows]
        found = rows_to_windows(codes, targets, counts, prices, tables, budgets, 10_000)
        for r, row in enumerate(rows):
            expected = []
            for states in every:
                if targets[r] is not None and sum(rule.counts(s) for s in states) != targets[r]:
                    continue
                damage = int(reference_cost(row, states, model))
                if damage + prices[r, np.arange(n_cols), states].sum() <= budgets[r] + 1e-6:
                    expected.append(Candidate(states, damage))
            assert found[r] == expected
        assert sum(map(len, found)) > len(rows)  # the budget leaves real choice
        capped = rows_to_windows(codes, targets, counts, prices, tables, budgets, 3)
        assert capped == [f[:3] for f in found]  # the limit keeps each row's first readings


@pytest.mark.parametrize("seed", range(4))
def test_open_cells_are_exactly_the_cells_some_reading_within_budget_takes(seed: int) -> None:
    # the per-cell DP (forward to the column, the move, backward after it) against the union of
    # the enumerated readings, which the test above checks against brute force
    rng = random.Random(200 + seed)
    n_cols = 6
    rows = random_rows(rng, 10, n_cols)
    codes = [tokens_to_codes(r) for r in rows]
    prices = random_prices(rng, len(rows), n_cols, (0.0, 0.5, -1.0))
    tables = model_to_tables(DamageModel())
    budgets = rows_to_minima(codes, prices, tables) + np.array([rng.choice((0.0, 2.0, 5.0)) for _ in rows])
    for rule in RowTotalRule:
        counts = [int(rule.counts(s)) for s in STATES]
        targets = [rng.choice([None, *range(n_cols + 1)]) for _ in rows]
        readings = rows_to_windows(codes, targets, counts, prices, tables, budgets, 100_000)
        expected = np.zeros((len(rows), n_cols, 3), dtype=bool)
        for r, found in enumerate(readings):
            for candidate in found:
                expected[r, np.arange(n_cols), candidate.states] = True
        assert np.array_equal(rows_to_open_cells(codes, targets, counts, prices, tables, budgets), expected)
        assert (expected.sum(axis=2) > 1).any()  # some cells have more than one state open


def test_prices_follow_the_duals_of_the_totals_that_count_a_cell() -> None:
    from extractors.matrix.master import Total

    totals = [Total("row", 1, 2, frozenset({1, 2})), Total("existing", 0, 1, frozenset({1})), Total("new", None, 3, frozenset({2}))]
    prices = duals_to_prices(np.array([1.0, 2.0, 0.5]), totals, 2, 3)
    assert prices[1, 0].tolist() == [0.0, -3.0, -1.5]
    assert prices[0, 0].tolist() == [0.0, -2.0, -0.5]
    assert prices[0, 2].tolist() == [0.0, 0.0, -0.5]


def test_readings_the_duals_exclude_are_in_no_solution_within_the_cap() -> None:
    # soundness of the exclusion the ambiguity search relies on: each excluded reading, forced
    # into an exact MILP, gives no solution meeting the totals within the cap
    from extractors.content.participation_layout import matrix_to_evidence
    from extractors.matrix.ambiguity import ForcedLp, PoolBound, outcome_within
    from extractors.matrix.highs import solve_milp_arrays
    from extractors.matrix.master import flat_to_matrix
    from extractors.matrix.recovery import row_total_rules
    from tests.matrix_corpus import make_case
    from tests.test_participation import matrices_of

    ev, _ = matrix_to_evidence(matrices_of(make_case(1003).text)[0])
    model = DamageModel()
    outcome = Solver(ev, row_total_rules(ev)[0], model).solve()
    cap = outcome.solution.objective + model.margin
    within = outcome_within(outcome, cap)
    flat = within.flat
    a, rhs = flat_to_matrix(flat, within.totals)
    lp = ForcedLp(flat, a, rhs)
    lp.solve()
    bound = PoolBound(flat, a, rhs, within.solution.chosen)
    excluded = bound.exclude(lp.duals, cap)
    assert len(excluded) > 0 and not set(excluded) & set(within.solution.chosen.tolist())
    for k in excluded[:: max(1, len(excluded) // 12)]:
        upper = np.ones(len(flat.cost))
        upper[flat.owner == flat.owner[k]] = 0.0
        upper[k] = 1.0
        res = solve_milp_arrays(flat.cost, a, rhs, rhs, upper, np.ones(len(upper)), {})
        assert res.optimal or res.infeasible
        assert res.x is None or res.objective > cap + 1e-6

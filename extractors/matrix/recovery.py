"""The recipe: evidence in, a recovered matrix out (``evidence_to_recovery``), trying each
row-total rule the evidence allows. The package's entry point: the types of its input and output
are importable from here too (``__all__``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from extractors.matrix.ambiguity import ambiguity_pairs, cells_to_confidence, find_alternatives, outcome_within
from extractors.matrix.master import evidence_to_totals
from extractors.matrix.model import (
    EXISTING,
    NEW,
    NONE,
    STATE_NAMES,
    STATES,
    DamageModel,
    MatrixEvidence,
    Recovery,
    RowAlignment,
    RowEvidence,
    RowTotalRule,
    TotalCheck,
    Totals,
    model_to_tables,
    rows_to_alignments,
    rows_to_open_cells,
    tokens_to_codes,
)
from extractors.matrix.solver import Outcome, Solver

__all__ = [
    "EXISTING", "NEW", "NONE", "STATE_NAMES", "STATES", "DamageModel", "MatrixEvidence", "Recovery", "RowAlignment",
    "RowEvidence", "RowTotalRule", "TotalCheck", "Totals", "evidence_to_recovery", "total_checks",
]

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
    outcomes = [o for rule in rules if (o := Solver(evidence, rule, model).solve()) is not None]
    if not outcomes:
        outcomes = [Solver(evidence, rule, model).solve_soft() for rule in nearest_rules(evidence, rules)]
    best = min(outcomes, key=lambda o: (len(o.solution.violated), o.solution.objective))
    return outcome_to_recovery(evidence, best, model)


def outcome_to_recovery(evidence: MatrixEvidence, outcome: Outcome, model: DamageModel) -> Recovery:
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


def limited_alternatives(evidence: MatrixEvidence, outcome: Outcome, model: DamageModel) -> dict[tuple[int, int, int], float]:
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

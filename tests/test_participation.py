"""Participation matrices: recovery with the printed totals as constraints, on the 003 sample, on
small hand-made cases whose answer is known by construction, and on a generated corpus of
damaged matrices with known truth (tests/matrix_corpus.py), measured cell by cell."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from extractors.content.base import ExtractContext
from extractors.content.participation import ParticipationExtractor
from extractors.content.participation_layout import matrix_to_evidence, table_to_matrices
from extractors.matrix.master import evidence_to_totals, independent_totals
from extractors.matrix.model import EXISTING, NEW, NONE, DamageModel, MatrixEvidence, RowEvidence, RowTotalRule, Totals, align_row
from extractors.matrix.recovery import evidence_to_recovery, total_checks
from extractors.normalize.gazetteer import default_gazetteer
from extractors.readers import read_document
from schemas.quality import Code
from tests.matrix_corpus import make_case, make_corpus

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
F003 = "003_feeaa7bd0b434e1c.txt"
STATUS = {NONE: "none", EXISTING: "existing", NEW: "new"}
CORPUS_SIZE = 32


def parse(text: str, name: str = "matrix.txt"):
    document = read_document(text.encode("utf-8"), name)
    return document, document.tables


def matrices_of(text: str):
    _, tables = parse(text)
    return [m for t in tables for m in table_to_matrices(t, default_gazetteer())]


# --- the 003 sample ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_003():
    text = (SEEDS / F003).read_text("utf-8")
    document, blocks = parse(text, F003)
    extraction = ParticipationExtractor().extract(document, blocks, ExtractContext())
    return text, extraction


def test_sample_003_recovery_meets_every_printed_total(sample_003) -> None:
    text, _ = sample_003
    matrices = matrices_of(text)
    assert matrices, "the matrix of 003 is not found"
    for matrix in matrices:
        evidence, problems = matrix_to_evidence(matrix)
        assert problems == []
        recovery = evidence_to_recovery(evidence)
        checks = total_checks(evidence, recovery.states, recovery.rule)
        # 46 row totals, 9 members x (●, ○, total), and the three grand totals
        assert len(checks) == 46 + 9 * 3 + 3
        assert [c for c in checks if c.printed != c.recovered] == []
        assert recovery.violated == ()
        assert recovery.certified


def test_sample_003_participation_is_long_form_projects_by_members(sample_003) -> None:
    _, extraction = sample_003
    rows = extraction.participation
    members = {r.municipality_code for r in rows}
    projects = {r.project_number for r in rows}
    assert len(members) == 9 and len(projects) == 46
    assert len(rows) == 46 * 9
    assert len({(r.matrix, r.project_number, r.municipality_code) for r in rows}) == len(rows)
    assert {r.status for r in rows} == {"existing", "new", "none"}
    assert all(len(r.municipality_code) == 6 for r in rows)
    assert sorted(p.project_number for p in extraction.projects) == list(range(1, 47))
    assert all(p.project_name for p in extraction.projects)
    assert {m.municipality_code for m in extraction.region_members} == members


def test_sample_003_doubtful_cells_are_flagged_not_guessed_silently(sample_003) -> None:
    _, extraction = sample_003
    ambiguous = [r for r in extraction.participation if r.ambiguous]
    sure = [r for r in extraction.participation if not r.ambiguous]
    assert all(r.confidence < 1.0 for r in ambiguous)
    assert all(r.confidence == 1.0 for r in sure)
    flagged = {i.location for i in extraction.issues if i.code is Code.CELL_AMBIGUOUS and ", No " in (i.location or "")}
    assert len(flagged) == len({r.project_number for r in ambiguous})
    # the spurious extra marks of 003 are repaired and said so
    assert sum(1 for i in extraction.issues if i.code is Code.CELL_REPAIRED) >= 10


# --- small cases with a known answer -------------------------------------------------------------


def evidence(rows, totals: Totals, n_columns: int) -> MatrixEvidence:
    return MatrixEvidence(tuple(RowEvidence(tuple(t), total) for t, total in rows), n_columns, totals)


def test_extra_tail_marks_are_dropped_by_the_totals() -> None:
    # truth: ●●_ / ●●● ; the first row shows a spurious mark after its run
    ev = evidence([(["●", "●", "", "●"], 2), (["●", "●", "●"], 3)],
                  Totals(existing=(2, 2, 1), new=(0, 0, 0), total=(2, 2, 1)), 3)
    recovery = evidence_to_recovery(ev)
    assert recovery.states == ((EXISTING, EXISTING, NONE), (EXISTING, EXISTING, EXISTING))
    assert not any(any(row) for row in recovery.ambiguous)
    assert recovery.alignments[0].extra_marks == 1


def test_a_tie_the_totals_cannot_break_is_ambiguous() -> None:
    # two rows of one mark each, each printed in the wrong column for one reading or the other:
    # both readings meet every total and cost the same, so every cell involved is ambiguous
    ev = evidence([(["●"], 1), (["●"], 1)], Totals(existing=(1, 1), new=(0, 0), total=(1, 1)), 2)
    recovery = evidence_to_recovery(ev)
    assert all(all(row) for row in recovery.ambiguous)
    assert all(c == pytest.approx(0.5) for row in recovery.confidence for c in row)


@pytest.mark.parametrize("n_rows", [2, 3, 6])
def test_an_exact_tie_is_broken_the_same_way_in_any_document(n_rows) -> None:
    # every row prints ○ in one column, the counts say one of them is ●: each row's swap costs
    # the same and is as far from print, so the earlier rows stay as printed and the last row
    # takes the ●, however the solver reached its optimum; every cell stays ambiguous
    rows = [(["○"], 1)] * n_rows
    ev = evidence(rows, Totals(existing=(1,), new=(n_rows - 1,), total=(n_rows,)), 1)
    recovery = evidence_to_recovery(ev)
    assert recovery.states == ((NEW,),) * (n_rows - 1) + ((EXISTING,),)
    assert all(row == (True,) for row in recovery.ambiguous)
    assert recovery.certified


def test_implied_totals_are_left_out_of_the_problem_but_still_hold() -> None:
    # member totals equal ● + ○ and the grand totals equal their columns' sums: implied, so the
    # problem drops them; a member total that disagrees with its counts is not implied and stays
    rows = [(["●", "○"], 2), (["●", ""], 1)]
    consistent = Totals(existing=(2, 0), new=(0, 1), total=(2, 1), grand_existing=2, grand_new=1, grand_total=3)
    ev = evidence(rows, consistent, 2)
    kept = {(t.kind, t.index) for t in independent_totals(evidence_to_totals(ev, RowTotalRule.PARTICIPATING))}
    assert kept == {("row", 0), ("row", 1), ("existing", 0), ("existing", 1), ("new", 0), ("new", 1)}
    recovery = evidence_to_recovery(ev)
    assert all(c.printed == c.recovered for c in total_checks(ev, recovery.states, recovery.rule))
    contradicting = evidence(rows, Totals(existing=(2, 0), new=(0, 1), total=(2, 2)), 2)
    kept = {(t.kind, t.index) for t in independent_totals(evidence_to_totals(contradicting, RowTotalRule.PARTICIPATING))}
    assert ("total", 1) in kept and ("total", 0) not in kept


def test_contradicting_totals_give_the_fewest_violations_and_report_them() -> None:
    # the per-member ● counts sum to 3, the grand total says 4: one total at least must break
    ev = evidence([(["●", "●"], 2), (["●", ""], 1)],
                  Totals(existing=(2, 1), new=(0, 0), total=(2, 1), grand_existing=4, grand_total=3), 2)
    recovery = evidence_to_recovery(ev)
    assert recovery.states == ((EXISTING, EXISTING), (EXISTING, NONE))
    assert [(v.kind, v.index, v.printed, v.recovered) for v in recovery.violated] == [("existing", None, 4, 3)]
    assert not recovery.certified
    assert all(all(row) for row in recovery.ambiguous), "a reading that misses a printed total shows no cell as sure"


def test_a_header_with_fewer_members_than_the_rows_mark_flags_every_cell() -> None:
    # layout text (cells placed by position): four mark columns under a header naming three members
    text = "\n".join([
        "  No   事業名        旭川市     鷹栖町     当麻町     合計",
        "   1   公共施設      ●     ●     ●     ●     4",
        "   2   空港利用      ●           ●     ●     3",
        "   3   移住促進      ●     ●           ●     3",
        "   4   特産品        ●     ●     ●           3",
    ])
    document, tables = parse(text + "\n")
    extraction = ParticipationExtractor().extract(document, tables, ExtractContext())
    assert extraction.participation, "the matrix is read"
    assert all(r.ambiguous for r in extraction.participation)
    assert any(i.code == Code.CELL_AMBIGUOUS and "not read" in i.message for i in extraction.issues)


def test_align_row_counts_each_kind_of_damage() -> None:
    model = DamageModel()
    shifted = align_row(("", "●", "●", "●"), (EXISTING, EXISTING, EXISTING), model)
    assert shifted.extra_blanks == 1 and shifted.cost == model.extra_blank
    dropped = align_row(("●", "●"), (EXISTING, NONE, EXISTING), model)
    assert dropped.dropped_blanks == 1 and dropped.cost == model.dropped_blank


def test_row_total_rule_is_read_from_the_totals() -> None:
    # each row prints ● only: 1 + 1 = grand ● total 2, not the grand total 3
    ev = evidence([(["●", "○"], 1), (["●", ""], 1)],
                  Totals(existing=(2, 0), new=(0, 1), total=(2, 1), grand_existing=2, grand_new=1, grand_total=3), 2)
    recovery = evidence_to_recovery(ev)
    assert recovery.rule is RowTotalRule.EXISTING
    assert recovery.states == ((EXISTING, NEW), (EXISTING, NONE))


def test_damage_model_is_validated() -> None:
    with pytest.raises(ValueError):
        DamageModel(extra_mark=0)
    with pytest.raises(ValueError):
        DamageModel(margin=-1)


# --- the generated corpus ------------------------------------------------------------------------


def score_case(case):
    """(cells, right, wrong and not flagged, flagged, projects, projects exact) of one case."""
    document, blocks = parse(case.text, f"matrix-{case.seed}.txt")
    extraction = ParticipationExtractor().extract(document, blocks, ExtractContext())
    got = {(r.project_number, r.municipality_code): r for r in extraction.participation}
    cells = right = unflagged = flagged = 0
    for project in case.projects:
        for member, state in zip(case.members, project.states, strict=True):
            cells += 1
            row = got.get((project.number, member.code))
            flagged += bool(row and row.ambiguous)
            if row is not None and row.status == STATUS[state]:
                right += 1
            elif row is None or not row.ambiguous:
                unflagged += 1
    projects = {p.project_number: p for p in extraction.projects}
    exact = 0
    for project in case.projects:
        row = projects.get(project.number)
        if row is None:
            continue
        printed = tuple(c for c in (row.category_1, row.category_2, row.category_3) if c)
        exact += row.project_name == project.name and printed == tuple(c for c in project.categories if c)
    return cells, right, unflagged, flagged, len(case.projects), exact


def test_generated_corpus_is_recovered_cell_by_cell() -> None:
    corpus = make_corpus(CORPUS_SIZE)
    figures = Counter()
    bad_cases = []
    for case in corpus:
        cells, right, unflagged, flagged, projects, exact = score_case(case)
        figures.update(cells=cells, right=right, unflagged=unflagged, flagged=flagged, projects=projects, exact=exact)
        if unflagged or exact != projects:
            bad_cases.append(case.seed)
    accuracy = figures["right"] / figures["cells"]
    print(
        f"\nparticipation corpus: {len(corpus)} matrices, {figures['cells']} cells, accuracy {accuracy:.4%}, "
        f"wrong and not flagged {figures['unflagged']}, flagged ambiguous {figures['flagged']}, "
        f"projects exact {figures['exact']}/{figures['projects']}; cases with problems: {bad_cases}"
    )
    assert accuracy >= 0.995
    assert figures["unflagged"] == 0
    assert figures["exact"] == figures["projects"]


@pytest.mark.parametrize("seed", [1003, 1012, 1018])
def test_a_search_stopped_on_its_limit_flags_at_least_what_the_full_search_does(seed) -> None:
    # the same optimum taken as if a solver limit had stopped the search: no proofs, so every cell
    # another reading within the margin may take is flagged, a superset of the proven flags
    from dataclasses import replace

    from extractors.matrix.recovery import outcome_to_recovery, row_total_rules
    from extractors.matrix.solver import Solver

    case = make_case(seed)  # the corpus's own cases (make_corpus numbers them from 1000)
    matrices = matrices_of(case.text)
    ev, _ = matrix_to_evidence(matrices[0])
    model = DamageModel()
    outcome = Solver(ev, row_total_rules(ev)[0], model).solve()
    assert outcome is not None and outcome.certified
    full = outcome_to_recovery(ev, outcome, model)
    limited = outcome_to_recovery(ev, replace(outcome, limited=True, certified=False), model)
    assert limited.states == full.states and limited.limited and not limited.certified
    cells = [(r, c) for r, row in enumerate(full.ambiguous) for c, flag in enumerate(row)]
    assert all(limited.ambiguous[r][c] for r, c in cells if full.ambiguous[r][c])
    assert sum(map(sum, limited.ambiguous)) >= sum(map(sum, full.ambiguous)) > 0
    assert limited.undecided > 0


def test_a_reading_not_proven_the_cheapest_says_so_in_quality(monkeypatch) -> None:
    # past the plan size a MILP stops on its limit: the document still gets the best reading found,
    # and a quality row tells the reader it is not proven; without the limit there is no such row
    import extractors.matrix.solver as solver_module
    from extractors.matrix.master import SEARCH_LIMIT

    case = make_case(1012)
    document, blocks = parse(case.text, "matrix-1012.txt")

    def not_proven(extraction) -> list[str]:
        return [i.message for i in extraction.issues if i.code == Code.CELL_AMBIGUOUS and "not proven" in i.message]

    assert not not_proven(ParticipationExtractor().extract(document, blocks, ExtractContext()))
    monkeypatch.setattr(solver_module, "solve_milp", lambda *args, **kwargs: SEARCH_LIMIT)
    stopped = ParticipationExtractor().extract(document, blocks, ExtractContext())
    assert len(not_proven(stopped)) == 1
    assert len(stopped.participation) == len(case.projects) * len(case.members)


@pytest.mark.parametrize("seed", [1003, 1012, 1018, 1024])
def test_a_search_stopped_before_any_solution_flags_every_cell_and_lists_the_missed_totals(seed, monkeypatch) -> None:
    # every MILP stops on its limit at once (as on a matrix far larger than plans print): what is
    # left is each row's cheapest reading under the LP's prices, nothing presented as sure, and
    # the totals it misses listed
    import extractors.matrix.solver as solver_module
    from extractors.matrix.master import SEARCH_LIMIT

    monkeypatch.setattr(solver_module, "solve_milp", lambda *args, **kwargs: SEARCH_LIMIT)
    case = make_case(seed)
    ev, _ = matrix_to_evidence(matrices_of(case.text)[0])
    recovery = evidence_to_recovery(ev)
    assert recovery.limited and not recovery.certified
    missed = [(c.kind, c.index) for c in total_checks(ev, recovery.states, recovery.rule) if c.printed != c.recovered]
    assert [(v.kind, v.index) for v in recovery.violated] == missed
    assert missed, "the LP's cheapest readings alone miss some total on these cases"
    assert all(all(row) for row in recovery.ambiguous)
    assert all(c < 0.5 for row in recovery.confidence for c in row)

"""Priority-measure matrices -> projects: the real sample 000, synthetic damaged tables with
known truth, and the pure steps one by one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from extractors.content.base import ExtractContext, Extraction
from extractors.content.priority_entries import Anchor, anchors_to_levels
from extractors.content.priority_matrix import PriorityMatrixExtractor
from extractors.content.priority_placement import PlacementSettings, Slot, place_chain
from extractors.content.priority_rows import (
    Marker,
    PrintedLabel,
    cells_to_row,
    context_to_heading,
    lines_to_header,
    text_to_marker,
)
from extractors.model.document import Line
from extractors.readers import ReadFailure, read_document
from schemas.quality import Code, Severity
from schemas.tables import ProjectRow

SAMPLE = Path(__file__).resolve().parent.parent / "seeds" / "000_0427b4530d9cecfe.txt"


def extract_text(text: str, extractor: PriorityMatrixExtractor | None = None) -> Extraction:
    document = read_document(text.encode(), "synthetic.txt")
    assert not isinstance(document, ReadFailure)
    blocks = document.tables
    return (extractor or PriorityMatrixExtractor()).extract(document, blocks, ExtractContext())


def no_similarity(texts: Sequence[str]):
    """A similarity that knows nothing: layout evidence alone decides."""
    return lambda a, b: 0.0


def by_number(projects: Sequence[ProjectRow]) -> dict[int | None, list[ProjectRow]]:
    out: dict[int | None, list[ProjectRow]] = {}
    for p in projects:
        out.setdefault(p.project_number, []).append(p)
    return out


def flags(p: ProjectRow) -> set[str]:
    return set((p.flags or "").split(";")) - {""}


# --- the real sample ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Extraction:
    return extract_text(SAMPLE.read_text(encoding="utf-8"))


S1 = "1 圏域全体の経済成長のけん引"
S2 = "2 高次の都市機能の集積・強化"
S3 = "3 圏域全体の生活関連機能サービスの向上"
L1 = "(1) 生活機能の強化"
L2 = "(2) 結びつきやネットワークの強化"

# (NO, name, category_1, category_2, category_3, measures, page): rows whose placement the layout
# or a clear semantic margin decides, including labels printed on a neighbouring row.
SAMPLE_ROWS = [
    (1, "連携事業の企画、立案、効果検証", S1, "a 経済戦略の推進", None, "1;2;3;4;5;6", 54),
    (2, "連携した企業誘致の推進", S1, "b 戦略産業の育成", None, "1", 55),
    (8, "販路拡大に向けた支援", S1, "c 地域経済の裾野拡大", None, "2", 58),
    (12, "MICE誘致の推進", S1, "d 戦略的な観光施策", None, "1", 60),
    (13, "三次救急医療等の提供", S2, "a 高度な医療サービスの提供", None, "3;4", 61),
    (16, "社会や企業等のニーズに対応できる人材の育成", S2, "c 高等教育機関の集積を活かした人材の育成", None, "3;6", 63),
    (17, "公共施設の相互利用や配置に関する検討", S2, "d その他高次の都市機能の集積・強化に関する連携", None, "3;4", 64),
    # section 3: header with another column count, label-only rows, labels printed a row early
    (18, "救急医療の維持・向上等に向けた取組の推進", S3, L1, "a 地域医療", "6", 65),
    (19, "保育サービスの向上に向けた取組の推進", S3, L1, "b 福祉", "6", 66),
    (20, "生活困窮者自立支援法の任意事業に関する情報共有", S3, L1, "b 福祉", "6", 66),
    (21, "特色ある教育活動の充実に向けた取組の推進", S3, L1, "c 教育・文化・スポーツ", "6", 67),
    (22, "文化的な教育活動の充実に向けた取組の推進", S3, L1, "c 教育・文化・スポーツ", "3;6", 67),
    (25, "都市計画に関する情報共有", S3, L1, "d 土地利用", "6", 69),
    (29, "子育て環境の向上に向けた取組の推進", S3, L1, "e 地域振興", "6", 71),
    (30, "災害に備える連携の推進", S3, L1, "f 災害対策", "6", 71),
    (34, "脱炭素に向けた取組の推進", S3, L1, "g 環境", "1;2;3;4;5;6", 73),
    (37, "地域公共交通の維持・向上に向けた取組の推進", S3, L2, "a 地域公共交通", "6", 75),
    (38, "オープンデータプラットフォームの共同利用", S3, L2, "b ICTインフラ整備", "6", 76),
    (40, "圏域内農産物の消費促進", S3, L2, "c 連携による地産地消", "2;6", 77),
    (42, "若者の出会い創出", S3, L2, "d 交流・移住促進", "6", 79),
    (47, "札幌市東京事務所を活用した首都圏PR等の促進", S3, L2, "e その他結びつきやネットワークの強化に関する連携", "4;6", 81),
    (52, "職員交流", S3, "ト 圏域力の強化", "b 職員等の交流", "6", 84),
]


def test_sample_has_53_distinct_numbers_each_with_page_and_measures(sample: Extraction) -> None:
    numbers = {p.project_number for p in sample.projects}
    assert numbers == set(range(1, 54))
    assert all(p.page_ref is not None and p.priority_measures for p in sample.projects)
    assert len(sample.projects) == 54  # NO 53 is shared by two projects with different names
    assert [p.row for p in sample.projects] == list(range(54))


@pytest.mark.parametrize(("number", "name", "c1", "c2", "c3", "measures", "page"), SAMPLE_ROWS)
def test_sample_rows(sample: Extraction, number, name, c1, c2, c3, measures, page) -> None:
    [p] = by_number(sample.projects)[number]
    got = (p.project_name, p.category_1, p.category_2, p.category_3, p.priority_measures, p.page_ref)
    assert got == (name, c1, c2, c3, measures, page)


def test_sample_label_only_rows_are_not_projects(sample: Extraction) -> None:
    numbers = by_number(sample.projects)
    assert [len(numbers[n]) for n in (18, 37, 52)] == [1, 1, 1]  # each also printed on a label-only row
    labels = {c for p in sample.projects for c in (p.category_2, p.category_3) if c}
    assert not labels & {p.project_name for p in sample.projects}
    notes = [i for i in sample.issues if i.code is Code.DUPLICATE_NUMBER and i.severity is Severity.INFO]
    assert [i.location for i in notes] == ["page 1, line 47", "page 1, line 67", "page 1, line 83"]


def test_sample_duplicates_and_missing_name_are_issues(sample: Extraction) -> None:
    shared = by_number(sample.projects)[53]
    assert [p.project_name for p in shared] == ["職員研修等の合同実施", "航空写真の共同撮影"]
    assert all("duplicate-number" in flags(p) for p in shared)
    warnings = [i for i in sample.issues if i.code is Code.DUPLICATE_NUMBER and i.severity is Severity.WARNING]
    assert len(warnings) == 1 and "NO 53" in warnings[0].message
    [missing] = by_number(sample.projects)[51]
    assert missing.project_name is None and "missing-name" in flags(missing)
    assert missing.page_ref == 83 and missing.priority_measures == "6"
    assert [i.location for i in sample.issues if i.code is Code.MISSING_NAME] == ["page 1, line 82"]


def test_sample_garbled_marker_is_read_from_the_sequence_and_kept_as_printed(sample: Extraction) -> None:
    [repair] = [i for i in sample.issues if i.code is Code.CELL_REPAIRED]
    assert "'(3)'" in repair.message and repair.location == "page 1, line 81"
    assert {p.category_2 for p in by_number(sample.projects)[52]} == {"ト 圏域力の強化"}


def test_sample_uncertain_placements_are_flagged_and_reported(sample: Extraction) -> None:
    flagged = [p for p in sample.projects if "label-placement-uncertain" in flags(p)]
    reported = [i for i in sample.issues if i.code is Code.LABEL_PLACEMENT_UNCERTAIN]
    assert flagged and reported
    assert all(i.severity is Severity.WARNING for i in reported)
    assert len(flagged) <= 6  # only close calls, not the whole table
    decided = {n for n, *_ in SAMPLE_ROWS}
    assert not decided & {p.project_number for p in flagged}


# --- synthetic tables with known truth ------------------------------------------------------------

CIRCLED = "①②③④⑤⑥"


@dataclass(frozen=True)
class Truth:
    number: int
    name: str
    categories: tuple[str, ...]  # the table's label levels, top first
    measures: tuple[int, ...]
    page: int


def header_lines(levels: int, extra: int = 0) -> list[str]:
    tail = [""] * extra
    top = ["政策分野", *[""] * (levels - 1), "事業名", "重点施策", *[""] * 5, "掲載ページ", "No", *tail]
    return ["\t".join(top), "\t".join(["", *[""] * levels, *CIRCLED, "", "", *tail])]


def truth_to_rows(projects: Sequence[Truth]) -> list[list[str]]:
    """Rows as a merged-cell table prints them: a label only on the first row it covers."""
    rows, previous = [], ()
    for p in projects:
        labels = [c if p.categories[: i + 1] != previous[: i + 1] else "" for i, c in enumerate(p.categories)]
        marks = ["●" if n in p.measures else "" for n in range(1, 7)]
        rows.append([*labels, p.name, *marks, str(p.page), str(p.number)])
        previous = p.categories
    return rows


def move_label(rows: list[list[str]], level: int, source: int, target: int) -> None:
    rows[target][level], rows[source][level] = rows[source][level], ""


def label_only_row(rows: list[list[str]], index: int, levels: int) -> None:
    """The labels of row ``index`` printed on their own row above it, with its marks and NO."""
    row = rows[index]
    rows.insert(index, [*row[:levels], "", *row[levels + 1 :]])
    rows[index + 1][:levels] = [""] * levels


def render(heading: str, header: list[str], rows: list[list[str]]) -> str:
    return "\n".join([heading, "", *header, *("\t".join(r) for r in rows)]) + "\n"


HEALTH, SAFETY = "(1) 健康と福祉の充実", "り 安全な地域づくり"  # り: OCR garbage for (2)
SYNTHETIC_A = [
    Truth(1, "救急医療体制の確保", (HEALTH, "ア 医療"), (3, 5), 10),
    Truth(2, "夜間急病診療所の運営", (HEALTH, "ア 医療"), (5,), 10),
    Truth(3, "保育所の待機児童の解消", (HEALTH, "イ 子育て支援"), (5, 6), 11),
    Truth(4, "子育て相談窓口の設置", (HEALTH, "イ 子育て支援"), (5,), 11),
    Truth(5, "放課後児童クラブの拡充", (HEALTH, "イ 子育て支援"), (5,), 12),
    Truth(6, "介護人材の確保", (HEALTH, "ウ 高齢者福祉"), (2, 5), 13),
    Truth(7, "認知症高齢者の見守り", (HEALTH, "ウ 高齢者福祉"), (5,), 13),
    Truth(8, "避難訓練の合同実施", (SAFETY, "ア 防災"), (4,), 14),
    Truth(9, "防災備蓄品の共同購入", (SAFETY, "ア 防災"), (4,), 14),
    Truth(10, "通学路の安全点検", (SAFETY, "イ 交通安全"), (4, 5), 15),
    Truth(11, "交通事故防止の啓発", (SAFETY, "イ 交通安全"), (5,), 15),
]


def synthetic_a() -> str:
    """Two label levels ((1) > ア), a label-only row, a label printed on the last row of the
    group before, another on the second row of its group, a garbled marker, a duplicated row."""
    rows = truth_to_rows(SYNTHETIC_A)
    move_label(rows, 1, source=2, target=1)  # イ printed one row early
    move_label(rows, 1, source=5, target=6)  # ウ printed one row late
    rows.insert(10, list(rows[9]))  # NO 10 printed twice
    label_only_row(rows, 0, levels=2)  # (1) and ア on a row of their own, with NO 1
    return render("2 安心して暮らせるまちづくり", header_lines(2), rows)


def assert_matches_truth(projects: Sequence[ProjectRow], truth: Sequence[Truth], heading: str) -> None:
    got = [
        (p.project_number, p.project_name, p.category_1, p.category_2, p.category_3, p.priority_measures, p.page_ref)
        for p in projects
    ]
    want = [
        (t.number, t.name, heading, *(list(t.categories) + [None])[:2], ";".join(map(str, t.measures)), t.page) for t in truth
    ]
    assert got == want


def test_synthetic_two_levels_with_displaced_labels() -> None:
    result = extract_text(synthetic_a())
    assert_matches_truth(result.projects, SYNTHETIC_A, "2 安心して暮らせるまちづくり")
    [repeated] = by_number(result.projects)[10]
    assert "duplicate-number" in flags(repeated)
    assert any(i.code is Code.CELL_REPAIRED and "'(2)'" in i.message for i in result.issues)


def test_synthetic_label_only_rows_and_forced_moves_need_no_nlp() -> None:
    """Layout alone places what layout decides: the label-only row's labels, and the label
    printed on that project's own row, which can only start on the next project."""
    rows = truth_to_rows(SYNTHETIC_A[:5])
    label_only_row(rows, 0, levels=2)
    move_label(rows, 1, source=3, target=1)  # イ printed on NO 1, which ア's label-only row holds
    result = extract_text(render("2 まち", header_lines(2), rows), PriorityMatrixExtractor(similarity=no_similarity))
    assert [p.category_3 for p in result.projects] == ["ア 医療", *["イ 子育て支援"] * 4]
    assert [p.category_2 for p in result.projects] == [HEALTH] * 5
    assert [p.project_number for p in result.projects] == [1, 2, 3, 4, 5]


TOURISM, FARMING = "a 観光の振興", "b 農業の振興"
SYNTHETIC_B = [
    Truth(21, "観光客の誘致", (TOURISM,), (1, 2), 20),
    Truth(22, "観光案内所の整備", (TOURISM,), (2,), 21),
    Truth(23, "温泉地の魅力向上", (TOURISM,), (1,), 21),
    Truth(24, "農産物の販路拡大", (FARMING,), (1, 3), 22),
    Truth(25, "新規就農者の確保", (FARMING,), (6,), 22),
    Truth(26, "スマート農業の導入", (FARMING,), (2, 6), 23),
]


def synthetic_b() -> str:
    """One label level, a header with an extra column, rows shifted right by one cell or
    padded at the end, a label printed on the row above its group, a NO shared by two names,
    a project without name."""
    rows = truth_to_rows(SYNTHETIC_B)
    move_label(rows, 0, source=3, target=2)  # b printed on the last row of a
    rows[1] = ["", *rows[1]]  # shifted right by one cell
    rows[4] = ["", *rows[4]]
    rows[0] += [""]
    rows[5][-1] = "25"  # NO 26 printed as 25
    rows[4][2] = ""  # name lost (the row is shifted: the name is in the third cell)
    return render("3 地域の活性化", header_lines(1, extra=1), rows)


def test_synthetic_shifted_header_shared_number_and_missing_name() -> None:
    result = extract_text(synthetic_b())
    truth = [t if t.number != 26 else Truth(25, t.name, t.categories, t.measures, t.page) for t in SYNTHETIC_B]
    truth[4] = Truth(25, None, truth[4].categories, truth[4].measures, truth[4].page)  # type: ignore[arg-type]
    assert_matches_truth(result.projects, truth, "3 地域の活性化")
    data_flags = [sorted(flags(p) - {"label-placement-uncertain"}) for p in result.projects]
    assert data_flags == [[], [], [], [], ["duplicate-number", "missing-name"], ["duplicate-number"]]
    codes = sorted(i.code for i in result.issues if i.code is not Code.LABEL_PLACEMENT_UNCERTAIN)
    assert codes == [Code.DUPLICATE_NUMBER, Code.MISSING_NAME]


def test_tables_without_measure_columns_are_ignored() -> None:
    text = "1 見出し\n\n区分\t事業名\t掲載ページ\tNo\n\t事業A\t3\t1\n"
    assert extract_text(text).projects == ()


# --- steps ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value", "body"),
    [
        ("a 経済戦略の推進", "latin", 1, "経済戦略の推進"),
        ("(2) 結びつきの強化", "paren-digit", 2, "結びつきの強化"),
        ("イ 子育て支援", "kana", 2, "子育て支援"),
        ("3 生活関連機能", "digit", 3, "生活関連機能"),
        ("C 観光", "LATIN", 3, "観光"),
        ("り 安全", "unknown", None, "安全"),
        ("ト 圏域力", "kana", 20, "圏域力"),
    ],
)
def test_text_to_marker(text: str, kind: str, value: int | None, body: str) -> None:
    parsed = text_to_marker(text)
    assert parsed is not None
    marker, got_body = parsed
    assert (marker.kind, marker.value, got_body) == (kind, value, body)


@pytest.mark.parametrize("text", ["MICE誘致の推進", "ICT活用", "創業の促進", "5G基地局の整備"])
def test_names_are_not_markers(text: str) -> None:
    assert text_to_marker(text) is None


def test_header_with_circled_measures_below_page_and_number() -> None:
    rows = [["政策分野", "連携事業名", "産業", "", "ページ", "NO."], ["", "", "①", "②", "", ""]]
    found = lines_to_header(rows)
    assert found is not None
    header, start = found
    assert (start, header.rows, header.measures, header.trailing) == (0, 2, ((2, 1), (3, 2)), (("page", 4), ("number", 5)))


def test_header_with_digits_under_a_priority_measures_cell() -> None:
    rows = [["No", "事業名", "重点施策", "", "", "頁"], ["", "", "1", "2", "3", ""]]
    found = lines_to_header(rows)
    assert found is not None
    header, _ = found
    assert header.measures == ((2, 1), (3, 2), (4, 3))
    assert header.leading == (("number", 0),) and header.trailing == (("page", 5),)


def test_marks_are_aligned_from_the_page_cell_not_raw_positions() -> None:
    found = lines_to_header([["分野", "事業名", "", "", "ページ", "NO"], ["", "", "①", "②", "", ""]])
    assert found is not None
    header, _ = found
    line = Line(text="", cells=(), page=1, number=7)
    shifted = cells_to_row(["", "b 福祉", "保育", "", "●", "66", "19"], header, line)
    padded = cells_to_row(["保育", "", "", "●", "66", "19", ""], header, line)
    for row in (shifted, padded):
        assert (row.name, row.measures, row.page, row.number) == ("保育", (2,), 66, 19)
    assert [label.text for label in shifted.labels] == ["b 福祉"]


def test_context_to_heading_takes_the_nearest_numbered_heading() -> None:
    assert context_to_heading(["はじめに。", "1 圏域全体の経済成長", "（単位：件）"]) == "1 圏域全体の経済成長"
    assert context_to_heading(["本文です。"]) is None


def _anchor(text: str, row: int, column: int = 0, project: int | None = None) -> Anchor:
    parsed = text_to_marker(text)
    marker, body = parsed if parsed else (Marker("plain", None, ""), text)
    return Anchor(PrintedLabel(text, body, marker, column), row * 1000 + column, row if project is None else project)


def test_garbled_marker_takes_the_level_the_sequences_expect() -> None:
    anchors = [
        _anchor("(1) 生活", 0),
        _anchor("a 医療", 0, 1),
        _anchor("b 福祉", 1, 1),
        _anchor("(2) 結びつき", 2),
        _anchor("a 交通", 2, 1),
        _anchor("b ICT", 3, 1),
        _anchor("ト 圏域力", 4),
        _anchor("a 人材", 5, 1),
        _anchor("b 交流", 6, 1),
    ]
    levelled, levels = anchors_to_levels(anchors)
    assert levels == 2
    garbled = levelled[6]
    assert (garbled.level, garbled.value, garbled.repaired, garbled.label.text) == (0, 3, "(3)", "ト 圏域力")
    assert [a.level for a in levelled] == [0, 1, 1, 0, 1, 1, 0, 1, 1]


def test_garbled_marker_inside_a_letter_sequence() -> None:
    anchors = [_anchor("a 医療", 0), _anchor("ロ 福祉", 1), _anchor("c 教育", 2)]
    levelled, levels = anchors_to_levels(anchors)
    assert levels == 1 and levelled[1].repaired == "b"


def test_place_chain_follows_similarity_and_reports_close_calls() -> None:
    # two labels printed on projects 0 and 1; project 1 resembles the first label strongly
    affinity = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9]])
    slots = [Slot(0, 0, ((0, 0.0),)), Slot(1, 1, ((1, 0.0), (2, -0.12)))]
    result = place_chain(slots, affinity, np.zeros(3), positions=[0, 1, 2], shift_change_cost=0.1)
    assert result is not None and result.starts == (0, 2)
    assert result.margins[1] == pytest.approx(0.6 - 0.22)
    # the same with weak evidence: the printed place wins, by a small margin
    weak = np.array([[0.5, 0.4], [0.5, 0.3], [0.3, 0.6]])
    result = place_chain(slots, weak, np.zeros(3), positions=[0, 1, 2], shift_change_cost=0.1)
    assert result is not None and result.starts == (0, 1)
    assert result.margins[1] < PlacementSettings().uncertain_margin


def test_place_chain_honours_fixed_rows_and_reports_contradictions() -> None:
    slots = [Slot(0, 0, ((0, 0.0),), contains=(1,)), Slot(1, 1, ((1, 0.0), (2, -0.1)))]
    result = place_chain(slots, np.zeros((3, 2)), np.zeros(3), positions=[0, 1, 2], shift_change_cost=0.0)
    assert result is not None and result.starts == (0, 2)
    impossible = [Slot(0, 0, ((0, 0.0),), contains=(2,)), Slot(1, 1, ((1, 0.0),))]
    assert place_chain(impossible, np.zeros((3, 2)), np.zeros(3), positions=[0, 1, 2], shift_change_cost=0.0) is None


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        PlacementSettings(distance_cost=-1)

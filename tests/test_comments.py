"""Comments tables (extractors/content/comments/) and cross-document reference links (extractors/content/links.py).

The pairing accuracy is measured on a seeded corpus with known truth (tests/comments_corpus.py)
and on the real sample 002, whose truth is written below as line ranges of the file.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from extractors.content.base import ExtractContext
from extractors.content.comments import (
    CommentsExtractor,
    ProjectRef,
    header_labels,
    labels_are_comments_header,
    morphemes_to_voice,
    text_to_refs,
)
from extractors.content.comments.header import Region
from extractors.content.comments.refs import text_to_item_ref
from extractors.content.comments.rows import table_to_drafts
from extractors.content.links import (
    LinkStatus,
    comment_refs_to_links,
    drop_section_refs,
    link_comment_refs,
    name_similarity,
)
from extractors.model.document import Cell, Document, Line
from extractors.normalize.nlp import NLP_TIMER, tokens
from extractors.readers import read_document
from schemas.quality import Code, Severity
from schemas.tables import CommentRow, ProjectRow

from .comments_corpus import make_corpus

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
AREA = "さっぽろ連携中枢都市圏"


def text_to_document(text: str, name: str = "comments.txt") -> Document:
    document = read_document(text.encode("utf-8"), name)
    assert isinstance(document, Document)
    return document


def extract(document: Document, area: str | None = None):
    return CommentsExtractor().extract(document, document.tables, ExtractContext(area=area))


def key(text: str | None) -> str:
    """Compare texts without whitespace (and NFKC): line breaks between bullets do not count."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


# --- project references ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("№12「観光ルートの共同開発」の取組として実施", [ProjectRef(12, "観光ルートの共同開発")]),
        ("No8 の研修内容は", [ProjectRef(8, None)]),
        ("NO.27について", [ProjectRef(27, None)]),
        ("No.５３に関して", [ProjectRef(53, None)]),
        ("「31　移住相談窓口の共同運営」で評価", [ProjectRef(31, "移住相談窓口の共同運営")]),
        ("「7 地域交通の確保」と「9 図書館の相互利用」", [ProjectRef(7, "地域交通の確保"), ProjectRef(9, "図書館の相互利用")]),
        ("No.14（圏域PR）について", [ProjectRef(14, "圏域PR")]),
        ("資料2「16 防災訓練の合同実施」における", [ProjectRef(16, "防災訓練の合同実施")]),
        ("No5 の事業と「5　ごみ処理の広域化」", [ProjectRef(5, "ごみ処理の広域化")]),  # one per number, the name kept
        ("「3つの新規事業」を加える", []),  # a quantity, not a project
        ("「12学級」を維持してほしい", []),  # a count of classes
        ("「1対N型」の運行形態", []),  # a ratio
        ("No.5の回答のとおりです。", []),  # another item of the table, not a project
        ("No.5の事業を拡充し、No.7の回答のとおり進めます", [ProjectRef(5, None)]),
        ("「2025年度から実施」とある", []),
        ("NPOとの連携", []),
        ("(資料3)に記載", []),
    ],
)
def test_text_to_refs(text, expected):
    assert text_to_refs(text) == expected


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("No.5の回答のとおりです。", "5"),
        ("番号3と同じ", "3"),
        ("上記1の考え方を参照してください。", "1"),
        ("②に対する回答と同様です。", "②"),
        ("No.12の回答をご覧ください。", "12"),
        ("基本目標1の考え方に沿って進めます。", None),  # a part of the plan, no item
        ("令和2年度の回答のとおり", None),
        ("No40「圏域内農産物の消費促進」の取組として", None),  # a project
    ],
)
def test_text_to_item_ref(text, item):
    assert text_to_item_ref(text) == item


# --- header (layout decides whether there is a comments table at all) ----------------------------------


@pytest.mark.parametrize(
    ("line", "is_header"),
    [
        ("御意見 御意見に対する考え方", True),
        ("意見の概要　市の考え方", True),
        ("No. ご意見 回答", True),
        ("番号\t質問・意見\t町の考え方", True),
        ("委員の意見 事務局の見解", True),
        ("該当箇所\t番号\t素案に対する意見（概要）\t意見に対する考え方", True),  # a column for the part of the plan
        ("区分 ご意見の要旨 市の考え方", True),
        ("事業名 ご意見 市の考え方", False),  # a column the table does not explain
        ("市民意見への対応について", False),  # one label: a title
        ("回答 意見", False),  # the answer column comes second
        ("ご意見をお寄せください。 回答します", False),
        ("意見交換会の開催", False),
        ("・市民の意見 対応してほしい", False),  # a bullet, not a label
    ],
)
def test_header_labels(line, is_header):
    assert labels_are_comments_header(header_labels(line)) is is_header


# --- voice of sentence endings (morphology, not a list of sentences) --------------------------------------

OPINION, ANSWER, NEUTRAL = -1, 1, 0


@pytest.mark.parametrize(
    ("sentence", "voice"),
    [
        ("路線バスの増便を検討してはどうか。", OPINION),
        ("窓口の開設時間を延長してもらいたい。", OPINION),
        ("周知が足りないのではないか。", OPINION),
        ("参加者はどの程度だったのか。", OPINION),
        ("財源を確保すべき。", OPINION),
        ("専門職の配置が必要である。", OPINION),
        ("講座の内容を教えてください。", OPINION),
        ("結果を伺いたい。", OPINION),
        ("もっと広く知らせると良いと考える。", OPINION),
        ("費用の負担が心配です。", OPINION),
        ("引き続き支援を行ってまいりたい。", ANSWER),
        ("関係団体と協議してまいります。", ANSWER),
        ("次年度に向けて準備を進めているところです。", ANSWER),
        ("実績を踏まえて目標を設定したもの。", ANSWER),
        ("重要な取組と考えております。", ANSWER),
        ("秋に開催する予定です。", ANSWER),
        ("今後の参考とさせていただきます。", ANSWER),
        ("御指摘の点は重要な視点である。", ANSWER),  # the office addresses the commenter
        ("制度の周知に努めます。", ANSWER),
        ("市内では人口減少が続いている。", NEUTRAL),
        ("観光は地域の重要な産業である。", NEUTRAL),
    ],
)
def test_sentence_voice(sentence, voice):
    score = morphemes_to_voice(tokens(sentence)).score
    assert (score > 0) - (score < 0) == voice


# --- a table read as cells (PDF ruled table, tab-separated text) -------------------------------------------


def test_tab_separated_table_needs_no_morphology():
    text = (
        "市民意見の結果\n\n番号\t御意見の概要\t市の考え方\n"
        "1\t・バス路線を増やしてほしい。\t・路線の見直しを検討してまいります。\n"
        "\t・運賃の助成はどうか。\t\n"
        "2\t・公園の遊具を更新すべき。No.4「公園再整備」の件。\t・順次更新する予定です。\n"
        "\t\t・御意見は参考とさせていただきます。\n"
    )
    before = NLP_TIMER.texts
    rows = extract(text_to_document(text)).comments
    assert NLP_TIMER.texts == before
    assert [(r.item, r.opinion.count("・"), r.response.count("・"), r.project_refs) for r in rows] == [(1, 2, 1, None), (2, 1, 2, "4")]


# --- corpus with known truth ---------------------------------------------------------------------------------


def corpus_pairing(seed: int, size: int) -> tuple[float, float, Counter, Counter, float]:
    """(pairing accuracy, reference accuracy among paired rows, rows per style, correct per
    style, seconds in NLP). A true row counts as paired when an extracted row has exactly its
    opinion and its answer (every bullet in the right row and column)."""
    ok = refs_ok = 0
    total: Counter = Counter()
    correct: Counter = Counter()
    nlp_before = NLP_TIMER.by_use.get("comments", 0.0)
    for case in make_corpus(seed, size):
        rows = extract(text_to_document(case.text)).comments
        got = {(key(r.opinion), key(r.response)): r for r in rows}
        style = f"{case.style.cue}/{case.style.order}/{'marked' if case.style.markers[0] else 'unmarked'}"
        for truth in case.rows:
            total[style] += 1
            row = got.get((key("".join(truth.opinions)), key("".join(truth.answers))))
            if row is None:
                continue
            ok += 1
            correct[style] += 1
            refs_ok += row.project_refs == (";".join(map(str, truth.refs)) or None)
    n = sum(total.values())
    return ok / n, refs_ok / max(ok, 1), total, correct, NLP_TIMER.by_use.get("comments", 0.0) - nlp_before


def test_corpus_pairing_accuracy():
    accuracy, ref_accuracy, total, correct, nlp_seconds = corpus_pairing(seed=7, size=200)
    print(f"\ncomments pairing accuracy: {accuracy:.3f} over {sum(total.values())} rows; references {ref_accuracy:.3f}; NLP {nlp_seconds:.2f} s")
    for style in sorted(total):
        print(f"  {style:30} {correct[style]:4}/{total[style]:<4} {correct[style] / total[style]:.3f}")
    assert accuracy >= 0.95
    assert ref_accuracy >= 0.99


# --- the real sample 002 ------------------------------------------------------------------------------------------

# The truth of seeds/002, read from the file: each item's opinion and answer as (first, last)
# line ranges of the file (1-based, inclusive; blank lines inside do not matter).
SAMPLE_002 = (
    # (opinion bullets, answer bullets, project_refs as printed)
    (((11, 17),), ((19, 23),), "40"),
    (((24, 40), (42, 48)), ((50, 54), (56, 68)), "53"),
    (((69, 73),), ((75, 79),), "34"),
    (((81, 85), (87, 99), (101, 107), (109, 115), (117, 121), (123, 127)), ((129, 135), (137, 139)), "2;3;21;52;55"),
    (((141, 149), (151, 155)), ((157, 159), (161, 167)), "19"),
)


@pytest.fixture(scope="module")
def sample_002():
    data = (SEEDS / "002_a178bf2f061b2fd3.txt").read_bytes()
    document = read_document(data, "002_a178bf2f061b2fd3.txt")
    assert isinstance(document, Document)
    lines = data.decode("utf-8").split("\n")
    started = NLP_TIMER.by_use.get("comments", 0.0)
    wall = time.perf_counter()
    extraction = extract(document, AREA)
    print(f"\n002: {len(extraction.comments)} items, NLP {NLP_TIMER.by_use.get('comments', 0.0) - started:.3f} s, extraction {time.perf_counter() - wall:.3f} s")
    return document, lines, extraction


def ranges_to_key(lines: list[str], ranges) -> str:
    return key("".join("".join(lines[a - 1 : b]) for a, b in ranges))


def test_sample_002_items(sample_002):
    _, lines, extraction = sample_002
    rows = extraction.comments
    assert [r.item for r in rows] == [1, 2, 3, 4, 5]
    for row, (opinion, answer, refs) in zip(rows, SAMPLE_002, strict=True):
        assert key(row.opinion) == ranges_to_key(lines, opinion), f"item {row.item} opinion"
        assert key(row.response) == ranges_to_key(lines, answer), f"item {row.item} answer"
        assert row.response is not None and row.response.count("\n") == len(answer) - 1, f"item {row.item}: one line per answer bullet"
        assert row.project_refs == refs
    assert extraction.issues == ()


def test_sample_002_lines_rejoined(sample_002):
    _, _, extraction = sample_002
    text = "\n".join(r.opinion + "\n" + (r.response or "") for r in extraction.comments)
    assert "加工品" in text and "カリキュラム" in text and "評価したもの" in text  # broken mid-word in the file
    assert "(資料3)" in text  # NFKC
    assert all(not line.startswith(" ") for line in text.split("\n"))


def test_no_morphology_without_a_comments_header():
    """The other samples have no comments table: layout says so, and SudachiPy never runs."""
    for name in ("000_0427b4530d9cecfe.txt", "001_d177e17a2c8ccc19.txt", "003_feeaa7bd0b434e1c.txt", "004_a61508fec1d3fe11.txt"):
        document = read_document((SEEDS / name).read_bytes(), name)
        assert isinstance(document, Document)
        before = NLP_TIMER.texts
        extraction = extract(document)
        assert extraction.comments == () and NLP_TIMER.texts == before, name


# --- links ---------------------------------------------------------------------------------------------------------


def project(doc_id: str, number: int, name: str | None, category_1: str | None = None, row: int = 0) -> ProjectRow:
    return ProjectRow(doc_id=doc_id, row=row, project_number=number, project_name=name, category_1=category_1)


def comment(doc_id: str, item: int, opinion: str, response: str = "・検討してまいります。") -> CommentRow:
    refs = text_to_refs(opinion + "\n" + response)
    return CommentRow(doc_id=doc_id, item=item, opinion=opinion, response=response, project_refs=";".join(str(r.number) for r in refs) or None)


LIST_DOC, COMMENTS_DOC, OTHER_DOC = "a" * 16, "b" * 16, "c" * 16
HAND_LIST = (
    project(LIST_DOC, 4, "移住相談窓口の共同運営", "1 ひとの流れの創出", 0),
    project(LIST_DOC, 5, "地域交通の確保に向けた取組の推進", "2 暮らしの基盤づくり", 1),
    project(LIST_DOC, 6, "図書館の相互利用に向けた取組の推進", "2 暮らしの基盤づくり", 2),
    project(LIST_DOC, 7, None, "2 暮らしの基盤づくり", 3),
)


def hand_links(opinion: str, areas: dict[str, str | None] | None = None):
    comments = {COMMENTS_DOC: [comment(COMMENTS_DOC, 1, opinion)]}
    area_by_doc = areas if areas is not None else {LIST_DOC: "定住自立圏A", COMMENTS_DOC: "定住自立圏A"}
    return comment_refs_to_links(comments, {LIST_DOC: HAND_LIST}, area_by_doc), link_comment_refs(comments, {LIST_DOC: HAND_LIST}, area_by_doc)


@pytest.mark.parametrize(
    ("opinion", "status"),
    [
        ("・「4　移住相談窓口の共同運営」は良い。", LinkStatus.LINKED),  # the same name
        ("・No.5「地域交通の確保」はどうか。", LinkStatus.LINKED),  # an abbreviation: the start of the name
        ("・「4 移住相談窓囗の共同運営」の件。", LinkStatus.LINKED),  # one character OCR-damaged
        ("・No6 の事業はどうか。", LinkStatus.LINKED),  # no name printed, the number exists
        ("・「5　図書館の相互利用に向けた取組の推進」は。", LinkStatus.MISMATCH),  # renumbered: that name is No.6
        ("・「6　文化施設の相互利用に向けた取組の推進」は。", LinkStatus.MISMATCH),  # boilerplate shared, project not
        ("・「12　空き家の活用」はどうか。", LinkStatus.MISSING),  # no such number
        ("・No.12 の事業はどうか。", LinkStatus.MISSING),
        ("・「7　公園の整備」はどうか。", LinkStatus.LINKED),  # the list prints no name for 7: nothing to compare
        ("・「2　暮らしの基盤づくり」では。", LinkStatus.SECTION),  # a numbered category, not a project
    ],
)
def test_link_statuses(opinion, status):
    links, issues = hand_links(opinion)
    assert [link.status for link in links] == [status]
    flagged = status in (LinkStatus.MISMATCH, LinkStatus.MISSING)
    assert len(issues) == flagged
    for doc_id, issue in issues:
        assert doc_id == COMMENTS_DOC
        assert (issue.code, issue.severity, issue.table, issue.location) == (Code.REFERENCE_MISMATCH, Severity.WARNING, "comments", "comments item 1")


def test_mismatch_message_names_both_names():
    _, issues = hand_links("・「5　図書館の相互利用に向けた取組の推進」は。")
    message = issues[0][1].message
    assert "図書館の相互利用に向けた取組の推進" in message and "地域交通の確保に向けた取組の推進" in message


def test_links_only_within_one_area():
    opinion = "・「12　空き家の活用」はどうか。"
    assert hand_links(opinion, {LIST_DOC: "定住自立圏A", COMMENTS_DOC: "連携中枢都市圏B"}) == ((), [])
    assert hand_links(opinion, {LIST_DOC: None, COMMENTS_DOC: None}) == ((), [])


def test_name_similarity_threshold_examples():
    assert name_similarity("圏域の特産品の販売促進", "圏域の特産品の販売推進") >= 85  # one character in ten
    assert name_similarity("文化的な学習活動の支援に関する連携事業", "特色ある学習活動の支援に関する連携事業") < 85
    assert name_similarity("移住相談の強化", "移住相談の強化に関する連携事業") >= 85  # an abbreviation


def sample_000_projects(doc_id: str) -> list[ProjectRow]:
    """Projects of seeds/000 written by hand (the numbers the 002 comments use, their
    neighbours, the duplicates and the category labels)."""
    cat_2, cat_3 = "2 高次の都市機能の集積・強化", "3 圏域全体の生活関連機能サービスの向上"
    rows = [
        (13, "三次救急医療等の提供", cat_2),
        (19, "保育サービスの向上に向けた取組の推進", cat_3),
        (21, "特色ある教育活動の充実に向けた取組の推進", cat_3),
        (22, "文化的な教育活動の充実に向けた取組の推進", cat_3),
        (34, "脱炭素に向けた取組の推進", cat_3),
        (40, "圏域内農産物の消費促進", cat_3),
        (51, None, cat_3),
        (53, "職員研修等の合同実施", cat_3),
        (52, "職員交流", cat_3),
        (53, "航空写真の共同撮影", cat_3),
    ]
    return [project(doc_id, n, name, cat, i) for i, (n, name, cat) in enumerate(rows)]


def links_by_number(links) -> dict[int, LinkStatus]:
    return {link.number: link.status for link in links}


EXPECTED_002_LINKS = {
    40: LinkStatus.LINKED,
    53: LinkStatus.LINKED,
    34: LinkStatus.LINKED,
    2: LinkStatus.SECTION,
    3: LinkStatus.SECTION,
    21: LinkStatus.MISMATCH,  # next year's new project under a number the current list gives another
    52: LinkStatus.MISMATCH,
    55: LinkStatus.MISSING,
    19: LinkStatus.LINKED,
}


def check_pair_000_002(comments_doc: str, comments: tuple[CommentRow, ...], list_doc: str, projects) -> None:
    args = ({comments_doc: comments}, {list_doc: projects}, {list_doc: AREA, comments_doc: AREA})
    links = comment_refs_to_links(*args)
    assert links_by_number(links) == EXPECTED_002_LINKS
    issues = link_comment_refs(*args)
    assert {issue.location for _, issue in issues} == {"comments item 4"}
    flagged = " ".join(issue.message for _, issue in issues)
    assert "医療的ケア児レスパイト事業" in flagged and "特色ある教育活動の充実に向けた取組の推進" in flagged
    assert "官民連携の推進" in flagged
    assert [r.project_refs for r in drop_section_refs(comments, links)] == ["40", "53", "34", "21;52;55", "19"]


def test_pair_000_002_with_hand_made_projects(sample_002):
    document, _, extraction = sample_002
    check_pair_000_002(document.doc_id, extraction.comments, "0427b4530d9cecfe", sample_000_projects("0427b4530d9cecfe"))


def test_pair_000_002_with_the_project_list_extractor(sample_002):
    priority_matrix = pytest.importorskip("extractors.content.priority_matrix")
    data = (SEEDS / "000_0427b4530d9cecfe.txt").read_bytes()
    listing = read_document(data, "000_0427b4530d9cecfe.txt")
    assert isinstance(listing, Document)
    projects = priority_matrix.PriorityMatrixExtractor().extract(listing, listing.tables, ExtractContext(area=AREA)).projects
    document, _, extraction = sample_002
    check_pair_000_002(document.doc_id, extraction.comments, listing.doc_id, projects)


# --- a comments table read as real cells ----------------------------------------------------------------


def table_line(number: int, cells: list[tuple[str, int]]) -> Line:
    """A ruled-table row: (text, rows the cell is merged over) per column."""
    return Line("\t".join(c for c, _ in cells), tuple(Cell(c, i, row_span=s) for i, (c, s) in enumerate(cells)), 1, number)


def test_a_merged_answer_belongs_to_every_item_it_covers_and_a_group_heading_to_none():
    header = table_line(1, [("該当箇所", 1), ("番号", 1), ("意見の概要", 1), ("考え方", 1)])
    lines = (
        header,
        table_line(2, [("第1章", 1), ("1", 1), ("駐輪場を増やしてほしい。", 1), ("検討します。", 1)]),
        table_line(3, [("第2章", 2), ("2", 1), ("バスを増便してほしい。", 1), ("事業者と協議します。", 2)]),
        table_line(4, [("", 1), ("3", 1), ("バス停に屋根がほしい。", 1), ("", 1)]),
        Line("Ⅱ．その他の意見", (Cell("Ⅱ．その他の意見", 0),), 1, 5),
        table_line(6, [("第3章", 1), ("1", 1), ("公園を整備してほしい。", 1), ("", 1)]),
    )
    drafts = table_to_drafts(Region(lines=lines, header=(header,)))
    assert [(d.label, d.opinion, d.response) for d in drafts] == [
        ("1", ("駐輪場を増やしてほしい。",), ("検討します。",)),
        ("2", ("バスを増便してほしい。",), ("事業者と協議します。",)),
        ("3", ("バス停に屋根がほしい。",), ("事業者と協議します。",)),
        ("1", ("公園を整備してほしい。",), ()),  # numbering restarts; no answer printed
    ]
    assert drafts[2].source.line_end == 4  # the heading is no part of the item above it


def test_an_item_without_an_answer_has_its_own_quality_code():
    document = text_to_document("番号\t意見\t市の考え方\n1\t駐輪場を増やしてほしい。\t検討します。\n2\tバスを増便してほしい。\t\n")
    extraction = extract(document)
    assert [(r.printed_item, r.response) for r in extraction.comments] == [("1", "検討します。"), ("2", None)]
    assert [(i.code, i.key) for i in extraction.issues] == [(Code.ANSWER_MISSING, (("item", 2),))]


def test_printed_item_numbers_are_the_rows_and_page_marks_are_dropped():
    """Numbered items with indented answers (indentation is no row start where numbers are
    printed), page numbers printed between them, one answer printed before its opinion and
    one item without an answer."""
    text = (
        "No.　ご意見　市の考え方\n"
        "No.1　駅前の駐輪場が不足しているので、増やしてほしい。\n"
        "　・駐輪場の増設について検討してまいります。\n"
        "No.2　運行事業者と協議してまいります。\n"
        "　・バスの本数が少ないため、増便してほしい。\n"
        "- 1 -\n"
        "No.　ご意見　市の考え方\n"
        "No.3　公園のトイレを洋式にしてほしい。\n"
        "　・No.1の回答のとおりです。\n"
        "2 ページ\n"
        "No.4　図書館の開館時間を延長してほしい。\n"
    )
    extraction = extract(text_to_document(text))
    assert [(r.printed_item, r.opinion, r.response, r.refers_to_item, r.project_refs) for r in extraction.comments] == [
        ("No.1", "駅前の駐輪場が不足しているので、増やしてほしい。", "・駐輪場の増設について検討してまいります。", None, None),
        ("No.2", "・バスの本数が少ないため、増便してほしい。", "運行事業者と協議してまいります。", None, None),
        ("No.3", "公園のトイレを洋式にしてほしい。", "・No.1の回答のとおりです。", "1", None),
        ("No.4", "図書館の開館時間を延長してほしい。", None, None, None),
    ]
    assert [(i.code, i.key) for i in extraction.issues] == [(Code.ANSWER_MISSING, (("item", 4),))]

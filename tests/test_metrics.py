"""Figures in running text -> metrics (extractors.content.metrics): generated corpus with known truth,
the 001 sample, table tests of figures, periods and metrics, and the NLP cost rules."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from extractors.content.base import ExtractContext
from extractors.content.figures import normalize_sentence_text, sentence_to_figures
from extractors.content.metrics import MetricsExtractor, figure_to_period
from extractors.content.running_text import (
    Heading,
    Sentence,
    items_to_units,
    line_is_caption,
    line_is_marked_heading,
    units_to_sentences,
)
from extractors.normalize import nlp
from extractors.readers import read_document
from tests.text_corpus import generate_corpus

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_001 = ROOT / "seeds" / "001_d177e17a2c8ccc19.txt"
MIN_METRIC_RECALL = 0.90


def extract(text: str | bytes, name: str = "synthetic.txt"):
    document = read_document(text if isinstance(text, bytes) else text.encode("utf-8"), name)
    blocks = document.tables  # type: ignore[arg-type]
    return MetricsExtractor().extract(document, blocks, ExtractContext())  # type: ignore[arg-type]


# --- the generated corpus -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_scores():
    """Recall of figures (value and unit), of metrics (and the metric), of every field; precision
    of the rows under the figure sections' programs."""
    found = metric = full = total = rows_seen = rows_matched = 0
    for doc in generate_corpus(n_docs=30, seed=1):
        programs = {f.program for f in doc.figures}
        rows = [r for r in extract(doc.text).metrics if r.program in programs]
        used: set[int] = set()
        for truth in doc.figures:
            total += 1
            same = [i for i, r in enumerate(rows) if i not in used and (r.value, r.unit) == (truth.value, truth.unit)]
            if not same:
                continue
            found += 1
            best = next((i for i in same if rows[i].metric == truth.metric), None)
            used.add(same[0] if best is None else best)
            if best is None:
                continue
            metric += 1
            row = rows[best]
            full += (row.program, row.period, row.qualifier) == (truth.program, truth.period, truth.qualifier)
        rows_seen, rows_matched = rows_seen + len(rows), rows_matched + len(used)
    scores = {
        "figure recall": found / total,
        "metric recall": metric / total,
        "all-field recall": full / total,
        "row precision": rows_matched / rows_seen,
    }
    print(f"\nmetrics over {total} true figures: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()))
    return scores


def test_metric_recall(corpus_scores):
    assert corpus_scores["metric recall"] >= MIN_METRIC_RECALL


def test_figure_recall_fields_and_precision(corpus_scores):
    assert corpus_scores["figure recall"] >= 0.95
    assert corpus_scores["all-field recall"] >= MIN_METRIC_RECALL
    assert corpus_scores["row precision"] >= 0.95


# --- figures --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("相談件数 813件", [("813", "件", None)]),
        ("約5,000名", [("5000", "名", "約")]),
        ("延べ203市町村", [("203", "市町村", "延べ")]),
        ("予算 1,718千円", [("1718000", "円", None)]),
        ("事業費は7億2217万円", [("722170000", "円", None)]),
        ("100人以上が参加", [("100", "人", "以上")]),
        ("3.5%の増加", [("3.5", "%", None)]),
        ("1 1 地域 4 5 市町村", [("11", "地域", None), ("45", "市町村", None)]),
        ("460~450万人", [("4600000", "人", None), ("4500000", "人", None)]),
        ("(うちアドバイザー派遣 47社 51件)", [("47", "社", "うち"), ("51", "件", "うち")]),
        ("道全体:約 6,900 人うち札幌市:約 3,000 人", [("6900", "人", "約"), ("3000", "人", "うち;約")]),
        ("全国:1.44 道全体:1.29", [("1.44", None, None), ("1.29", None, None)]),
        # no figures: years, dates, item numbers, pages, phones, ages, names
        ("2018年5月", []),
        ("平成29年度実績", []),
        ("H28.10.1~H30.3.31", []),
        ("第3期計画", []),
        ("(1) 移住・定住の促進", []),
        ("①多様な人材の活躍", []),
        ("- 12 -", []),
        ("詳細はP.12を参照", []),
        ("TEL 011-231-4111", []),
        ("第2子以降(3歳未満)", []),
        ("南空知4町連携地域", []),
        ("北海道150年", []),
        ("2件目の事例", []),
    ],
)
def test_sentence_to_figures(text, expected):
    figures = sentence_to_figures(normalize_sentence_text(text))
    assert [(str(f.value), f.unit, f.qualifier) for f in figures] == expected


# --- headings, captions, periods ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "heading", "caption"),
    [
        ("◆結婚サポートセンターの運営", True, False),
        ("【結婚期】", True, False),
        ("(1) 移住・定住の促進", True, False),
        ("■ 農業DX推進事業", True, False),
        ("【運営実績(H28.10.1~H30.3.31)】", False, True),
        ("平成29年度実績", False, True),
        ("<登録プロジェクト数及び取組実績等>", False, True),
        ("○大空知連携地域:滝川市、砂川市", False, False),
        ("- 相談件数 137件", False, False),
        ("相談件数は813件となった。", False, False),
    ],
)
def test_heading_and_caption_lines(line, heading, caption):
    assert (line_is_marked_heading(line) and not line_is_caption(line), line_is_caption(line)) == (heading, caption)


def sentence(text: str, caption: str | None = None, program: str | None = None) -> Sentence:
    def heading(t):
        return None if t is None else Heading(t, figure_period(t))

    return Sentence(normalize_sentence_text(text), heading(program), heading(caption), 1, 1)


def figure_period(text: str) -> str | None:
    from extractors.normalize.periods import parse_period

    return parse_period(text)


@pytest.mark.parametrize(
    ("text", "caption", "program", "periods"),
    [
        ("平成29年度運航実績 21件", None, None, ["FY2017"]),
        ("相談対応件数 1,366件、1,648人", "運営実績(H28.10.1~H30.3.31)", None, ["2016-10-01/2018-03-31"] * 2),
        ("推進意向のある市町村 45市町村(H29.10.1 現在)", None, None, ["2017-10-01"]),
        ("H28 : 11件 H29 : 14件", None, None, ["FY2016", "FY2017"]),
        ("A事業 10件(R3)、B事業 20件", None, None, ["FY2021", None]),
        ("R4:相談件数 12件、利用者数 300人", None, None, ["FY2022", "FY2022"]),
        ("窓口では25件の相談を受け付けた(令和4年度)。", None, None, ["FY2022"]),
        ("3つの視点から施策を展開", None, "推進方策の策定 (H29.10.31)", ["2017-10-31"]),
        ("2040年に 460~450万人", None, None, ["2040", "2040"]),
    ],
)
def test_figure_to_period(text, caption, program, periods):
    s = sentence(text, caption, program)
    figures = sentence_to_figures(s.text)
    assert [figure_to_period(s, f, figures) for f in figures] == periods


def test_program_is_the_nearest_heading_and_caption_lends_its_period():
    text = (
        "【子育て期】\n\n◆保育料軽減支援\n\n第2子以降の保育料を無償化する市町村を支援\n\n"
        "令和4年度実績\n相談件数 120件\n\n<令和5年度実績>\n\n- 利用者数 300人\n"
    )
    document = read_document(text.encode(), "x.txt")
    sentences = units_to_sentences(items_to_units(document.items))  # type: ignore[arg-type]
    with_figures = [
        (s.program.text if s.program else None, s.caption.period if s.caption else None, s.text)
        for s in sentences
        if sentence_to_figures(s.text)
    ]
    assert with_figures == [
        ("保育料軽減支援", "FY2022", "相談件数 120件"),
        ("保育料軽減支援", "FY2023", "- 利用者数 300人"),
    ]


def test_a_row_of_cells_left_among_the_text_names_no_program():
    # a table's row the text reader left in a paragraph (施工実績 | 実績なし | 0) is no heading
    text = "◆企業の技術力\n\n施工実績\t実績なし\t0\n\n同種工事の実績件数は120件である。\n"
    document = read_document(text.encode(), "x.txt")
    programs = {s.program.text if s.program else None for s in units_to_sentences(items_to_units(document.items)) if sentence_to_figures(s.text)}  # type: ignore[arg-type]
    assert programs == {"企業の技術力"}


# --- metrics (GiNZA) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metrics"),
    [
        ("相談件数は813件となった。", ["相談件数"]),
        ("相談件数 813件", ["相談件数"]),
        ("延べ3,000人が参加した。", ["参加"]),
        ("令和4年度には25件の相談に対応した。", ["相談"]),
        ("R4はセミナーを5回開催し、延べ230人が来場した。", ["セミナー開催", "来場"]),
        ("観光入込客数が520万人に増加した。", ["観光入込客数"]),
        ("参加者数は前年度から12人増え、58人となった。", ["参加者数", "参加者数"]),
        ("令和4年度の利用者数は約1,200人で、目標の1,000人を上回った。", ["利用者数", "目標"]),
        ("事業費として1,718千円を計上した。", ["事業費"]),
        ("・「とても共感できる」が12.5%、「共感できる」が37.2%となった。", ["とても共感できる", "共感できる"]),
        ("地方交付税総額は、前年度比約1兆2,274億円の増となった。", ["地方交付税総額"]),
        ("市税は前年度に比べ、1億4,305万2千円の減額となっております。", ["市税"]),
        ("- 学生留学コース : 5名", ["学生留学コース"]),
        ("- ICT研修 (H29: 4回開催 受講者 70名)", ["ICT研修", "受講者"]),
        ("基本計画(構想)策定市町村 16市町村", ["基本計画(構想)策定市町村"]),
        ("80市町村(対象99市町村)", [None, "対象"]),
    ],
)
def test_metric_rules(text, metrics):
    rows = extract(text + "\n").metrics
    assert [r.metric for r in rows] == metrics


def test_text_is_the_sentence_with_line_breaks_rejoined():
    rows = extract("◆移住相談\n\n窓口での相談件数は前年度から大きく増\n加し、令和4年度は1,234件となった。\n").metrics
    assert [r.text for r in rows] == ["窓口での相談件数は前年度から大きく増加し、令和4年度は1,234件となった。"]


# --- cost ---------------------------------------------------------------------------------------


def test_ginza_runs_once_per_document_and_only_where_a_label_is_missing(monkeypatch):
    """Sentences without figures are never parsed; labelled figures (受講者 70名) need only
    SudachiPy; the rest go to GiNZA in one batch with the parser's components only."""
    calls = []
    real_parse = nlp.parse

    def spy(texts, **kwargs):
        calls.append((list(texts), tuple(kwargs.get("components", ()))))
        return real_parse(texts, **kwargs)

    monkeypatch.setattr(nlp, "parse", spy)
    text = "◆事業A\n\n説明の文章です。\n\n延べ3,000人が参加した。\n\n数字のない文。\n\n受講者 70名\n\n813件の相談に対応した。\n"
    assert [r.metric for r in extract(text).metrics] == ["参加", "受講者", "相談"]
    assert calls == [(["延べ3,000人が参加した。", "813件の相談に対応した。"], ("tok2vec", "parser"))]
    calls.clear()
    assert [r.metric for r in extract("◆事業A\n\n数字のない文。\n\n- 受講者 70名\n").metrics] == ["受講者"]
    assert calls == []


# --- the 001 sample -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rows_001():
    return extract(SAMPLE_001.read_bytes(), SAMPLE_001.name).metrics


def key(row):
    return (row.program, row.metric, row.value, row.unit, row.period, row.qualifier)


FIGURES_001 = [
    ("結婚サポートセンターの運営", "相談件数", Decimal(813), "件", "FY2017", None),
    ("妊産婦安心出産支援", "対象", Decimal(99), "市町村", "FY2017", None),
    ("患者搬送固定翼機(メディカルウイング)の運航", "運航実績", Decimal(21), "件", "FY2017", None),
    ("北海道ふるさと移住定住推進センター(東京)の設置・運営", "相談対応件数", Decimal(1366), "件", "2016-10-01/2018-03-31", None),
    (
        "北海道ふるさと移住定住推進センター(東京)の設置・運営",
        "セミナー開催回数",
        Decimal(42),
        "回",
        "2016-10-01/2018-03-31",
        None,
    ),
    ("生涯活躍のまちづくり", "「生涯活躍のまち」の推進意向のある市町村", Decimal(45), "市町村", "2017-10-01", None),
    ("ほっかいどう働き方改革支援センターの運営", "相談件数", Decimal(137), "件", "FY2017", None),
    ("ほっかいどう働き方改革支援センターの運営", "アドバイザー派遣", Decimal(47), "社", "FY2017", "うち"),
    ("「北海道創生プラットフォーム」の形成", "登録プロジェクト数及び取組実績等", Decimal(14), "件", "FY2017", None),
    ("ほっかいどう未来チャレンジ基金", "学生留学コース", Decimal(5), "名", "FY2017", None),
    ("ほっかいどう未来チャレンジ基金", None, Decimal(27452000), "円", "FY2018", None),
    ("先端技術によるスマート農業の推進", "来場者", Decimal(5000), "名", "2016-11-01/2016-11-30", "約"),
    ("先端技術によるスマート農業の推進", "受講者", Decimal(70), "名", "FY2017", None),
    ("農林漁業の一体的なPR", "参加者", Decimal(317), "名", "FY2017", None),
    ("道内市町村間の広域連携", "市町村連携地域モデル事業", Decimal(45), "市町村", None, None),
    ("道内市町村間の広域連携", "定住自立圏", Decimal(12), "圏域", None, None),
    ("人口減少対策に係る道と札幌市の連携", "札幌市", Decimal(3000), "人", "FY2016", "うち;約"),
    ("人口減少対策に係る道と札幌市の連携", "全国", Decimal("1.44"), None, "FY2016", None),
]


@pytest.mark.parametrize("expected", FIGURES_001, ids=lambda e: f"{e[1]}-{e[2]}")
def test_001_figures(rows_001, expected):
    assert expected in [key(r) for r in rows_001]


def test_001_no_years_dates_or_item_numbers(rows_001):
    printed_years = {Decimal(y) for y in range(2015, 2041)}
    assert not [r for r in rows_001 if r.value in printed_years and r.unit is None]
    assert {r.unit for r in rows_001} <= {
        "件",
        "人",
        "名",
        "社",
        "回",
        "市町村",
        "円",
        "つ",
        "者",
        "圏域",
        "地域",
        "区",
        "事業",
        None,
    }
    assert len(rows_001) == len({(r.text, r.value, r.unit) for r in rows_001})
    assert len({r.doc_id for r in rows_001}) == 1
    assert [r.row for r in rows_001] == list(range(len(rows_001)))

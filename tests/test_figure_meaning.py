"""What a figure says (extractors.content.figure_meaning): tables of (sentence, the figure's value as
printed, expected kind / sign / role), and the period, confidence and status rules around them
(extractors.content.metrics)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from extractors.content.base import ExtractContext
from extractors.content.figure_meaning import DOWN, UP, Kind, Role, figures_to_meanings
from extractors.content.figures import normalize_sentence_text, sentence_to_figures
from extractors.content.metrics import MetricsExtractor, figure_confidence
from extractors.readers import read_document
from schemas.quality import Code


def meaning_of(sentence: str, printed: str):
    text = normalize_sentence_text(sentence)
    figures = sentence_to_figures(text)
    meanings = figures_to_meanings(text, figures)
    target = normalize_sentence_text(printed)
    return next(m for f, m in zip(figures, meanings, strict=True) if f.printed.replace(" ", "") == target.replace(" ", ""))


@pytest.mark.parametrize(
    ("sentence", "printed", "kind", "sign"),
    [
        ("人口増減数は2,846人の減少となった。", "2,846人", Kind.CHANGE, DOWN),
        ("出生数は前年より318人減少した。", "318人", Kind.CHANGE, DOWN),
        ("全国平均を0.20ポイント下回った。", "0.20ポイント", Kind.CHANGE, DOWN),
        ("総額で前年度比約2億9,000万円減の約255億5,000万円となっております。", "約2億9,000万円", Kind.CHANGE, DOWN),
        ("総額で前年度比約2億9,000万円減の約255億5,000万円となっております。", "約255億5,000万円", Kind.LEVEL, UP),
        ("前年度の予算額と比べ21億1,500万円、伸び率3.0%の減少となっております。", "21億1,500万円", Kind.CHANGE, DOWN),
        ("前年度の予算額と比べ21億1,500万円、伸び率3.0%の減少となっております。", "3.0%", Kind.RATIO, DOWN),
        ("市税が全体の23.9%を占める164億8,549万7千円で", "23.9%", Kind.RATIO, UP),
        ("市税が全体の23.9%を占める164億8,549万7千円で", "164億8,549万7千円", Kind.LEVEL, UP),
        ("前年同時期と比較して、4.2ポイントの増となっております。", "4.2ポイント", Kind.CHANGE, UP),
        ("歳入 25億2,281万円(前年比 8.2% 減)", "8.2%", Kind.RATIO, DOWN),
        ("年少人口比率は18.3%から2010年には5.3%に減少した。", "5.3%", Kind.RATIO, UP),
        ("村債は、8,380万円の増となっております。", "8,380万円", Kind.CHANGE, UP),
        ("市税収入は 1億円の増減なし。", "1億円", Kind.LEVEL, UP),
        ("合計特殊出生率「1.42」", "1.42", Kind.RATIO, UP),
    ],
)
def test_kind_and_sign(sentence: str, printed: str, kind: Kind, sign: int) -> None:
    meaning = meaning_of(sentence, printed)
    assert (meaning.kind, meaning.sign) == (kind, sign)


@pytest.mark.parametrize(
    ("sentence", "printed", "role"),
    [
        ("出生率(人口1,000人当たり)は7.2となった。", "1,000人", Role.DENOMINATOR),
        ("昭和55年の人口を100人とした場合の人数", "100人", Role.DEFINITION),
        ("利用定員が18人以下の小規模な通所介護施設で", "18人以下", Role.DEFINITION),
        ("生産年齢人口100人が年少人口と老年人口を何人支えているかを示すものです。", "100人", Role.DEFINITION),
        ("・男性全体で「20%」が22.8%で最も高く", "20%", Role.CATEGORY),
        ("・男性全体で「20%」が22.8%で最も高く", "22.8%", Role.FIGURE),
        ("・全体では、3点が43.5%で最も高く", "3点", Role.CATEGORY),
        ("・年代別でみると、5点の割合は10~20代が最も高く、17.7%となっている。", "5点", Role.CATEGORY),
        ("最も当てはまるものを3つまで選んで○をつけてください。", "3つ", Role.INSTRUCTION),
        ("各チーム、大人(高校生以上)が1名以上参加して下さい。", "1名以上", Role.INSTRUCTION),
        ("相談件数は813件で、前年度より増加した。", "813件", Role.FIGURE),
    ],
)
def test_what_is_no_figure(sentence: str, printed: str, role: Role) -> None:
    assert meaning_of(sentence, printed).role is role


@pytest.mark.parametrize("text", ["表1人口の動きの推移", "図9社会増減の推移", "問3で3~4と回答した方"])
def test_a_caption_or_question_number_is_not_found_at_all(text: str) -> None:
    found = sentence_to_figures(normalize_sentence_text(text))
    assert (
        Decimal(1) not in [f.value for f in found]
        and Decimal(9) not in [f.value for f in found]
        and Decimal(3) not in [f.value for f in found]
    )


@pytest.mark.parametrize(
    ("metric", "words", "dated", "expected"),
    [
        ("相談件数", 10, False, 1.0),
        (None, 10, False, 0.7),
        (None, 0, True, 0.7),
        (None, 0, False, 0.4),
        ("相談件数", 2, False, 0.8),
    ],
)
def test_confidence(metric: str | None, words: int, dated: bool, expected: float) -> None:
    assert figure_confidence(metric, words, dated) == expected


def extract(text: str):
    document = read_document(text.encode("utf-8"), "t.txt")
    return MetricsExtractor().extract(document, document.tables, ExtractContext())  # type: ignore[arg-type]


def test_periods_come_from_the_sentence_then_its_paragraph_then_its_lead() -> None:
    text = (
        "続きまして、令和8年度当初予算について説明いたします。\n\n"
        "令和7年度の地方税は約2兆円の増となりました。地方交付税は約1兆円の増です。\n\n"
        "市税は164億円です。\n"
    )
    periods = {str(r.value): r.period for r in extract(text).metrics}
    assert periods == {"2000000000000": "FY2025", "1000000000000": "FY2025", "16400000000": "FY2026"}


def test_a_change_between_two_periods_spans_them() -> None:
    rows = extract("本村の総人口は1985年の2,068人から2010年には995人にまで減少(25年間で1,073人の減少)しています。\n").metrics
    assert [(str(r.value), r.kind, r.period) for r in rows] == [
        ("2068", "level", "1985"),
        ("995", "level", "2010"),
        ("-1073", "change", "1985/2010"),
    ]


def test_axis_labels_are_no_figures_and_a_bare_number_goes_to_quality() -> None:
    result = extract("0% 10% 20% 30% 40%\n\n460~450万人\n")
    assert not result.metrics
    assert [i.code for i in result.issues] == [Code.FIGURE_UNCERTAIN, Code.FIGURE_UNCERTAIN]


def test_a_period_naming_an_act_is_not_the_figures() -> None:
    text = "令和8年度の税収は65億円を見込んでおります。軽自動車税は令和8年税制改正に伴い834万9千円の減収です。\n"
    rows = extract(text).metrics
    assert [(str(r.value), r.period) for r in rows] == [("6500000000", "FY2026"), ("-8349000", "FY2026")]


def test_a_document_with_only_uncertain_figures_is_partial() -> None:
    from pipeline.envelope import InputFile
    from pipeline.executors import input_to_result
    from pipeline.stages import default_stages

    result = input_to_result(InputFile(source_file="t.txt", data="460~450万人\n".encode()), default_stages())
    codes = [i.code for i in result.issues] + [i.code for i in result.extraction.issues]
    assert result.status == "partial" and Code.ONLY_UNCERTAIN_FIGURES in codes and Code.FIGURE_UNCERTAIN in codes
    assert not result.extraction.metrics


@pytest.mark.parametrize(
    ("sentence", "printed", "sign"),
    [("※20年で25.2%、40年で45.6%の縮小", "25.2%", DOWN), ("「とても共感できる」が12.5%、「共感できる」が37.2%", "12.5%", UP)],
)
def test_a_listed_figure_takes_the_direction_of_the_next(sentence: str, printed: str, sign: int) -> None:
    assert meaning_of(sentence, printed).sign == sign


def test_percent_spelled_out() -> None:
    figures = sentence_to_figures(normalize_sentence_text("保有率は、75.4パーセントであり"))
    assert [(f.value, f.unit) for f in figures] == [(Decimal("75.4"), "%")]


def test_a_caption_opening_the_page_dates_the_page() -> None:
    text = "平成30年度決算報告\n\n【一般会計/歳出】\n\n歳出総額は前年度比2億2,774万円減の24億3,844万円となりました。\n"
    rows = extract(text).metrics
    assert [(str(r.value), r.kind, r.period) for r in rows] == [
        ("-227740000", "change", "FY2018"),
        ("2438440000", "level", "FY2018"),
    ]


def test_a_heading_later_on_the_page_does_not_date_it() -> None:
    text = "事業の概要\n\n【令和6年度の取組】\n\n説明会\n\n参加者は35名でした。\n"
    assert [r.period for r in extract(text).metrics] == [None]


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("令和8年度からの3年間は、約25,500人のカードの更新時期となります。\n", "FY2026/FY2028"),
        ("2020年から5年間で120件の相談があった。\n", "2020/2024"),
        ("令和8年度から相談は120件を見込む。\n", "FY2026"),
    ],
)
def test_a_year_and_a_number_of_years_from_it_is_a_range(text: str, period: str) -> None:
    assert [r.period for r in extract(text).metrics] == [period]


@pytest.mark.parametrize(
    ("text", "periods"),
    [
        ("平成24年の人口動態をまとめました。24年は前年より318人減少し、23年度は120件の相談があった。\n", ["2012", "FY2011"]),
        ("24年は前年より318人減少した。\n", [None]),  # no era in the paragraph: no period
        ("平成20年以降、30年間で15.3ポイント増加した。\n", ["2008"]),  # 30年間 is a duration
        ("令和8年度の税収は65億円です。令和8年税制改正で834万円の減収です。\n", ["FY2026", "FY2026"]),
    ],
)
def test_a_bare_year_takes_the_era_of_its_paragraph(text: str, periods: list[str | None]) -> None:
    assert [r.period for r in extract(text).metrics] == periods

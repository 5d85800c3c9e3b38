"""Region lists -> region_members (extractors.content.regions): generated corpus with known truth, the
001 sample's model-project areas, and table tests of the small steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.content.base import ExtractContext
from extractors.content.regions import (
    RegionListExtractor,
    check_counts,
    clean_region_name,
    document_to_region_lists,
    name_to_kind,
    normalize_text,
    text_to_items,
)
from extractors.normalize.gazetteer import default_gazetteer
from extractors.readers import read_document
from schemas.municipalities import known_codes
from schemas.quality import Code, Severity
from tests.text_corpus import generate_corpus

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_001 = ROOT / "seeds" / "001_d177e17a2c8ccc19.txt"
MIN_PRECISION = 0.98
MIN_RECALL = 0.98


def run(text: str, name: str = "synthetic.txt"):
    """(extraction, count checks) of one text."""
    document = read_document(text.encode("utf-8"), name)
    extraction = RegionListExtractor().extract(document, document.tables, ExtractContext())  # type: ignore[union-attr]
    passages, resolved = document_to_region_lists(document, default_gazetteer())  # type: ignore[arg-type]
    return extraction, check_counts(passages, resolved)


# --- the generated corpus -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_results():
    docs = generate_corpus(n_docs=30, seed=0)
    return [(doc, *run(doc.text, f"synthetic_{doc.seed}.txt")) for doc in docs]


def test_membership_precision_and_recall(corpus_results):
    tp = fp = fn = 0
    for doc, extraction, _ in corpus_results:
        predicted = {(r.region_name, r.municipality_code) for r in extraction.region_members}
        truth = {(region.name, m.code) for region in doc.regions for m in region.members}
        tp, fp, fn = tp + len(predicted & truth), fp + len(predicted - truth), fn + len(truth - predicted)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(
        f"\nregion membership over {len(corpus_results)} documents: precision {precision:.4f}, recall {recall:.4f} (tp {tp}, fp {fp}, fn {fn})"
    )
    assert precision >= MIN_PRECISION
    assert recall >= MIN_RECALL


def test_damaged_members_are_corrected_or_reported_never_guessed(corpus_results):
    damaged = corrected = unknown = wrong = 0
    for doc, extraction, _ in corpus_results:
        rows = {(r.region_name, r.source_text): r for r in extraction.region_members}
        for region in doc.regions:
            for m in region.members:
                if m.printed.replace(" ", "") == m.name:
                    continue
                damaged += 1
                row = rows.get((region.name, m.printed))
                if row is None:
                    unknown += 1
                elif row.municipality_code == m.code:
                    corrected += 1
                else:
                    wrong += 1
        codes = {i.code for i in extraction.issues}
        assert Code.UNKNOWN_MUNICIPALITY not in codes or any(i.severity is Severity.WARNING for i in extraction.issues)
    print(f"\nOCR-damaged members: {damaged}, corrected {corrected}, left unknown {unknown}, resolved wrongly {wrong}")
    assert wrong == 0
    assert corrected >= 0.8 * damaged


def test_each_correction_is_an_info_issue_and_each_unknown_a_warning(corpus_results):
    for _doc, extraction, _ in corpus_results:
        corrections = [r for r in extraction.region_members if r.source_text.replace(" ", "") != r.municipality_name]
        infos = [i for i in extraction.issues if i.code is Code.MUNICIPALITY_CORRECTED]
        assert all(i.severity is Severity.INFO for i in infos)
        assert len(infos) >= len(corrections)
        assert all(i.severity is Severity.WARNING for i in extraction.issues if i.code is Code.UNKNOWN_MUNICIPALITY)


def test_stated_counts_are_checked_against_the_lists_under_them(corpus_results):
    right = total = 0
    for doc, extraction, checks in corpus_results:
        got = [(c.stated_areas, c.stated_members, c.matches) for c in checks]
        expected = [(c.areas, c.members, c.matches) for c in doc.counts]
        total += len(expected)
        right += sum(g == e for g, e in zip(got, expected, strict=False)) if len(got) == len(expected) else 0
        mismatches = [i for i in extraction.issues if i.code is Code.COUNT_MISMATCH]
        assert len(mismatches) == sum(not c.matches for c in checks)
        assert all(i.severity is Severity.WARNING for i in mismatches)
    print(f"\nstated counts judged as in the truth: {right}/{total}")
    assert right >= 0.95 * total


def test_every_code_is_a_known_municipality(corpus_results):
    codes = known_codes()
    assert all(r.municipality_code in codes for _, extraction, _ in corpus_results for r in extraction.region_members)


# --- the 001 sample: model-project areas of Hokkaido ------------------------------------------------


@pytest.fixture(scope="module")
def sample_001():
    return run(SAMPLE_001.read_text("utf-8"), SAMPLE_001.name)


def members_of(extraction, region: str) -> set[tuple[str, str]]:
    return {(r.municipality_code, r.municipality_name) for r in extraction.region_members if r.region_name == region}


def test_001_model_project_areas_are_all_found(sample_001):
    extraction, _ = sample_001
    areas = {r.region_name for r in extraction.region_members if r.region_kind == "連携地域"}
    assert areas == {
        "南空知4町連携地域",
        "とんがりロード広域連携地域",
        "北渡島檜山4町連携地域",
        "遠軽地区連携地域",
        "とちかち東北部連携地域",  # OCR-damaged as printed (とかち): kept as printed
        "北空知連携地域",
        "岩宇まちづくり連携地域",
        "留萌南部3市町村連携地域",
        "留萌中北部5町村連携地域",
        "西紋別5市町村連携地域",
        "根室連携地域",
    }
    assert sum(len(members_of(extraction, a)) for a in areas) == 45


def test_001_member_sets(sample_001):
    extraction, _ = sample_001
    assert members_of(extraction, "南空知4町連携地域") == {
        ("014231", "南幌町"),
        ("014273", "由仁町"),
        ("014281", "長沼町"),
        ("014290", "栗山町"),
    }
    assert members_of(extraction, "根室連携地域") == {
        ("012238", "根室市"),
        ("016918", "別海町"),
        ("016926", "中標津町"),
        ("016934", "標津町"),
        ("016942", "羅臼町"),
    }
    assert members_of(extraction, "留萌中北部5町村連携地域") == {
        ("014834", "苫前町"),
        ("014842", "羽幌町"),
        ("014851", "初山別村"),
        ("014869", "遠別町"),
        ("014877", "天塩町"),
    }


def test_001_ocr_damaged_member_is_corrected(sample_001):
    extraction, _ = sample_001
    assert members_of(extraction, "とんがりロード広域連携地域") == {
        ("016071", "浦河町"),
        ("016080", "様似町"),
        ("016098", "えりも町"),
        ("016420", "広尾町"),
    }
    (row,) = [r for r in extraction.region_members if r.municipality_code == "016071"]
    assert (row.source_text, round(row.match_score, 1)) == ("蒲河町", 66.7)
    (issue,) = [i for i in extraction.issues if i.code is Code.MUNICIPALITY_CORRECTED]
    assert issue.severity is Severity.INFO and "蒲河町" in issue.message and "016071" in issue.message
    assert not [i for i in extraction.issues if i.code is Code.UNKNOWN_MUNICIPALITY]


def test_001_stated_counts_match_the_lists(sample_001):
    extraction, checks = sample_001
    (check,) = checks
    assert (check.stated_areas, check.stated_members) == (11, 45)  # printed letter-spaced: 1 1 地域 4 5 市町村
    assert (check.found_areas, check.found_members, check.found_members_max) == (11, 45, 45)
    assert check.matches
    assert not [i for i in extraction.issues if i.code is Code.COUNT_MISMATCH]


def test_001_other_lists_and_codes(sample_001):
    extraction, _ = sample_001
    # 北空知地域（深川市・…）in running text: a plain …地域 whose members all resolve
    assert {r.region_kind for r in extraction.region_members} == {"連携地域", "地域"}
    assert all(r.municipality_code in known_codes() for r in extraction.region_members)


# --- small steps ----------------------------------------------------------------------------------


def test_a_count_mismatch_names_both_numbers():
    text = (
        "道独自の取組により、 2 地域 6 市町村において連携\n\n"
        "・石狩北部連携地域（当別町・新篠津村）\n\n"
        "・空知南部連携地域（南幌町・由仁町・長沼町）\n"
    )
    extraction, (check,) = run(text)
    assert (check.found_areas, check.found_members, check.matches) == (2, 5, False)
    (issue,) = [i for i in extraction.issues if i.code is Code.COUNT_MISMATCH]
    assert issue.severity is Severity.WARNING and "6" in issue.message and "5" in issue.message


def test_an_unresolvable_member_is_a_warning_not_a_row():
    extraction, _ = run("・石狩北部連携地域（当別町・新篠津村・架空山町）\n")
    assert {r.municipality_name for r in extraction.region_members} == {"当別町", "新篠津村"}
    (issue,) = [i for i in extraction.issues if i.code is Code.UNKNOWN_MUNICIPALITY]
    assert issue.severity is Severity.WARNING and "架空山町" in issue.message


def test_a_list_broken_over_lines_and_blank_lines():
    extraction, _ = run("H 30 開始\t空知南部連携地域 (南幌町・由\n\n仁町・長沼町)\n")
    assert {r.municipality_name for r in extraction.region_members} == {"南幌町", "由仁町", "長沼町"}


@pytest.mark.parametrize(
    "text",
    [
        "子どもたちが安心して過ごせる地域の居場所づくり（食事提供機能を含む）を推進",
        "首都圏（東京都・神奈川県）での移住相談会",
        "広域連携DMO\t(公社) 観光振興機構",
        "圏域（人口約12万人）の将来像",
        "定住自立圏形成に向けた協議",
    ],
)
def test_text_that_only_looks_like_a_list(text):
    extraction, checks = run(text + "\n")
    assert extraction.region_members == () and extraction.issues == () and checks == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("南空知4町連携地域", "南空知4町連携地域"),
        ("本年度は南空知4町連携地域", "南空知4町連携地域"),
        ("道独自の取組により石狩北部連携地域", "石狩北部連携地域"),
        ("◆十勝定住自立圏", "十勝定住自立圏"),
        ("とんがりロード広域連携地域", "とんがりロード広域連携地域"),
        ("伊豆の定住自立圏", "伊豆の定住自立圏"),
    ],
)
def test_clean_region_name(raw, expected):
    assert clean_region_name(raw) == expected


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("さっぽろ連携中枢都市圏", "連携中枢都市圏"),
        ("南空知定住自立圏", "定住自立圏"),
        ("とんがりロード広域連携地域", "連携地域"),
        ("上川中部圏域", "圏域"),
        ("北空知地域", "地域"),
        ("北海道型地域自律", None),
    ],
)
def test_name_to_kind(name, kind):
    assert name_to_kind(name) == kind


@pytest.mark.parametrize(
    ("body", "colon", "items"),
    [
        ("南幌町・由仁町・長沼町", False, ["南幌町", "由仁町", "長沼町"]),
        ("構成市町村：南幌町、由仁町", False, ["南幌町", "由仁町"]),
        ("当別町、新篠津村等", False, ["当別町", "新篠津村"]),
        ("当別町、新篠津村の2町村で構成", True, ["当別町"]),
        ("石狩郡当別町、新篠津村", True, ["石狩郡当別町", "新篠津村"]),
    ],
)
def test_text_to_items(body, colon, items):
    assert text_to_items(body, colon=colon) == items


def test_letter_spaced_names_and_counts_are_joined():
    assert normalize_text("南空知 4 町連携地域 (南 幌 町)") == "南空知4町連携地域 (南幌町)"
    assert normalize_text("1 1 地域 4 5 市町村") == "11地域45市町村"


@pytest.mark.parametrize(
    ("text", "region", "members"),
    [
        (
            "南国・香南・香美租税債権管理機構の協力体制を推進し、",
            "南国・香南・香美租税債権管理機構",
            ["南国市", "香南市", "香美市"],
        ),
        (
            "適正な課税に努めるとともに、南国\n・香南・香美租税債権管理機構及び三税の",
            "南国・香南・香美租税債権管理機構",
            ["南国市", "香南市", "香美市"],
        ),
        (
            "議案第 130 号 定住自立圏形成協定の一部変更（日向市）\n議案第 131 号 定住自立圏形成協定の一部変更（門川町）",
            "定住自立圏",
            ["日向市", "門川町"],
        ),
        (
            "転出は上川総合振興局区域（剣淵町、東神楽町、愛別町等）が最も多く、",
            "上川総合振興局区域",
            ["剣淵町", "東神楽町", "愛別町"],
        ),
        (
            "阪神間６市とは、芦屋，西宮，宝塚，尼崎，伊丹，川西の各市をいう。",
            "阪神間6市",
            ["芦屋市", "西宮市", "宝塚市", "尼崎市", "伊丹市", "川西市"],
        ),
        (
            "東播磨地域は、明石，加古川，高砂の各市と稲美町，播磨町からなる。",
            "東播磨地域",
            ["明石市", "加古川市", "高砂市", "稲美町", "播磨町"],
        ),
    ],
)
def test_other_forms_of_a_region_definition(text: str, region: str, members: list[str]) -> None:
    extraction, _ = run(text)
    assert {(r.region_name, r.municipality_name) for r in extraction.region_members} == {(region, m) for m in members}


@pytest.mark.parametrize(
    "text", ["日本・中国・韓国首脳会議の開催", "国・県・市町村の協議会", "定住自立圏形成協定の一部変更（案）"]
)
def test_names_joined_by_dots_that_are_no_municipalities(text: str) -> None:
    extraction, _ = run(text)
    assert not extraction.region_members

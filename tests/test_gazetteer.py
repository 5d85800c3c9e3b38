"""The vendored municipality list (schemas.municipalities) and name lookup (extractors.normalize.gazetteer)."""

from __future__ import annotations

import csv
import re
import time
from importlib import resources

import pytest

from extractors.normalize.gazetteer import (
    FUZZY_THRESHOLD,
    VARIANT_GROUPS,
    Gazetteer,
    compact_name,
    default_gazetteer,
    fold_variants,
    text_to_compact,
)
from schemas.municipalities import (
    CSV_COLUMNS,
    KINDS,
    Municipality,
    by_code,
    check_digit,
    is_valid_code,
    known_codes,
    load_municipalities,
)

ROWS = load_municipalities()


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return default_gazetteer()


def found(match):
    """(code, method) of a match, or None: what the tables below compare against."""
    return None if match is None else (match.municipality.code, match.method)


# --- the vendored list ----------------------------------------------------------------------


def test_csv_header_is_the_documented_columns():
    text = resources.files("schemas.reference").joinpath("municipalities.csv").read_text("utf-8")
    assert tuple(next(csv.reader(text.splitlines()))) == CSV_COLUMNS


def test_every_code_has_a_valid_check_digit_and_is_unique():
    assert all(is_valid_code(m.code) for m in ROWS)
    assert len({m.code for m in ROWS}) == len(ROWS)
    assert known_codes() == {m.code for m in ROWS}


@pytest.mark.parametrize(
    ("predicate", "expected"),
    [
        (lambda m: m.is_municipality, 1741),
        (lambda m: m.kind == "prefecture", 47),
        (lambda m: m.is_municipality and m.prefecture == "北海道", 179),
        (lambda m: m.kind == "designated_city", 20),
        (lambda m: m.kind in ("city", "designated_city"), 792),
        (lambda m: m.kind == "special_ward", 23),
        (lambda m: m.kind == "town", 743),
        (lambda m: m.kind == "village", 183),
        # 175 before Hamamatsu went from 7 wards to 3 on 2024-01-01 (see PROVENANCE.md)
        (lambda m: m.kind == "ward", 171),
        (lambda m: m.parent_code == "011002", 10),  # Sapporo
        (lambda m: m.parent_code == "221309", 3),  # Hamamatsu
    ],
)
def test_counts(predicate, expected):
    assert sum(1 for m in ROWS if predicate(m)) == expected


def test_rows_are_consistent():
    prefectures = {m.prefecture_code: m.name for m in ROWS if m.kind == "prefecture"}
    designated = {m.code: m for m in ROWS if m.kind == "designated_city"}
    for m in ROWS:
        assert m.kind in KINDS
        assert m.code[:2] == m.prefecture_code and prefectures[m.prefecture_code] == m.prefecture
        assert m.reading and re.fullmatch(r"[ァ-ヶー]+", m.reading), m
        if m.kind == "ward":
            parent = designated[m.parent_code]
            assert m.name.startswith(parent.name) and m.prefecture_code == parent.prefecture_code
        else:
            assert m.parent_code is None
    assert {m.parent_code for m in ROWS if m.kind == "ward"} == set(designated)


@pytest.mark.parametrize(
    ("code", "name", "kind"),
    [
        ("011002", "札幌市", "designated_city"),
        ("011011", "札幌市中央区", "ward"),
        ("131016", "千代田区", "special_ward"),
        ("016071", "浦河町", "town"),
        ("221406", "浜松市天竜区", "ward"),
        ("064289", "庄内町", "town"),
        ("010006", "北海道", "prefecture"),
    ],
)
def test_by_code(code, name, kind):
    m = by_code(code)
    assert m is not None and (m.name, m.kind) == (name, kind)


def test_readings_use_small_kana_where_the_soumu_list_did_not():
    assert by_code("064289").reading == "ショウナイマチ"  # 総務省: シヨウナイマチ
    assert by_code("011002").reading == "サッポロシ"
    assert by_code("999999") is None


@pytest.mark.parametrize(
    ("first_five", "digit"),
    [
        ("01100", 2),  # 札幌市 011002
        ("01101", 1),  # sum 11: remainder 0 -> 11 -> 1
        ("01107", 0),  # sum 23: remainder 1 -> 10 -> 0
        ("13101", 6),  # 千代田区
        ("47382", 1),  # 与那国町 473821
    ],
)
def test_check_digit(first_five, digit):
    assert check_digit(first_five) == digit


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("011002", True),
        ("011003", False),  # wrong check digit
        ("01100", False),
        ("0110020", False),
        ("０１１００２", False),  # full-width digits are not a code
        ("01100a", False),
        ("", False),
    ],
)
def test_is_valid_code(code, valid):
    assert is_valid_code(code) is valid


def test_check_digit_rejects_bad_input():
    with pytest.raises(ValueError):
        check_digit("1234")


# --- normalization ----------------------------------------------------------------------


def test_variant_groups_are_disjoint_and_fold_to_the_first_character():
    chars = "".join(VARIANT_GROUPS)
    assert len(chars) == len(set(chars))
    assert fold_variants("檜澤邊嶋﨑ヶ龍淵當冨") == "桧沢辺島崎ケ竜渕当富"


def test_folding_merges_no_two_official_names_but_one():
    by_key = {}
    for m in ROWS:
        by_key.setdefault(fold_variants(compact_name(m.name)), set()).add(m.name)
    assert [names for names in by_key.values() if len(names) > 1] == [{"鹿島市", "鹿嶋市"}]


def test_text_to_compact_keeps_offsets_into_the_original():
    compact, offsets, gaps = text_to_compact("旭 川\n市、ｻｯﾎﾟﾛ")
    assert compact == "旭川市、サッポロ"
    assert offsets[:4] == (0, 2, 4, 5)
    assert gaps == {1, 2}


# --- lookup -----------------------------------------------------------------------------

LOOKUPS = [
    # (name, keyword arguments, expected (code, method) or None)
    ("旭川市", {}, ("012041", "exact")),
    ("旭 川 市", {}, ("012041", "exact")),
    ("旭\n川\n市", {}, ("012041", "exact")),
    ("旭　川　市", {}, ("012041", "exact")),
    ("札幌市中央区", {}, ("011011", "exact")),
    ("札幌市 中央区", {}, ("011011", "exact")),
    ("北海道札幌市", {}, ("011002", "exact")),
    ("石狩郡当別町", {}, ("013030", "exact")),
    ("ニセコ町", {}, ("013951", "exact")),
    ("ﾆｾｺ町", {}, ("013951", "exact")),  # half-width katakana
    ("南ｱﾙﾌﾟｽ市", {}, ("192082", "exact")),  # half-width with a separate ﾟ
    # variant kanji
    ("桧原村", {}, ("133078", "variant")),
    ("檜原村", {}, ("133078", "exact")),
    ("竜ヶ崎市", {}, ("082082", "variant")),
    ("龍ケ崎市", {}, ("082082", "exact")),
    ("関が原町", {}, ("213624", "variant")),
    ("鯵ヶ沢町", {}, ("023213", "variant")),
    ("飯館村", {}, ("075647", "variant")),
    ("須惠町", {}, ("403440", "variant")),
    ("四条畷市", {}, ("272299", "variant")),
    ("茅ケ崎市", {}, ("142077", "variant")),
    ("タ張市", {}, ("012092", "variant")),  # katakana タ for 夕
    ("ニ本松市", {}, ("072109", "variant")),  # katakana ニ for 二
    ("ー関市", {}, ("032093", "variant")),  # long-vowel mark for 一
    # exact beats variant: 鹿嶋市 (茨城) and 鹿島市 (佐賀) fold to one key
    ("鹿嶋市", {}, ("082228", "exact")),
    ("鹿島市", {}, ("412074", "exact")),
    # suffix-less: only unique and exact
    ("札幌", {}, ("011002", "exact")),
    ("伊達", {}, None),
    ("伊達", {"prefecture": "福島県"}, ("072133", "exact")),
    ("東京", {}, ("130001", "exact")),
    ("京都", {}, None),  # 京都府 or 京都市
    ("北海", {}, None),
    ("札幌", {"allow_stem": False}, None),
    # ambiguous without the prefecture
    ("府中市", {}, None),
    ("府中市", {"prefecture": "東京都"}, ("132063", "exact")),
    ("府中市", {"prefecture": "広島"}, ("342084", "exact")),
    ("府中市", {"prefecture": "34"}, ("342084", "exact")),
    ("府中市", {"prefecture": "廣島縣"}, ("342084", "exact")),
    ("府中市", {"context": "調布市、府中市、国分寺市、小金井市"}, ("132063", "exact")),
    ("府中市", {"context": "三原市・府中市・福山市・世羅町"}, ("342084", "exact")),
    ("府中市", {"context": "東京都多摩地域"}, ("132063", "exact")),
    ("府中市", {"context": "広島県の備後圏域"}, ("342084", "exact")),
    ("府中市", {"context": "調布市と福山市"}, None),  # one vote each: no guess
    ("府中市", {"prefecture": "北海道"}, None),  # in neither
    ("札幌市", {"prefecture": "東京都"}, ("011002", "exact")),  # the prefecture prefers, not filters
    ("北海道", {}, ("010006", "exact")),
    ("東京都府中市", {}, ("132063", "exact")),
    ("伊達市", {}, None),
    ("伊達市", {"context": "室蘭市、登別市、伊達市"}, ("012335", "exact")),
    ("伊達市", {"context": "福島市、桑折町"}, ("072133", "exact")),
    ("北海道伊達市", {}, ("012335", "exact")),
    ("中央区", {}, None),
    ("中央区", {"prefecture": "東京都"}, ("131024", "exact")),
    ("中央区", {"prefecture": "北海道"}, ("011011", "exact")),
    ("中央区", {"context": "札幌市の各区"}, ("011011", "exact")),
    ("中央区", {"context": "大阪市"}, ("271284", "exact")),
    ("北区", {"prefecture": "大阪府"}, None),  # 大阪市北区 and 堺市北区
    ("北区", {"prefecture": "大阪府", "context": "堺市"}, ("271462", "exact")),
    # OCR look-alikes
    ("蒲河町", {"prefecture": "北海道"}, ("016071", "fuzzy")),
    ("蒲河町", {"context": "様似町、えりも町"}, ("016071", "fuzzy")),
    ("蒲河町", {}, None),  # 浦河町 (北海道) and 神河町 (兵庫県) are both one character off
    ("中標律町", {}, ("016926", "fuzzy")),  # four characters: searched everywhere
    ("旭川布", {}, None),  # the suffix must be the same
    ("林町", {"prefecture": "北海道"}, None),  # 森町: two characters never match fuzzily
    # ordinary words are not towns
    ("事業", {}, None),
    ("連携", {}, None),
    ("地域", {}, None),
    ("圏域", {}, None),
    ("地域", {"prefecture": "北海道"}, None),
    ("事業町", {}, None),
    ("圏域市", {"context": "札幌市"}, None),
    ("市町村", {}, None),
    ("構成市町", {"prefecture": "北海道"}, None),  # 余市町 at 50: below FUZZY_THRESHOLD
    ("地域の町", {}, None),  # いの町 at 50
    # one character from 大口町 / 名護市, but three-character names are only matched fuzzily
    # in a preferred prefecture
    ("人口町", {}, None),
    ("介護市", {}, None),
    ("憩いの町", {}, None),  # いの町 is printed whole inside: the exact tiers turned it down
    ("", {}, None),
    ("   ", {}, None),
]


@pytest.mark.parametrize(("name", "kwargs", "expected"), LOOKUPS)
def test_lookup(g, name, kwargs, expected):
    assert found(g.lookup(name, **kwargs)) == expected


@pytest.mark.parametrize(
    ("name", "kwargs", "score"),
    [
        ("旭川市", {}, 100.0),
        ("桧原村", {}, 100.0),
        ("札幌", {}, 90.0),
        ("蒲河町", {"prefecture": "北海道"}, 200 / 3),  # one of three characters wrong
        ("中標律町", {}, 75.0),  # one of four
    ],
)
def test_lookup_scores(g, name, kwargs, score):
    match = g.lookup(name, **kwargs)
    assert match is not None and match.score == pytest.approx(score)
    assert match.source_text == name
    assert match.method != "fuzzy" or match.score >= FUZZY_THRESHOLD


def test_candidates_lists_what_lookup_cannot_choose_between(g):
    assert {m.code for m in g.candidates("府中市")} == {"132063", "342084"}
    assert {m.name for m in g.candidates("蒲河町")} == {"浦河町", "神河町"}
    assert len(g.candidates("中央区")) == 11  # Tokyo's and ten designated cities'
    assert [m.code for m in g.candidates("中央区", prefecture="東京都")] == ["131024"]
    assert g.candidates("地域") == ()
    assert [m.name for m in g.candidates("人口町")] == ["大口町"]  # lookup will not pick it


def test_unknown_prefecture_is_an_error(g):
    with pytest.raises(ValueError):
        g.lookup("府中市", prefecture="北海")


def test_a_small_gazetteer_follows_the_same_rules():
    def row(code, name, pref_code, pref, kind):
        return Municipality(code, name, "", pref_code, pref, kind)

    small = Gazetteer(
        [
            row("010006", "北海道", "01", "北海道", "prefecture"),
            row("070009", "福島県", "07", "福島県", "prefecture"),
            row("012335", "伊達市", "01", "北海道", "city"),
            row("072133", "伊達市", "07", "福島県", "city"),
            row("012050", "室蘭市", "01", "北海道", "city"),
        ]
    )
    assert small.lookup("伊達市") is None
    assert found(small.lookup("伊達市", context="室蘭市")) == ("012335", "exact")
    assert small.lookup("旭川市") is None


def test_exact_lookups_take_microseconds(g):
    names = ["旭川市", "札幌市中央区", "浦河町", "千代田区", "那覇市"] * 2000
    start = time.perf_counter()
    for name in names:
        g.lookup(name)
    per_lookup = (time.perf_counter() - start) / len(names)
    assert per_lookup < 100e-6  # about 5 µs on the reference machine


def test_default_gazetteer_is_built_once():
    assert default_gazetteer() is default_gazetteer()


# --- find_in_text ---------------------------------------------------------------------------


def names_in(g, text, **kwargs):
    return [(m.municipality.name, m.method, m.source_text) for m in g.find_in_text(text, **kwargs)]


FIND_CASES = [
    (
        "（札幌市、江別市、千歳市、恵庭市）",
        [
            ("札幌市", "exact", "札幌市"),
            ("江別市", "exact", "江別市"),
            ("千歳市", "exact", "千歳市"),
            ("恵庭市", "exact", "恵庭市"),
        ],
    ),
    ("蒲河町、様似町", [("浦河町", "fuzzy", "蒲河町"), ("様似町", "exact", "様似町")]),
    ("蒲河町 様似町", [("浦河町", "fuzzy", "蒲河町"), ("様似町", "exact", "様似町")]),
    (
        "とんがりロード広域連携地域 (蒲河町・様似町・えりも町・広尾町)",
        [
            ("浦河町", "fuzzy", "蒲河町"),
            ("様似町", "exact", "様似町"),
            ("えりも町", "exact", "えりも町"),
            ("広尾町", "exact", "広尾町"),
        ],
    ),
    ("旭 川 市と東 神 楽 町", [("旭川市", "exact", "旭 川 市"), ("東神楽町", "exact", "東 神 楽 町")]),
    ("札幌市中央区及び北区", [("札幌市中央区", "exact", "札幌市中央区"), ("札幌市北区", "exact", "北区")]),
    ("北海道伊達市と福島県伊達市", [("伊達市", "exact", "伊達市"), ("伊達市", "exact", "伊達市")]),
    ("高知県いの町", [("いの町", "exact", "いの町")]),
    ("南ｱﾙﾌﾟｽ市 甲府市", [("南アルプス市", "exact", "南ｱﾙﾌﾟｽ市"), ("甲府市", "exact", "甲府市")]),
    ("桧原村、鯵ヶ沢町", [("檜原村", "variant", "桧原村"), ("鰺ヶ沢町", "variant", "鯵ヶ沢町")]),
    # running text with no municipality in it
    ("圏域の事業と地域の連携を推進する", []),
    ("中央市場の再整備と北区画整理事業", []),  # 中央市, 北区 are parts of other words here
    ("憩いの町づくり", []),  # いの町 is not at a word start
    ("道内市町村の取組状況", []),
    ("府中市", []),  # ambiguous, nothing in the text settles it
]


@pytest.mark.parametrize(("text", "expected"), FIND_CASES)
def test_find_in_text(g, text, expected):
    assert names_in(g, text) == expected


def test_find_in_text_settles_ambiguous_names_from_the_rest_of_the_text(g):
    tokyo = g.find_in_text("調布市、府中市、国分寺市")
    hiroshima = g.find_in_text("三原市、府中市、福山市")
    assert [m.municipality.prefecture for m in tokyo] == ["東京都"] * 3
    assert [m.municipality.prefecture for m in hiroshima] == ["広島県"] * 3
    pairs = g.find_in_text("北海道伊達市と福島県伊達市")
    assert [m.municipality.code for m in pairs] == ["012335", "072133"]
    assert [m.municipality.code for m in g.find_in_text("府中市", prefecture="広島県")] == ["342084"]


def test_find_in_text_scores_fuzzy_matches(g):
    [damaged, exact] = g.find_in_text("蒲河町、様似町")
    assert damaged.score == pytest.approx(200 / 3) and exact.score == 100.0

"""Layout fuzzer: one logical table rendered in many layouts, and a scorer for what keikaku reads back.

A plan prints the same table in endless ways (ruled or not, category labels repeated, merged or
printed once, member names stacked, headers repeated per page or not, subtotals per page, cells
with line breaks), and readers meet it as a PDF or as one of its text extractions. The fuzzer
draws a *logical* table from a seed (the truth, in SPEC's canonical terms), renders it in a
*layout* and extracts every *form* from the rendering; every form of every layout of one table
must give the same canonical rows.

Pipeline of this module, each step a small pure function where it can be::

    Variant(family, seed, Layout)
      -> LogicalTable (family generator: rows in "repeat" form + Truth)
      -> Sheet (layout applied: label placement, merges, borders, page breaks, per-page totals)
      -> PDF (LibreOffice from flat ODS, or reportlab for a drawn borderless table)
      -> forms: the PDF, pdfplumber text, pdfplumber layout text, pdftotext -layout,
         tab-separated text as a spreadsheet copy gives it (clipboard quoting, or bare)
      -> extract_file (keikaku's per-document stages) -> score (per family, against the Truth)

Families: ``participation`` (projects under 2-level categories × 6-12 members, ●/○/blank, a 合計
per project, ●の数 / ○の数 / 合計 per member), ``catalog`` (projects under 3-level categories with
事業費（千円） and/or 担当課) and ``timeseries`` (grouped series with 小計 / 計 rows that add up ×
periods whose era changes, ▲ negatives, a 単位 caption).

Group labels: a table is drawn so that labels printed once at the top or at the bottom of their
span determine the grouping even where nothing shows the spans (a text form has no rules):
whatever convention a reader assumes (top, middle, bottom), the table itself refutes the wrong
ones (``paths_fit_placements``). Labels printed mid-span cannot be made so in general ((3, 3) and
(4, 2) rows put them on the same rows), so the scorer sets apart the rows a form leaves open
(``open_projects``); a ruled PDF's boxes, a merged label's exact middle in a PDF and a spreadsheet
copy (a merged label in its first row) close them. Time-series groups end in their 小計 / 増減 row,
which delimits them.

Regenerate the committed fast subset (needs LibreOffice Calc, poppler-utils, IPA fonts), or
render subset variants with every form into a folder to look at them::

    .venv/bin/python -m tests.layout_fuzzer --subset
    .venv/bin/python -m tests.layout_fuzzer --render /tmp/fuzz [VARIANT-NAME ...]

``benchmarks/bench_fuzz.py`` renders and scores the large set (``make bench BENCH=fuzz``).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from .fixture_generator import CATEGORIES, MARK, MUNICIPALITIES, PROJECT_WORDS

SUBSET_DIR = Path(__file__).resolve().parent / "fixtures" / "fuzz"
FLOORS_FILE = Path(__file__).resolve().parent / "fuzz_floors.json"  # recorded scores of the subset's renderings
SOFT_BREAK = "\x1f"  # where a cell may break its line: a newline under ``line_breaks``, nothing otherwise

FAMILIES = ("participation", "catalog", "timeseries")
FORMS = ("pdf", "plumber-text", "plumber-layout", "pdftotext-layout", "tsv-clipboard", "tsv-bare")
TARGETS = {"participation": 0.995, "categories": 0.99, "observations": 0.995}
FAMILY_MEASURE = {"participation": "participation", "catalog": "categories", "timeseries": "observations"}


# --- names to draw from -----------------------------------------------------------------------------

# (region as printed in the title, members in official order; the first is the centre city).
MEMBER_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("上川中部定住自立圏", MUNICIPALITIES),
    ("十勝定住自立圏", ("帯広市", "音更町", "士幌町", "上士幌町", "鹿追町", "新得町", "清水町", "芽室町", "中札内村", "更別村",
                  "大樹町", "広尾町", "幕別町", "池田町", "豊頃町", "本別町", "足寄町", "陸別町", "浦幌町")),
    ("盛岡広域連携中枢都市圏", ("盛岡市", "八幡平市", "滝沢市", "雫石町", "葛巻町", "岩手町", "紫波町", "矢巾町")),
    ("熊本連携中枢都市圏", ("熊本市", "菊池市", "宇土市", "宇城市", "阿蘇市", "合志市", "美里町", "玉東町", "大津町", "菊陽町",
                   "高森町", "西原村", "南阿蘇村", "御船町", "嘉島町", "益城町", "甲佐町", "山都町")),
    ("播磨圏域連携中枢都市圏", ("姫路市", "相生市", "加古川市", "赤穂市", "高砂市", "加西市", "宍粟市", "たつの市", "稲美町", "播磨町",
                     "市川町", "福崎町", "神河町", "太子町", "上郡町", "佐用町")),
)

# Two-level policy trees of participation matrices: (大分類, (中分類, ...)).
PARTICIPATION_TREE: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((big, tuple(mid for mid, _ in mids)) for big, mids in CATEGORIES),
    ("生活機能の強化", ("医療", "福祉", "教育", "産業振興", "環境")),
    ("結びつきやネットワークの強化", ("地域公共交通", "ICTインフラ整備", "道路等の交通インフラの整備", "地域内外の住民との交流・移住")),
    ("圏域マネジメント能力の強化", ("宣言中心市等における人材の育成", "外部からの行政及び民間人材の確保", "圏域内市町村の職員等の交流")),
)

MORE_PROJECTS = (
    "救急医療体制の確保", "休日夜間急病センターの運営", "病児・病後児保育の広域利用", "障害者就労支援の推進", "地域包括ケアの推進",
    "学校給食への地元産品の活用", "外国語指導助手の共同活用", "文化財の保存と活用", "ジオパークの推進", "広域観光ルートの形成",
    "特産品の販路拡大", "ふるさと納税の共同返礼品", "農業の担い手育成", "森林資源の循環利用", "鳥獣被害対策の推進",
    "バス路線の維持確保", "デマンド交通の導入支援", "地域情報化の推進", "行政手続のオンライン化", "移住相談窓口の共同運営",
    "関係人口の創出", "婚活支援事業", "空き家バンクの連携", "公共施設の相互利用", "消防の広域応援体制", "防災訓練の合同実施",
    "水道事業の広域連携", "し尿処理の共同化", "環境学習の推進", "再生可能エネルギーの導入促進", "職員の人事交流",
    "合同採用説明会の開催", "広域連携推進会議の運営", "圏域ビジョンの進行管理", "スポーツ合宿の誘致", "地元就職の促進",
    "中小企業の事業承継支援", "商店街の活性化支援", "企業立地の促進", "見守りネットワークの構築",
)

# Three-level policy trees of project catalogs: (大分類, ((中分類, (小分類, ...)), ...)).
CATALOG_TREE: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("活力ある産業のまち", (("農林業の振興", ("担い手の育成", "生産基盤の整備", "6次産業化の推進", "森林の保全")),
                      ("商工業の振興", ("創業支援", "中小企業の経営支援", "企業誘致", "商店街の活性化")),
                      ("観光の振興", ("観光資源の磨き上げ", "観光プロモーション", "受入環境の整備")))),
    ("安心して子育てできるまち", (("子育て支援の充実", ("保育サービスの充実", "子育て相談体制の充実", "経済的負担の軽減")),
                         ("学校教育の充実", ("確かな学力の育成", "教育環境の整備", "ICT教育の推進")),
                         ("青少年の健全育成", ("地域の見守り", "体験活動の推進")))),
    ("健やかに暮らせるまち", (("健康づくりの推進", ("健診の受診促進", "食育の推進", "運動習慣の定着")),
                        ("地域医療の確保", ("救急医療体制の確保", "医療人材の確保")),
                        ("高齢者福祉の充実", ("介護予防の推進", "地域包括ケアの推進", "生きがいづくり")))),
    ("安全で快適なまち", (("防災・減災の推進", ("自主防災組織の育成", "避難所の整備", "防災情報の発信")),
                      ("交通ネットワークの充実", ("地域公共交通の確保", "道路の整備", "除雪体制の確保")),
                      ("生活環境の保全", ("ごみの減量化", "上下水道の整備", "空き家対策")))),
    ("協働で築くまち", (("市民協働の推進", ("町内会活動の支援", "NPOとの連携")),
                     ("行財政運営の効率化", ("行政のデジタル化", "公共施設の適正管理", "広域連携の推進")))),
)

CATALOG_PROJECTS = (
    "新規就農者支援事業", "農地集積促進事業", "ほ場整備事業", "農産物加工施設整備事業", "森林整備事業", "間伐材利用促進事業",
    "創業者支援補助金", "中小企業融資制度", "企業立地促進補助金", "空き店舗活用事業", "商店街イベント支援事業", "観光案内所運営事業",
    "観光パンフレット作成事業", "Wi-Fi環境整備事業", "サイクルツーリズム推進事業", "保育所運営事業", "放課後児童クラブ運営事業",
    "子育て世代包括支援センター事業", "子ども医療費助成事業", "学習支援員配置事業", "校舎改修事業", "一人一台端末整備事業",
    "通学路安全対策事業", "青少年体験交流事業", "特定健診事業", "がん検診事業", "食育推進事業", "健康ポイント事業",
    "休日当番医事業", "医師確保対策事業", "介護予防教室事業", "認知症サポーター養成事業", "高齢者見守り事業", "老人クラブ支援事業",
    "自主防災組織育成事業", "避難所備蓄品整備事業", "防災行政無線更新事業", "コミュニティバス運行事業", "デマンドタクシー運行事業",
    "市道改良事業", "橋りょう長寿命化事業", "除雪機械更新事業", "ごみ減量化推進事業", "浄水場更新事業", "下水道管渠整備事業",
    "空き家解体補助事業", "町内会活動交付金", "協働のまちづくり事業", "電子申請推進事業", "公共施設等総合管理計画推進事業",
    "広域連携推進事業", "移住体験住宅事業", "地域おこし協力隊事業", "ふるさと納税推進事業", "図書館システム更新事業",
)

DEPARTMENTS = (
    ("企画政策部", "企画課"), ("企画政策部", "地域振興課"), ("経済部", "農林課"), ("経済部", "商工観光課"),
    ("こども未来部", "子育て支援課"), ("教育部", "学校教育課"), ("保健福祉部", "健康推進課"), ("保健福祉部", "介護福祉課"),
    ("総務部", "防災危機管理課"), ("建設部", "都市計画課"), ("建設部", "道路課"), ("市民生活部", "環境課"),
    ("総務部", "総務課"), ("総務部", "財政課"), ("総務部", "情報政策課"), ("上下水道部", "水道課"),
)


# --- truth: canonical output rows (SPEC) ----------------------------------------------------------------


@dataclass(frozen=True)
class ParticipationTruth:
    project_number: int
    project_name: str
    municipality_name: str
    status: str  # existing | new | none


@dataclass(frozen=True)
class ProjectTruth:
    project_number: int
    project_name: str
    category_1: str
    category_2: str
    category_3: str = ""


@dataclass(frozen=True)
class ObservationTruth:
    series: str  # "group / name", or "name" for a row outside any group
    period: str  # 2014 (calendar) or FY2014 (fiscal)
    value: str  # plain decimal, unit's scale applied (kept as text: exact and JSON-friendly)
    unit: str


@dataclass(frozen=True)
class Truth:
    """What keikaku must output for a table, whatever its layout and form."""

    family: str
    participation: tuple[ParticipationTruth, ...] = ()
    projects: tuple[ProjectTruth, ...] = ()
    observations: tuple[ObservationTruth, ...] = ()

    def to_json(self) -> dict:
        return {"family": self.family, **{f.name: [asdict(r) for r in getattr(self, f.name)] for f in fields(self) if f.name != "family"}}

    @staticmethod
    def from_json(data: dict) -> Truth:
        return Truth(
            family=data["family"],
            participation=tuple(ParticipationTruth(**r) for r in data.get("participation", ())),
            projects=tuple(ProjectTruth(**r) for r in data.get("projects", ())),
            observations=tuple(ObservationTruth(**r) for r in data.get("observations", ())),
        )


# --- layouts and variants ---------------------------------------------------------------------------------

OPTIONS: dict[str, tuple] = {
    "ruling": ("ruled", "unruled", "reportlab"),
    "labels": ("repeat", "merge-top", "merge-middle", "merge-bottom", "once-top", "once-middle", "once-bottom"),
    "header_text": ("horizontal", "stacked", "rotated"),
    "header_repeat": (True, False),
    "breaks": ("none", "natural", "manual"),
    "totals": ("end", "per-page"),
    "orientation": ("across", "down"),
    "line_breaks": ("none", "header", "cells"),
}
# Options that mean nothing for a family are pinned to their first value, so a variant has one name.
FAMILY_OPTIONS = {
    "participation": ("ruling", "labels", "header_text", "header_repeat", "breaks", "totals", "line_breaks"),
    "catalog": ("ruling", "labels", "header_repeat", "breaks", "totals", "line_breaks"),
    "timeseries": ("ruling", "labels", "header_repeat", "breaks", "orientation", "line_breaks"),
}
SHORT = {
    "ruled": "R", "unruled": "U", "reportlab": "D", "repeat": "rep", "merge-top": "mt", "merge-middle": "mm", "merge-bottom": "mb",
    "once-top": "ot", "once-middle": "om", "once-bottom": "ob", "horizontal": "hz", "stacked": "st", "rotated": "ro",
    True: "hr", False: "h1", "none": "b0", "natural": "bn", "manual": "bm", "end": "te", "per-page": "tp",
    "across": "ax", "down": "dn",
}


@dataclass(frozen=True)
class Layout:
    """How one logical table is printed. Validated like pdfplumber's ``TableSettings``.

    ruling        ruled (LibreOffice, borders), unruled (LibreOffice, no borders), reportlab
                  (words drawn on a grid, no rules: a word processor's tab-aligned table)
    labels        group labels on every row (repeat), one merged cell over the span with its text
                  at the top / middle / bottom, or printed once in the span's top / middle /
                  bottom row (ruled: the label column is boxed per span, as hand-made tables do)
    header_text   member names horizontal, stacked one character per line, or rotated 90°
    header_repeat header rows printed on every page, or on the first only
    breaks        none (one tall page), natural (the page length decides), manual (row breaks at
                  drawn places, inside groups too)
    totals        summary rows only at the end, or a 小計 row closing every page (needs manual breaks)
    orientation   time series: periods across (columns) or down (rows)
    line_breaks   no line breaks inside cells, in header cells, or in header and body cells
    """

    ruling: str = "ruled"
    labels: str = "repeat"
    header_text: str = "horizontal"
    header_repeat: bool = True
    breaks: str = "natural"
    totals: str = "end"
    orientation: str = "across"
    line_breaks: str = "none"

    def __post_init__(self) -> None:
        for name, allowed in OPTIONS.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"Layout.{name}={getattr(self, name)!r}; allowed: {allowed}")
        if self.totals == "per-page" and self.breaks != "manual":
            raise ValueError("totals='per-page' needs breaks='manual' (the fuzzer must know what each page holds)")

    def for_family(self, family: str) -> Layout:
        """The same layout with the options ``family`` ignores pinned to their defaults."""
        kept = FAMILY_OPTIONS[family]
        return replace(self, **{name: OPTIONS[name][0] for name in OPTIONS if name not in kept})

    def slug(self, family: str) -> str:
        """A short file-name-safe code: one part per option the family uses (see ``SHORT``)."""
        return "-".join(SHORT.get(getattr(self, n), getattr(self, n)) for n in FAMILY_OPTIONS[family] if n != "line_breaks") + {
            "none": "", "header": "-lh", "cells": "-lc"}[self.line_breaks]


@dataclass(frozen=True)
class Variant:
    """One rendering: a family's table drawn from ``seed``, printed in ``layout``."""

    family: str
    seed: int
    layout: Layout = field(default_factory=Layout)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown family {self.family!r}; choose from {FAMILIES}")
        object.__setattr__(self, "layout", self.layout.for_family(self.family))

    @property
    def name(self) -> str:
        return f"{self.family}-{self.seed:03d}-{self.layout.slug(self.family)}"

    def table(self) -> LogicalTable:
        return family_table(self.family, self.seed, self.layout.orientation)

    def truth(self) -> Truth:
        return self.table().truth

    def to_json(self) -> dict:
        return {"family": self.family, "seed": self.seed, "layout": asdict(self.layout)}

    @staticmethod
    def from_json(data: dict) -> Variant:
        return Variant(data["family"], data["seed"], Layout(**data["layout"]))


def layout_options(variant: Variant) -> list[tuple[str, object]]:
    """(option, value) pairs that describe ``variant``: the ones its family uses."""
    return [(name, getattr(variant.layout, name)) for name in FAMILY_OPTIONS[variant.family]]


# --- logical tables -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str  # may hold SOFT_BREAK
    width: float  # in characters of the body font (full-width), before wrapping
    kind: str  # label | number | name | member | count | value | text | period
    level: int = 0  # label columns: 1 = outermost group


@dataclass(frozen=True)
class Row:
    """A body row in "repeat" form: every label column holds its group's label."""

    cells: tuple[str, ...]
    kind: str = "data"  # data | summary (printed totals, after the data)
    span: int = 1  # summary rows: the label cell is merged over this many leading columns


@dataclass(frozen=True)
class HeaderCell:
    row: int
    col: int
    text: str
    row_span: int = 1
    col_span: int = 1


@dataclass(frozen=True)
class HeaderGroup:
    """A group label over header columns [start, stop): placed like body labels, but across."""

    label: str
    start: int
    stop: int


@dataclass(frozen=True)
class LogicalTable:
    family: str
    title: tuple[str, ...]  # lines above the table: title, then the unit caption if any
    columns: tuple[Column, ...]
    header: tuple[HeaderCell, ...]
    header_rows: int
    rows: tuple[Row, ...]
    truth: Truth
    header_groups: tuple[HeaderGroup, ...] = ()  # on header row 0 (time series, periods down)
    running: str = ""  # running page header

    @property
    def label_columns(self) -> int:
        return sum(c.kind == "label" for c in self.columns)


def solid(text: str) -> str:
    """Cell text with its optional line-break points removed (the logical text)."""
    return text.replace(SOFT_BREAK, "")


def break_middle(text: str, min_length: int = 6) -> str:
    """``text`` with a break point in its middle when it is long enough to be wrapped by hand."""
    if len(text) < min_length or SOFT_BREAK in text:
        return text
    return text[: len(text) // 2] + SOFT_BREAK + text[len(text) // 2 :]


@cache
def family_table(family: str, seed: int, orientation: str = "across") -> LogicalTable:
    if family == "participation":
        return participation_table(seed)
    if family == "catalog":
        return catalog_table(seed)
    return timeseries_table(seed, orientation)


# --- label placement: is the grouping determined by where labels are printed? --------------------------------


def paths_to_spans(paths: Sequence[tuple[str, ...]], level: int) -> list[tuple[int, int]]:
    """Runs [start, stop) of rows sharing their labels down to ``level`` (1-based)."""
    spans: list[tuple[int, int]] = []
    for i, path in enumerate(paths):
        if spans and paths[spans[-1][0]][:level] == path[:level]:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


def label_row(start: int, stop: int, where: str) -> int:
    """The row a label printed once sits on: top, bottom, or the upper of the middle rows."""
    return {"top": start, "bottom": stop - 1, "middle": start + (stop - start - 1) // 2}[where]


def middle_sizes(offset: int) -> tuple[int, ...]:
    """Span sizes whose middle (upper or lower, as a merged even span prints between rows) is
    ``offset`` rows below the span's start."""
    return tuple(n for n in (2 * offset, 2 * offset + 1, 2 * offset + 2) if n >= 1)


def readings(labelled: Sequence[int], start: int, stop: int, where: str) -> set[tuple[int, ...]]:
    """Every segmentation of rows [start, stop) (as span starts) in which each span prints its
    label at ``where`` on exactly the ``labelled`` rows."""
    if not labelled:
        return set()
    if where == "top":
        return {tuple(labelled)} if labelled[0] == start else set()
    if where == "bottom":
        return {(start, *(r + 1 for r in labelled[:-1]))} if labelled[-1] == stop - 1 else set()
    found: set[tuple[int, ...]] = set()

    def walk(i: int, starts: tuple[int, ...]) -> None:
        if i == len(labelled):
            if starts[-1] == stop:
                found.add(starts[:-1])
            return
        for n in middle_sizes(labelled[i] - starts[-1]):
            end = starts[-1] + n
            if end > labelled[i] and (i + 1 == len(labelled) or end <= labelled[i + 1]) and end <= stop:
                walk(i + 1, (*starts, end))

    walk(0, (start,))
    return found


@dataclass(frozen=True)
class SpanReadings:
    """The readings of one level inside one true parent span: span starts, true and found."""

    level: int
    start: int
    stop: int
    truth: tuple[int, ...]
    found: tuple[tuple[int, ...], ...]


def consistent_readings(paths: Sequence[tuple[str, ...]], printed: str, assumed: str) -> list[SpanReadings] | None:
    """Per level, per true parent span, the readings of labels printed once at ``printed`` by a
    reader assuming ``assumed``; None when some span has none (the table refutes the
    assumption). Levels are read inside their true parents."""
    out: list[SpanReadings] = []
    for level in range(1, len(paths[0]) + 1 if paths else 1):
        parents = paths_to_spans(paths, level - 1) if level > 1 else [(0, len(paths))]
        for p_start, p_stop in parents:
            spans = [(p_start + s, p_start + e) for s, e in paths_to_spans(paths[p_start:p_stop], level)]
            found = readings([label_row(s, e, printed) for s, e in spans], p_start, p_stop, assumed)
            if not found:
                return None
            out.append(SpanReadings(level, p_start, p_stop, tuple(s for s, _ in spans), tuple(sorted(found))))
    return out


def moved_rows(paths: Sequence[tuple[str, ...]], span: SpanReadings, starts: Sequence[int]) -> set[int]:
    """Rows that the reading ``starts`` puts under another label than their own."""
    labels = [paths[b][span.level - 1] for b in span.truth]
    bounds = [*starts, span.stop]
    return {r for k, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)) for r in range(a, b) if paths[r][span.level - 1] != labels[k]}


def open_rows(paths: Sequence[tuple[str, ...]], printed: str) -> frozenset[int]:
    """Rows (0-based) whose group some consistent reading of once-printed labels changes: the
    rendering leaves their categories open, whatever a reader does."""
    rows: set[int] = set()
    for assumed in ("top", "middle", "bottom"):
        for span in consistent_readings(paths, printed, assumed) or ():
            for starts in span.found:
                rows |= moved_rows(paths, span, starts)
    return frozenset(rows)


def paths_are_determined(paths: Sequence[tuple[str, ...]], printed: str) -> bool:
    """True when labels printed once at ``printed`` leave one grouping: for every convention a
    reader could assume (top, middle with either middle row, bottom), the table refutes it or
    its only reading is the true one."""
    return not open_rows(paths, printed)


def paths_fit_placements(paths: Sequence[tuple[str, ...]]) -> bool:
    """Labels printed at the top or the bottom of their span determine the grouping. (Printed
    in the middle, they rarely can without rules: (3, 3) and (4, 2) rows put labels on the same
    rows. The scorer sets such open rows apart instead, see ``open_projects``.)"""
    return paths_are_determined(paths, "top") and paths_are_determined(paths, "bottom")


DRAWS = 6  # determined category trees drawn per table; the least open to middle labels is kept


def draw_paths(rng: random.Random, tree: Sequence, depth: int, projects: tuple[int, int], per_leaf: tuple[int, int]) -> list[tuple[str, ...]]:
    """Category paths, one per project, from a policy tree: labels printed at the top or bottom
    of their span must determine the grouping and the count must fit; of the first few such
    draws, the one leaving the fewest rows open to middle-printed labels."""
    drawn: list[list[tuple[str, ...]]] = []
    for _ in range(5000):
        paths: list[tuple[str, ...]] = []
        for big, subtree in rng.sample(list(tree), rng.randint(2, min(4, len(tree)))):
            for mid in rng.sample(list(subtree), rng.randint(1, min(3, len(subtree)))):
                if depth == 2:
                    paths += [(big, mid)] * rng.randint(*per_leaf)
                    continue
                name, smalls = mid
                for small in rng.sample(list(smalls), rng.randint(1, min(3, len(smalls)))):
                    paths += [(big, name, small)] * rng.randint(*per_leaf)
        if projects[0] <= len(paths) <= projects[1] and paths_fit_placements(paths):
            drawn.append(paths)
            if len(drawn) == DRAWS:
                return min(drawn, key=lambda p: len(open_rows(p, "middle")))
    raise RuntimeError("no determined category tree drawn in 5000 tries")


def draw_names(rng: random.Random, pool: Sequence[str], count: int) -> list[str]:
    names = rng.sample(list(pool), min(count, len(pool)))
    while len(names) < count:
        names.append(f"{pool[len(names) % len(pool)]}（第{len(names) // len(pool) + 1}期）")
    return names


# --- participation matrices ----------------------------------------------------------------------------------

SUMMARY_LABELS = (("●の数", "○の数", "合計"), ("既に連携（●）", "新たに連携（○）", "計"))
STATE_WEIGHTS = (("existing", "new", "none"), (0.6, 0.12, 0.28))


def participation_table(seed: int) -> LogicalTable:
    """Projects under 大分類 / 中分類 × member municipalities, with the printed totals."""
    rng = random.Random(f"participation-{seed}")
    region, group = rng.choice(MEMBER_GROUPS)
    others = sorted(rng.sample(group[1:], rng.randint(5, min(11, len(group) - 1))), key=group.index)
    members = (group[0], *others)
    paths = draw_paths(rng, PARTICIPATION_TREE, 2, (10, 36), (1, 5))
    names = draw_names(rng, (*PROJECT_WORDS, *MORE_PROJECTS), len(paths))
    states = [["existing", *rng.choices(*STATE_WEIGHTS, k=len(others))] for _ in paths]
    rows = [
        Row((*path, str(no), break_middle(name, 9), *(MARK[s] for s in row), str(sum(s != "none" for s in row))))
        for no, (path, name, row) in enumerate(zip(paths, names, states, strict=True), start=1)
    ]
    labels = rng.choice(SUMMARY_LABELS)
    for label, pick in zip(labels, ("existing", "new", None), strict=True):
        counts = [sum((r[m] == pick) if pick else (r[m] != "none") for r in states) for m in range(len(members))]
        rows.append(Row((label, "", "", "", *map(str, counts), str(sum(counts))), kind="summary", span=4))
    name_header = rng.choice(("事業名", "取組名", "連携事業"))
    columns = (
        Column("大分類", 7, "label", 1), Column("中分類", 6, "label", 2), Column("No", 1.5, "number"), Column(name_header, 10, "name"),
        *(Column(break_middle(m, 4), max(len(m), 2), "member") for m in members), Column("合計", 2, "count"),
    )
    truth = Truth(
        "participation",
        participation=tuple(
            ParticipationTruth(no, name, member, state)
            for no, (name, row) in enumerate(zip(names, states, strict=True), start=1)
            for member, state in zip(members, row, strict=True)
        ),
        projects=tuple(ProjectTruth(no, name, *path) for no, (path, name) in enumerate(zip(paths, names, strict=True), start=1)),
    )
    title = rng.choice(("{}において連携する取組一覧", "{} 連携事業と関係市町村", "{}共生ビジョン 具体的取組一覧")).format(region)
    return LogicalTable(
        family="participation", title=(title,), columns=columns, header=header_cells(columns), header_rows=1,
        rows=tuple(rows), truth=truth, running=title,
    )


def header_cells(columns: Sequence[Column]) -> tuple[HeaderCell, ...]:
    return tuple(HeaderCell(0, i, c.header) for i, c in enumerate(columns))


# --- project catalogs -----------------------------------------------------------------------------------------

VALUE_COLUMNS = (("cost",), ("dept",), ("cost", "dept"))


def catalog_table(seed: int) -> LogicalTable:
    """Projects under 大分類 / 中分類 / 小分類 with 事業費（千円） and/or 担当課, a 合計 under 事業費."""
    rng = random.Random(f"catalog-{seed}")
    paths = draw_paths(rng, CATALOG_TREE, 3, (14, 48), (1, 4))
    names = draw_names(rng, CATALOG_PROJECTS, len(paths))
    values = rng.choice(VALUE_COLUMNS)
    costs = [rng.randint(3, 2500) * 100 + rng.randint(0, 99) for _ in paths]
    depts = [rng.choice(DEPARTMENTS) for _ in paths]
    columns = [Column("大分類", 7, "label", 1), Column("中分類", 7, "label", 2), Column("小分類", 7, "label", 3),
               Column("No", 1.5, "number"), Column("事業名", 10, "name")]
    if "cost" in values:
        columns.append(Column(f"事業費{SOFT_BREAK}（千円）", 5, "value"))
    if "dept" in values:
        columns.append(Column(f"担当{SOFT_BREAK}課", 7, "text"))
    rows = []
    for no, (path, name, cost, dept) in enumerate(zip(paths, names, costs, depts, strict=True), start=1):
        extra = ((f"{cost:,}",) if "cost" in values else ()) + ((SOFT_BREAK.join(dept),) if "dept" in values else ())
        rows.append(Row((*(break_middle(p, 8) for p in path), str(no), break_middle(name, 9), *extra)))
    if "cost" in values:
        rows.append(Row(("合計", "", "", "", "", f"{sum(costs):,}", *([""] if "dept" in values else [])), kind="summary", span=5))
    truth = Truth("catalog", projects=tuple(ProjectTruth(no, name, *path) for no, (path, name) in enumerate(zip(paths, names, strict=True), start=1)))
    title = rng.choice(("第2期総合戦略 施策体系別事業一覧", "実施計画 事業一覧（令和6年度）", "主要事業一覧"))
    title_lines = (title, "（単位：千円）") if "cost" in values and rng.random() < 0.5 else (title,)
    return LogicalTable(
        family="catalog", title=title_lines, columns=tuple(columns), header=header_cells(columns), header_rows=1,
        rows=tuple(rows), truth=truth, running=title,
    )


# --- time series ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesSpec:
    group: str  # "" for a row outside any group (a total of the table)
    name: str
    rule: tuple  # ("leaf", low, high) | ("sum", (group, name), ...) | ("diff", (group, name), (group, name))


@dataclass(frozen=True)
class Archetype:
    title: str
    unit: str  # unit as captioned: 人, 千円
    fiscal: bool
    note: str  # title note: calendar evidence or source
    series: tuple[SeriesSpec, ...]


def _leaf(group: str, name: str, low: int, high: int) -> SeriesSpec:
    return SeriesSpec(group, name, ("leaf", low, high))


def _subtotal(group: str, names: Sequence[str], label: str = "小計") -> SeriesSpec:
    return SeriesSpec(group, label, ("sum", *((group, n) for n in names)))


def _grouped_sums(groups: Sequence[tuple[str, Sequence[tuple[str, int, int]]]]) -> tuple[SeriesSpec, ...]:
    out: list[SeriesSpec] = []
    for group, leaves in groups:
        out += [_leaf(group, n, lo, hi) for n, lo, hi in leaves]
        out.append(_subtotal(group, [n for n, _, _ in leaves]))
    return tuple(out)


AGES = (("0～14歳", 800, 6000), ("15～64歳", 9000, 40000), ("65歳以上", 4000, 22000))
EXPENSES = (
    ("義務的経費", (("人件費", 1_500_000, 4_000_000), ("扶助費", 2_000_000, 6_000_000), ("公債費", 800_000, 2_500_000))),
    ("投資的経費", (("普通建設事業費", 500_000, 3_000_000), ("災害復旧事業費", 0, 300_000))),
    ("その他の経費", (("物件費", 1_000_000, 3_000_000), ("補助費等", 600_000, 2_000_000), ("繰出金", 700_000, 1_800_000))),
)
ARCHETYPES = (
    Archetype("人口動態の推移", "人", False, "（各年1月～12月）", (
        _leaf("自然動態", "出生数", 250, 900), _leaf("自然動態", "死亡数", 700, 1500),
        SeriesSpec("自然動態", "自然増減", ("diff", ("自然動態", "出生数"), ("自然動態", "死亡数"))),
        _leaf("社会動態", "転入数", 1800, 3200), _leaf("社会動態", "転出数", 1900, 3400),
        SeriesSpec("社会動態", "社会増減", ("diff", ("社会動態", "転入数"), ("社会動態", "転出数"))),
        SeriesSpec("", "人口増減", ("sum", ("自然動態", "自然増減"), ("社会動態", "社会増減"))),
    )),
    Archetype("年齢3区分別人口の推移", "人", False, "（各年10月1日現在）", (
        *_grouped_sums((("男", AGES), ("女", AGES))),
        SeriesSpec("", "総数", ("sum", ("男", "小計"), ("女", "小計"))),
    )),
    Archetype("性質別歳出決算額の推移", "千円", True, "（普通会計決算）", (
        *_grouped_sums(EXPENSES),
        SeriesSpec("", "歳出合計", ("sum", *((g, "小計") for g, _ in EXPENSES))),
    )),
    Archetype("転入・転出者数の推移", "人", True, "（住民基本台帳）", (
        *_grouped_sums((("転入", (("県内", 600, 1500), ("県外", 500, 1400))), ("転出", (("県内", 700, 1600), ("県外", 600, 1500))))),
        SeriesSpec("", "社会増減", ("diff", ("転入", "小計"), ("転出", "小計"))),
    )),
)
LAST_YEAR = 2024  # the latest period a table may print
ERAS = (("令和", "R", 2019), ("平成", "H", 1989), ("昭和", "S", 1926))
UNIT_SCALE = {"人": (1, "人"), "千円": (1000, "円")}


def year_to_era(year: int) -> tuple[str, str, int]:
    """(era, letter, year of era) of a Western year; the first year of an era is its 元年."""
    era, letter, first = next(e for e in ERAS if year >= e[2])
    return era, letter, year - first + 1


def period_label(year: int, fiscal: bool, style: str, previous: int | None) -> str:
    """A period as a plan prints it. ``changes`` prints the era only where it changes."""
    era, letter, number = year_to_era(year)
    suffix = "年度" if fiscal else "年"
    if style == "abbrev":
        return f"{letter}{number}" + (suffix if fiscal else "")
    shown = "元" if number == 1 else str(number)
    if style == "changes" and previous is not None and year_to_era(previous)[0] == era:
        return f"{shown}{SOFT_BREAK}{suffix}"
    return f"{era}{shown}{SOFT_BREAK}{suffix}"


def draw_years(rng: random.Random, fiscal: bool) -> list[int]:
    """Periods whose era changes along the axis: census years from 昭和, or annual series
    across 平成元年 / 令和元年."""
    if not fiscal and rng.random() < 0.35:
        count = rng.randint(6, 8)
        return list(range(2020 - 5 * (count - 1), 2021, 5))
    count = rng.randint(6, 12)
    change = 1989 if not fiscal and rng.random() < 0.3 else 2019
    start = rng.randint(change - count + 2, min(change - 1, LAST_YEAR - count + 1))
    return list(range(start, start + count))


def series_values(specs: Sequence[SeriesSpec], years: Sequence[int], rng: random.Random) -> dict[tuple[str, str], list[int]]:
    """Leaf series wander around a drawn level; sums and differences are computed, so the
    printed totals add up."""
    values: dict[tuple[str, str], list[int]] = {}
    for spec in specs:
        kind, *args = spec.rule
        if kind == "leaf":
            level = rng.randint(args[0], args[1])
            values[(spec.group, spec.name)] = [max(0, round(level * rng.uniform(0.85, 1.15))) for _ in years]
        elif kind == "sum":
            values[(spec.group, spec.name)] = [sum(v) for v in zip(*(values[k] for k in args), strict=True)]
        else:
            values[(spec.group, spec.name)] = [a - b for a, b in zip(values[args[0]], values[args[1]], strict=True)]
    return values


def format_value(value: int, negative: str) -> str:
    return f"{negative}{-value:,}" if value < 0 else f"{value:,}"


def series_name(spec: SeriesSpec) -> str:
    return f"{spec.group} / {spec.name}" if spec.group else spec.name


@dataclass(frozen=True)
class SeriesTable:
    """A time-series table before it is laid out across or down."""

    archetype: Archetype
    years: tuple[int, ...]
    labels: tuple[str, ...]  # period labels as printed (SOFT_BREAK where they may wrap)
    cells: tuple[tuple[str, ...], ...]  # per series, per period, as printed
    title: tuple[str, ...]
    truth: Truth


@cache
def series_table(seed: int) -> SeriesTable:
    rng = random.Random(f"timeseries-{seed}")
    arch = rng.choice(ARCHETYPES)
    years = draw_years(rng, arch.fiscal)
    style = rng.choice(("full", "changes", "abbrev"))
    labels = tuple(period_label(y, arch.fiscal, style, years[i - 1] if i else None) for i, y in enumerate(years))
    negative = rng.choice(("▲", "▲ ", "△"))
    values = series_values(arch.series, years, rng)
    cells = tuple(tuple(format_value(v, negative) for v in values[(s.group, s.name)]) for s in arch.series)
    scale, unit = UNIT_SCALE[arch.unit]
    truth = Truth("timeseries", observations=tuple(
        ObservationTruth(series_name(s), f"FY{y}" if arch.fiscal else str(y), str(v * scale), unit)
        for s in arch.series for y, v in zip(years, values[(s.group, s.name)], strict=True)
    ))
    number = rng.choice(("(1) ", "(2) ", "表3 ", ""))
    caption = rng.choice(("（単位：{}）", "単位：{}", "(単位:{})")).format(arch.unit)
    return SeriesTable(arch, tuple(years), labels, cells, (f"{number}{arch.title}{arch.note}", caption), truth)


def timeseries_table(seed: int, orientation: str) -> LogicalTable:
    table = series_table(seed)
    return series_across(table) if orientation == "across" else series_down(table)


def series_across(table: SeriesTable) -> LogicalTable:
    """Series down the side (group label, name), periods across the top."""
    specs = table.archetype.series
    columns = (Column("区分", 5, "label", 1), Column("", 7, "name"), *(Column(p, 5, "period") for p in table.labels))
    header = (HeaderCell(0, 0, "区分", col_span=2), *(HeaderCell(0, 2 + i, p) for i, p in enumerate(table.labels)))
    rows = tuple(
        Row((s.group, break_middle(s.name, 6), *cells)) if s.group else Row((s.name, "", *cells), kind="summary", span=2)
        for s, cells in zip(specs, table.cells, strict=True)
    )
    return LogicalTable("timeseries", table.title, columns, header, 1, rows, table.truth, running=table.title[0])


def series_down(table: SeriesTable) -> LogicalTable:
    """Periods down the side, series across: group labels on a first header row over their
    series' columns, names on the second; ungrouped series span both header rows."""
    specs = table.archetype.series
    period_header = "年度" if table.archetype.fiscal else "年"
    columns = (Column(period_header, 6, "period"), *(Column(break_middle(s.name, 6), 5, "value") for s in specs))
    header: list[HeaderCell] = [HeaderCell(0, 0, period_header, row_span=2)]
    groups: list[HeaderGroup] = []
    for i, s in enumerate(specs, start=1):
        if not s.group:
            header.append(HeaderCell(0, i, s.name, row_span=2))
            continue
        header.append(HeaderCell(1, i, break_middle(s.name, 6)))
        if groups and groups[-1].label == s.group:
            groups[-1] = replace(groups[-1], stop=i + 1)
        else:
            groups.append(HeaderGroup(s.group, i, i + 1))
    rows = tuple(Row((label, *(cells[k] for cells in table.cells))) for k, label in enumerate(table.labels))
    return LogicalTable("timeseries", table.title, columns, tuple(header), 2, rows, table.truth, tuple(groups), running=table.title[0])


# --- the sheet: a table laid out -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetCell:
    row: int  # sheet row (header rows first)
    col: int
    text: str  # line breaks as "\n"
    row_span: int = 1
    col_span: int = 1
    valign: str = "middle"  # top | middle | bottom
    halign: str = "left"  # left | center | right
    vertical: str = ""  # "" | stacked | rotated
    borders: str = "tblr"  # sides drawn (ruled only)


@dataclass(frozen=True)
class PageSetup:
    width: float  # cm
    height: float
    font: float  # pt
    row: float  # cm, least body row height


@dataclass(frozen=True)
class Sheet:
    """A laid-out table: what LibreOffice, reportlab and the clipboard writer all draw from."""

    title: tuple[str, ...]
    running: str
    widths: tuple[float, ...]  # cm
    heights: tuple[float, ...]  # cm, per sheet row
    header_rows: int
    cells: tuple[SheetCell, ...]
    breaks: tuple[int, ...]  # sheet rows that start a new page (manual breaks)
    ruled: bool
    repeat_header: bool
    page: PageSetup

    @property
    def n_rows(self) -> int:
        return len(self.heights)


MARGIN = 1.0  # cm, top and bottom (left and right: 1.2)
HEADER_FOOTER = 1.8  # cm taken by the running header and footer
TITLE_ROW = 0.75  # cm per title line (and one blank row)
PAGES = ((21.0, 29.7), (29.7, 21.0), (36.4, 25.7), (42.0, 29.7))  # A4 portrait, A4 / B4 / A3 landscape
CM_PER_PT = 2.54 / 72


def char_cm(font: float) -> float:
    return font * CM_PER_PT


def text_lines(text: str) -> int:
    return text.count("\n") + 1


def rendered(text: str, breaks: bool) -> str:
    return text.replace(SOFT_BREAK, "\n" if breaks else "")


def draw_setup(variant: Variant) -> tuple[float, float, float]:
    """(font pt, body row cm, which page size to try first) drawn from the variant's name."""
    rng = random.Random(f"setup-{variant.name}")
    return rng.choice((8.0, 9.0, 10.0)), rng.choice((0.55, 0.65, 0.8)), rng.random()


NO_WRAP = ("number", "count", "value", "period", "member")  # columns whose cells never wrap (numbers, marks, periods)


def column_texts(table: LogicalTable, col: int) -> list[str]:
    """Body texts of a column, leaving out summary labels merged over it."""
    return [solid(r.cells[col]) for r in table.rows if col < len(r.cells) and not (r.kind != "data" and col < r.span)]


def display_width(text: str) -> float:
    return max((sum(map(char_width, line)) for line in text.split("\n")), default=0.0)


def column_widths(table: LogicalTable, layout: Layout, font: float) -> tuple[float, ...]:
    """Widths in cm: columns of numbers, marks and periods as wide as their widest cell (they
    never wrap); label, name and text columns at their nominal width (they wrap); member
    columns narrow when their names are printed vertically."""
    unit = char_cm(font)
    out = []
    for col, column in enumerate(table.columns):
        chars = column.width
        if column.kind in NO_WRAP:
            chars = max([display_width(t) for t in column_texts(table, col)] + [1.0])
            if column.kind == "member" and layout.header_text == "horizontal":
                chars = max(chars, display_width(rendered(column.header, layout.line_breaks != "none")))
            chars = max(chars, 1.6)
        out.append(round(chars * unit * 1.1 + 0.4, 2))
    return tuple(out)


def char_width(ch: str) -> float:
    """Width of a character in full-width characters (Latin letters and digits are half)."""
    return 0.5 if unicodedata.east_asian_width(ch) in "NaH" else 1.0


def wrap_text(text: str, width: float, font: float) -> list[str]:
    """Lines of ``text`` in a column ``width`` cm wide, broken greedily (Japanese breaks anywhere)."""
    per_line = max(1.0, (width - 0.25) / char_cm(font))
    out = []
    for line in text.split("\n"):
        current, used = "", 0.0
        for ch in line:
            if current and used + char_width(ch) > per_line:
                out.append(current)
                current, used = "", 0.0
            current += ch
            used += char_width(ch)
        out.append(current)
    return out


def needed_height(cell: SheetCell, widths: Sequence[float], font: float) -> float:
    """Height in cm the cell's text needs: wrapped lines, or its length when printed vertically."""
    if cell.vertical == "stacked":
        return len(cell.text) * char_cm(font) * 1.1 + 0.4
    if cell.vertical == "rotated":
        return sum(map(char_width, cell.text)) * char_cm(font) + 0.4
    return len(wrap_text(cell.text, sum(widths[cell.col : cell.col + cell.col_span]), font)) * char_cm(font) * 1.25 + 0.25


def row_heights(cells: Sequence[SheetCell], widths: Sequence[float], n_rows: int, least: float, font: float) -> tuple[float, ...]:
    """Every row at least ``least`` and tall enough for its cells; a merged cell that needs more
    than its rows give spreads the difference over them."""
    heights = [least] * n_rows
    for cell in cells:
        if cell.row_span == 1:
            heights[cell.row] = max(heights[cell.row], needed_height(cell, widths, font))
    for cell in cells:
        rows = range(cell.row, min(cell.row + cell.row_span, n_rows))
        deficit = needed_height(cell, widths, font) - sum(heights[r] for r in rows)
        if cell.row_span > 1 and deficit > 0:
            for r in rows:
                heights[r] += deficit / len(rows)
    return tuple(round(h, 2) for h in heights)


def choose_page(widths: Sequence[float], first: float) -> tuple[float, float]:
    """The first page size (from a drawn start) wide enough for the table; the widest else."""
    need = sum(widths) + 2.6
    fitting = [p for p in PAGES if p[0] >= need] or [PAGES[-1]]
    return fitting[1] if len(fitting) > 1 and first > 0.7 else fitting[0]


def rows_per_page(page: PageSetup, header: float, title_lines: int, row: float) -> int:
    """Body rows of height ``row`` that fit on the first page (the tightest: it also carries the title)."""
    usable = page.height - 2 * MARGIN - HEADER_FOOTER - (title_lines + 1) * TITLE_ROW - header
    return max(3, int(usable / row))


def manual_chunks(count: int, capacity: int, rng: random.Random) -> list[int]:
    """Rows per page for manual breaks: 2-4 pages cut at drawn rows (inside groups as well),
    none longer than fits with room for a 小計, none of a single row."""
    top = max(2, capacity - 2)
    pages = min(count, max(rng.randint(2, 4), -(-count // top)))
    for _ in range(200):
        cuts = [0, *sorted(rng.sample(range(1, count), pages - 1)), count]
        sizes = [b - a for a, b in zip(cuts, cuts[1:], strict=False)]
        if max(sizes) <= top and min(sizes) >= min(2, count // pages):
            return sizes
    return [len(part) for part in (range(count)[k::pages] for k in range(pages))]


def subtotal_row(table: LogicalTable, rows: Sequence[Row], label: str = "小計") -> Row:
    """A per-page total: marks counted in member columns, numbers summed in count/value columns."""
    span = table.label_columns + 2
    cells: list[str] = [label, *[""] * (span - 1)]
    for i, column in enumerate(table.columns[span:], start=span):
        texts = [r.cells[i] for r in rows]
        if column.kind == "member":
            cells.append(str(sum(bool(t) for t in texts)))
        elif column.kind in ("count", "value"):
            cells.append(f"{sum(int(t.replace(',', '')) for t in texts if t):,}")
        else:
            cells.append("")
    return Row(tuple(cells), kind="subtotal", span=span)


def paginate_rows(table: LogicalTable, layout: Layout, capacity: int, rng: random.Random) -> tuple[list[Row], list[int]]:
    """Body rows with per-page 小計 rows inserted, and the body rows that start a new page."""
    rows = list(table.rows)
    if layout.breaks != "manual":
        return rows, []
    data = [r for r in rows if r.kind == "data"]
    tail = [r for r in rows if r.kind != "data"]
    sizes = manual_chunks(len(data), capacity, rng)
    out: list[Row] = []
    starts: list[int] = []
    at = 0
    for k, size in enumerate(sizes):
        if k:
            starts.append(len(out))
        page = data[at : at + size]
        at += size
        out += page
        if layout.totals == "per-page" and any(c.kind in ("count", "value") for c in table.columns):
            out.append(subtotal_row(table, page))
    return out + tail, starts


def placed_label_cells(rows: Sequence[Row], table: LogicalTable, layout: Layout, top: int) -> list[SheetCell]:
    """Label-column cells of data rows as ``layout.labels`` prints them. Spans never cross a
    non-data row (a page 小計 closes a page: the label is printed again on the next)."""
    kind, _, where = layout.labels.partition("-")
    cells: list[SheetCell] = []
    segment: list[int] = []
    for i, row in enumerate([*rows, Row((), kind="end")]):
        if row.kind == "data":
            segment.append(i)
            continue
        if segment:
            paths = [tuple(solid(c) for c in rows[j].cells[: table.label_columns]) for j in segment]
            for level in range(1, table.label_columns + 1):
                for s, e in paths_to_spans(paths, level):
                    text = rows[segment[s]].cells[level - 1]
                    cells += span_cells(text, top + segment[s], e - s, level - 1, kind, where, layout)
        segment = []
    return cells


def span_cells(text: str, first: int, size: int, col: int, kind: str, where: str, layout: Layout) -> list[SheetCell]:
    """The cells one group label occupies in its column over ``size`` rows from ``first``."""
    breaks = layout.line_breaks == "cells"
    text = rendered(text, breaks)
    ruled = layout.ruling == "ruled"
    if kind == "repeat":
        return [SheetCell(first + k, col, text, valign="middle") for k in range(size)]
    if kind == "merge":
        return [SheetCell(first, col, text, row_span=size, valign={"top": "top", "middle": "middle", "bottom": "bottom"}[where])]
    at = label_row(0, size, where)
    out = []
    for k in range(size):
        sides = "lr" + ("t" if k == 0 else "") + ("b" if k == size - 1 else "")
        out.append(SheetCell(first + k, col, text if k == at else "", borders=sides if ruled else "tblr"))
    return out


def placed_header_groups(table: LogicalTable, layout: Layout) -> list[SheetCell]:
    """Header group labels across their columns: the body placements turned sideways
    (top / middle / bottom -> left / centre / right)."""
    kind, _, where = layout.labels.partition("-")
    align = {"top": "left", "middle": "center", "bottom": "right", "": "center"}[where]
    out: list[SheetCell] = []
    for group in table.header_groups:
        size = group.stop - group.start
        text = rendered(group.label, layout.line_breaks != "none")
        if kind == "repeat":
            out += [SheetCell(0, group.start + k, text, halign="center") for k in range(size)]
        elif kind == "merge":
            out.append(SheetCell(0, group.start, text, col_span=size, halign=align))
        else:
            at = label_row(0, size, where)
            for k in range(size):
                sides = "tb" + ("l" if k == 0 else "") + ("r" if k == size - 1 else "")
                out.append(SheetCell(0, group.start + k, text if k == at else "", halign="center", borders=sides))
    return out


def header_sheet_cells(table: LogicalTable, layout: Layout) -> list[SheetCell]:
    breaks = layout.line_breaks != "none"
    out = []
    for cell in table.header:
        column = table.columns[cell.col]
        vertical = layout.header_text if column.kind == "member" and layout.header_text != "horizontal" else ""
        text = solid(cell.text) if vertical else rendered(cell.text, breaks)
        out.append(SheetCell(cell.row, cell.col, text, cell.row_span, cell.col_span, halign="center", vertical=vertical))
    return out + placed_header_groups(table, layout)


def body_sheet_cells(rows: Sequence[Row], table: LogicalTable, layout: Layout, top: int) -> list[SheetCell]:
    """Every body cell but the data rows' labels (placed separately)."""
    breaks = layout.line_breaks == "cells"
    out: list[SheetCell] = []
    for i, row in enumerate(rows):
        first = table.label_columns if row.kind == "data" else 0
        for col in range(first, len(row.cells)):
            if row.kind != "data" and 0 < col < row.span:
                continue
            column = table.columns[col]
            span = row.span if row.kind != "data" and col == 0 else 1
            align = "right" if column.kind in ("value", "count", "period") and col >= span else (
                "center" if column.kind in ("member", "number") else "left")
            out.append(SheetCell(top + i, col, rendered(row.cells[col], breaks), col_span=span, halign=align))
    return out + placed_label_cells(rows, table, layout, top)


def table_to_sheet(variant: Variant) -> Sheet:
    """Lay ``variant``'s table out: label placement, header text, page breaks and totals.
    Manual pages are cut shorter until each fits its page (no break LibreOffice adds itself)."""
    table, layout = variant.table(), variant.layout
    font, row_cm, first = draw_setup(variant)
    widths = column_widths(table, layout, font)
    page = PageSetup(*choose_page(widths, first), font, row_cm)
    header = header_sheet_cells(table, layout)
    header_cm = sum(row_heights(header, widths, table.header_rows, 0.7, font))
    capacity = rows_per_page(page, header_cm, len(table.title), row_cm)
    while True:
        sheet = lay_out(table, layout, page, widths, header, capacity, random.Random(f"breaks-{variant.name}"))
        if capacity <= 3 or all(pages_fit(sheet)):
            return sheet
        capacity -= 1


def lay_out(table: LogicalTable, layout: Layout, page: PageSetup, widths: tuple[float, ...], header: list[SheetCell], capacity: int, rng: random.Random) -> Sheet:
    """Paginate, place and measure: the sheet for manual pages of at most ``capacity`` rows."""
    top = table.header_rows
    rows, starts = paginate_rows(table, layout, capacity, rng)
    cells = header + body_sheet_cells(rows, table, layout, top)
    body = [replace(c, row=c.row - top) for c in cells if c.row >= top]
    heights = row_heights(header, widths, top, 0.7, page.font) + row_heights(body, widths, len(rows), page.row, page.font)
    page = replace(page, height=page_height(page, heights, top, len(table.title), layout.breaks, rng.uniform(1.6, 3.6)))
    return Sheet(
        title=table.title, running=table.running, widths=widths, heights=heights, header_rows=top, cells=tuple(cells),
        breaks=tuple(top + s for s in starts), ruled=layout.ruling == "ruled", repeat_header=layout.header_repeat, page=page,
    )


def pages_fit(sheet: Sheet) -> list[bool]:
    """Per manually cut page: do its rows fit (with the title on the first, the header where printed)?"""
    cuts = [sheet.header_rows, *sheet.breaks, sheet.n_rows]
    return [sum(sheet.heights[a:b]) <= body_room(sheet, first=k == 0) for k, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False))]


def page_height(page: PageSetup, heights: Sequence[float], header_rows: int, title_lines: int, breaks: str, pages: float = 2.3) -> float:
    """``none``: one page tall enough for everything; ``natural``: the standard height, or a
    shorter page when the table would fit on one, about ``pages`` pages long (so the page
    length does break it)."""
    fixed = 2 * MARGIN + HEADER_FOOTER + (title_lines + 1) * TITLE_ROW + sum(heights[:header_rows]) + 0.5
    body = sum(heights[header_rows:])
    if breaks == "none":
        return round(max(page.height, fixed + body + 1.0), 2)
    if breaks == "natural" and fixed + body < page.height:
        return round(max(fixed + 3 * max(heights[header_rows:]), fixed + body / pages), 2)
    return page.height


# --- flat ODS for LibreOffice ------------------------------------------------------------------------------------

FODS_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:font-face-decls><style:font-face style:name="IPAGothic" svg:font-family="IPAGothic"/></office:font-face-decls>
<office:styles><style:default-style style:family="table-cell"><style:text-properties style:font-name="IPAGothic" style:font-name-asian="IPAGothic" fo:font-size="{font}pt" style:font-size-asian="{font}pt"/></style:default-style></office:styles>
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="{w}cm" fo:page-height="{h}cm" style:print-orientation="{orient}" fo:margin-top="{m}cm" fo:margin-bottom="{m}cm" fo:margin-left="1.2cm" fo:margin-right="1.2cm" style:print="objects charts drawings" style:print-page-order="ttb"/>
<style:header-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-bottom="0.3cm"/></style:header-style>
<style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.3cm"/></style:footer-style></style:page-layout>
<style:style style:name="ta1" style:family="table" style:master-page-name="mp1"><style:table-properties table:display="true"/></style:style>
<style:style style:name="cet" style:family="table-cell"><style:table-cell-properties fo:border="none"/><style:text-properties fo:font-size="11pt" style:font-size-asian="11pt"/></style:style>
{styles}
</office:automatic-styles>
<office:master-styles><style:master-page style:name="mp1" style:page-layout-name="pm1">
<style:header><style:region-right><text:p>{running}</text:p></style:region-right></style:header>
<style:footer><text:p>- <text:page-number>1</text:page-number> -</text:p></style:footer>
</style:master-page></office:master-styles>
<office:body><office:spreadsheet><table:table table:name="Sheet1" table:style-name="ta1">
"""
LINE = "0.5pt solid #000000"
SIDES = {"t": "top", "b": "bottom", "l": "left", "r": "right"}
TEXT_ALIGN = {"left": "start", "center": "center", "right": "end"}


def cell_style_xml(name: str, cell: SheetCell, ruled: bool) -> str:
    borders = " ".join(f'fo:border-{side}="{LINE if ruled and s in cell.borders else "none"}"' for s, side in SIDES.items())
    vertical = {"stacked": ' style:direction="ttb"', "rotated": ' style:rotation-angle="90"', "": ""}[cell.vertical]
    return (
        f'<style:style style:name="{name}" style:family="table-cell"><style:table-cell-properties {borders} fo:wrap-option="wrap"'
        f' style:vertical-align="{cell.valign}"{vertical}/><style:paragraph-properties fo:text-align="{TEXT_ALIGN[cell.halign]}"/></style:style>'
    )


def row_style_xml(name: str, height: float, page_break: bool) -> str:
    brk = ' fo:break-before="page"' if page_break else ""
    return (
        f'<style:style style:name="{name}" style:family="table-row"><style:table-row-properties style:row-height="{height}cm"{brk}'
        ' style:use-optimal-row-height="false"/></style:style>'
    )


def style_key(cell: SheetCell) -> tuple:
    return (cell.valign, cell.halign, cell.vertical, cell.borders)


def sheet_to_fods(sheet: Sheet) -> str:
    """Flat ODS: title rows, header rows (repeated per page if asked), body with merges and
    manual row breaks; every distinct cell, row and column format gets one automatic style."""
    cell_styles = {key: f"ce{i}" for i, key in enumerate(sorted({style_key(c) for c in sheet.cells}))}
    row_styles = {key: f"ro{i}" for i, key in enumerate(sorted({(h, r in sheet.breaks) for r, h in enumerate(sheet.heights)}))}
    col_styles = {w: f"co{i}" for i, w in enumerate(sorted(set(sheet.widths)))}
    styles = [cell_style_xml(name, next(c for c in sheet.cells if style_key(c) == key), sheet.ruled) for key, name in cell_styles.items()]
    styles += [row_style_xml(name, h, brk) for (h, brk), name in row_styles.items()]
    styles += [f'<style:style style:name="{n}" style:family="table-column"><style:table-column-properties style:column-width="{w}cm"/></style:style>' for w, n in col_styles.items()]
    styles.append(f'<style:style style:name="rot" style:family="table-row"><style:table-row-properties style:row-height="{TITLE_ROW}cm" style:use-optimal-row-height="false"/></style:style>')
    page = sheet.page
    out = [FODS_HEAD.format(font=page.font, w=page.width, h=page.height, m=MARGIN, orient="landscape" if page.width > page.height else "portrait",
                            styles="\n".join(styles), running=escape(sheet.running))]
    out += [f'<table:table-column table:style-name="{col_styles[w]}"/>' for w in sheet.widths]
    out += [f'<table:table-row table:style-name="rot"><table:table-cell table:style-name="cet" office:value-type="string"><text:p>{escape(t)}</text:p></table:table-cell></table:table-row>' for t in sheet.title]
    out.append('<table:table-row table:style-name="rot"><table:table-cell/></table:table-row>')
    anchors = {(c.row, c.col): c for c in sheet.cells}
    covered = {(c.row + i, c.col + j) for c in sheet.cells for i in range(c.row_span) for j in range(c.col_span) if (i, j) != (0, 0)}
    for r in range(sheet.n_rows):
        if r == 0 and sheet.repeat_header:
            out.append("<table:table-header-rows>")
        out.append(f'<table:table-row table:style-name="{row_styles[(sheet.heights[r], r in sheet.breaks)]}">')
        for c in range(len(sheet.widths)):
            out.append(fods_cell(anchors.get((r, c)), (r, c) in covered, cell_styles))
        out.append("</table:table-row>")
        if r == sheet.header_rows - 1 and sheet.repeat_header:
            out.append("</table:table-header-rows>")
    out.append("</table:table></office:spreadsheet></office:body></office:document>\n")
    return "\n".join(out)


def fods_cell(cell: SheetCell | None, covered: bool, styles: dict[tuple, str]) -> str:
    if covered:
        return "<table:covered-table-cell/>"
    if cell is None:
        return "<table:table-cell/>"
    spans = (f' table:number-rows-spanned="{cell.row_span}"' if cell.row_span > 1 else "") + (
        f' table:number-columns-spanned="{cell.col_span}"' if cell.col_span > 1 else "")
    body = "".join(f"<text:p>{escape(line)}</text:p>" for line in cell.text.split("\n")) if cell.text else ""
    return f'<table:table-cell table:style-name="{styles[style_key(cell)]}" office:value-type="string"{spans}>{body}</table:table-cell>'


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def fods_batch_to_pdf(paths: Sequence[Path], out_dir: Path) -> None:
    """Convert flat ODS files to PDF in one LibreOffice process with a private profile (as
    ``fixture_generator.fods_to_pdf`` does per file; one process per batch saves its start-up)."""
    soffice = soffice_path()
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install -y libreoffice-calc poppler-utils fonts-ipafont-gothic")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, paths)],
            check=True, capture_output=True, timeout=120 + 20 * len(paths),
        )


# --- reportlab: the same sheet drawn without rules ---------------------------------------------------------------

PT_PER_CM = 72 / 2.54


def sheet_pages(sheet: Sheet) -> list[list[int]]:
    """Body rows per page as the reportlab writer prints them: manual breaks, else as many rows
    as fit (the first page also carries the title), else one page."""
    body = list(range(sheet.header_rows, sheet.n_rows))
    if sheet.breaks:
        cuts = [sheet.header_rows, *sheet.breaks, sheet.n_rows]
        return [list(range(a, b)) for a, b in zip(cuts, cuts[1:], strict=False)]
    pages: list[list[int]] = [[]]
    room = body_room(sheet, first=True)
    for r in body:
        if pages[-1] and room < sheet.heights[r]:
            pages.append([])
            room = body_room(sheet, first=False)
        pages[-1].append(r)
        room -= sheet.heights[r]
    return pages


def body_room(sheet: Sheet, first: bool) -> float:
    header = sum(sheet.heights[: sheet.header_rows]) if first or sheet.repeat_header else 0.0
    title = (len(sheet.title) + 1) * TITLE_ROW if first else 0.0
    return sheet.page.height - 2 * MARGIN - HEADER_FOOTER - title - header


def sheet_to_reportlab_pdf(sheet: Sheet, path: Path) -> Path:
    """Words on a grid, no rules, wrapped in their columns; a merged label at the top / middle /
    bottom of its span (of the span's part on the page of its anchor row when a page cuts it);
    stacked names one character per line, rotated ones turned 90°."""
    from reportlab.pdfgen import canvas

    from .pdf_fixtures import FONT

    width, height = sheet.page.width * PT_PER_CM, sheet.page.height * PT_PER_CM
    xs = [1.2 * PT_PER_CM]
    for w in sheet.widths:
        xs.append(xs[-1] + w * PT_PER_CM)
    pages = sheet_pages(sheet)
    page_of = {r: n for n, rows in enumerate(pages, start=1) for r in rows}
    c = canvas.Canvas(str(path), pagesize=(width, height), invariant=1)  # same bytes on every run
    for number, rows in enumerate(pages, start=1):
        c.setFont(FONT, 7)
        c.drawRightString(width - 1.2 * PT_PER_CM, height - MARGIN * PT_PER_CM, sheet.running)
        c.drawCentredString(width / 2, MARGIN * PT_PER_CM - 8, f"- {number} -")
        y = (MARGIN + 1.0) * PT_PER_CM
        if number == 1:
            c.setFont(FONT, 11)
            for line in sheet.title:
                c.drawString(xs[0], height - y - 11, line)
                y += TITLE_ROW * PT_PER_CM
            y += TITLE_ROW * PT_PER_CM
        tops = {}
        for r in (list(range(sheet.header_rows)) if number == 1 or sheet.repeat_header else []) + rows:
            tops[r] = y
            y += sheet.heights[r] * PT_PER_CM
        c.setFont(FONT, sheet.page.font)
        for cell in sheet.cells:
            if cell.text and (cell.row < sheet.header_rows or page_of.get(anchor_row(cell)) == number) and anchor_row(cell) in tops:
                draw_cell(c, cell, cell_box(cell, sheet, tops), (xs[cell.col], xs[cell.col + cell.col_span]), sheet.page.font, height)
        c.showPage()
    c.save()
    return path


def anchor_row(cell: SheetCell) -> int:
    """The row whose page prints a merged cell's text: its top, bottom or (upper) middle row."""
    return cell.row + {"top": 0, "bottom": cell.row_span - 1, "middle": (cell.row_span - 1) // 2}[cell.valign] if cell.row_span > 1 else cell.row


def cell_box(cell: SheetCell, sheet: Sheet, tops: dict[int, float]) -> tuple[float, float]:
    """(top, height) in points from the page top of the part of the cell on this page that
    holds its anchor row: the rows of the span printed on the page next to it."""
    anchor = anchor_row(cell)
    rows = [anchor]
    while rows[0] - 1 >= cell.row and rows[0] - 1 in tops and tops[rows[0] - 1] < tops[rows[0]]:
        rows.insert(0, rows[0] - 1)
    while rows[-1] + 1 < cell.row + cell.row_span and rows[-1] + 1 in tops and tops[rows[-1] + 1] > tops[rows[-1]]:
        rows.append(rows[-1] + 1)
    return tops[rows[0]], sum(sheet.heights[r] for r in rows) * PT_PER_CM


def draw_cell(c, cell: SheetCell, box: tuple[float, float], xs: tuple[float, float], size: float, height: float) -> None:
    """Draw one cell's text in its box (points from the page top), aligned as the cell says."""
    top, tall = box
    x0, x1 = xs
    if cell.vertical == "rotated":
        c.saveState()
        c.translate((x0 + x1) / 2 + size / 3, height - top - tall + 3)
        c.rotate(90)
        c.drawString(0, 0, cell.text)
        c.restoreState()
        return
    lines = list(cell.text) if cell.vertical == "stacked" else wrap_text(cell.text, (x1 - x0) / PT_PER_CM, size)
    lead = size * 1.2
    block = lead * len(lines)
    first = {"top": top + 2, "middle": top + (tall - block) / 2, "bottom": top + tall - block - 2}[cell.valign] + size
    for k, line in enumerate(lines):
        y = height - (first + k * lead)
        if cell.halign == "center" or cell.vertical:
            c.drawCentredString((x0 + x1) / 2, y, line)
        elif cell.halign == "right":
            c.drawRightString(x1 - 3, y, line)
        else:
            c.drawString(x0 + 3, y, line)


# --- text forms ------------------------------------------------------------------------------------------------


def sheet_to_tsv(sheet: Sheet, quoted: bool) -> str:
    """The sheet as copying its cells gives it: one line per row, tab-separated, a merged cell's
    text in its first slot. ``quoted``: a cell holding a line break, tab or quote is wrapped in
    double quotes (the spreadsheet clipboard); bare: its line breaks are written as they are."""
    width = len(sheet.widths)
    grid = [[""] * width for _ in range(sheet.n_rows)]
    for cell in sheet.cells:
        grid[cell.row][cell.col] = cell.text
    lines = [t + "\t" * (width - 1) for t in sheet.title] + ["\t" * (width - 1)]
    lines += ["\t".join(tsv_field(t, quoted) for t in row) for row in grid]
    return "\n".join(lines) + "\n"


def tsv_field(text: str, quoted: bool) -> str:
    if quoted and any(ch in text for ch in '\n\t"'):
        return '"' + text.replace('"', '""') + '"'
    return text


def pdf_to_plumber_text(pdf: Path, layout: bool) -> str:
    """pdfplumber's ``extract_text`` (or its ``layout=True`` form) of every page, joined with form feeds."""
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        return "\f".join(page.extract_text(layout=layout) or "" for page in doc.pages) + "\n"


def pdf_to_pdftotext(pdf: Path) -> str:
    """``pdftotext -layout``: poppler's column-preserving text, pages ended by form feeds."""
    done = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, timeout=120)
    return done.stdout.decode("utf-8")


def form_path(folder: Path, name: str, form: str) -> Path:
    return folder / (f"{name}.pdf" if form == "pdf" else f"{name}.{form}.txt")


def write_text_forms(sheet: Sheet, pdf: Path, folder: Path, name: str, forms: Iterable[str]) -> None:
    makers = {
        "plumber-text": lambda: pdf_to_plumber_text(pdf, False),
        "plumber-layout": lambda: pdf_to_plumber_text(pdf, True),
        "pdftotext-layout": lambda: pdf_to_pdftotext(pdf),
        "tsv-clipboard": lambda: sheet_to_tsv(sheet, True),
        "tsv-bare": lambda: sheet_to_tsv(sheet, False),
    }
    for form in forms:
        if form != "pdf":
            form_path(folder, name, form).write_text(makers[form](), encoding="utf-8")


# --- rendering many variants -----------------------------------------------------------------------------------


def sheet_key(variant: Variant, sheet: Sheet) -> str:
    """Fingerprint of what a variant renders: a cached rendering with another key is stale."""
    return hashlib.sha256(repr((variant, sheet)).encode()).hexdigest()[:16]


def truth_json(variant: Variant, forms: Sequence[str], key: str) -> str:
    data = {"name": variant.name, "variant": variant.to_json(), "forms": list(forms), "key": key, "truth": variant.truth().to_json()}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def is_rendered(folder: Path, variant: Variant, forms: Sequence[str], key: str) -> bool:
    """True when ``folder`` holds the variant's truth JSON with this key and every form's file."""
    meta = folder / f"{variant.name}.json"
    if not meta.exists():
        return False
    data = json.loads(meta.read_text(encoding="utf-8"))
    return data.get("key") == key and all(form_path(folder, variant.name, f).exists() for f in forms)


def stale_variants(variants: Sequence[tuple[Variant, Sequence[str]]], folder: Path) -> list[tuple[Variant, Sequence[str], Sheet, str]]:
    """(variant, forms, sheet, key) of the variants ``folder`` holds no up-to-date rendering of."""
    todo = []
    for variant, forms in variants:
        sheet = table_to_sheet(variant)
        key = sheet_key(variant, sheet)
        if not is_rendered(folder, variant, forms, key):
            todo.append((variant, forms, sheet, key))
    return todo


def office_pdfs(sheets: Sequence[tuple[str, Sheet]], folder: Path, batch: int, jobs: int) -> None:
    """``<name>.pdf`` in ``folder`` for each (name, sheet) through LibreOffice: flat ODS files
    converted in batches, at most two LibreOffice processes at a time."""
    with tempfile.TemporaryDirectory() as tmp:
        fods = []
        for name, sheet in sheets:
            fods.append(Path(tmp) / f"{name}.fods")
            fods[-1].write_text(sheet_to_fods(sheet), encoding="utf-8")
        chunks = [fods[i : i + batch] for i in range(0, len(fods), batch)]
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, 2))) as pool:
            list(pool.map(lambda chunk: fods_batch_to_pdf(chunk, folder), chunks))


def render_variants(variants: Sequence[tuple[Variant, Sequence[str]]], folder: Path, *, keep_pdf: bool = True, batch: int = 12, jobs: int = 2) -> int:
    """Render each (variant, forms) into ``folder`` with its truth JSON, unless an up-to-date
    rendering is there (same variant, same sheet; delete the folder after changing a writer);
    returns how many were rendered. ``keep_pdf`` False drops PDFs not among a variant's forms."""
    folder.mkdir(parents=True, exist_ok=True)
    todo = stale_variants(variants, folder)
    office_pdfs([(v.name, sheet) for v, _, sheet, _ in todo if v.layout.ruling != "reportlab"], folder, batch, jobs)
    for variant, forms, sheet, key in todo:
        pdf = form_path(folder, variant.name, "pdf")
        if variant.layout.ruling == "reportlab":
            sheet_to_reportlab_pdf(sheet, pdf)
        write_text_forms(sheet, pdf, folder, variant.name, forms)
        (folder / f"{variant.name}.json").write_text(truth_json(variant, forms, key), encoding="utf-8")
        if not keep_pdf and "pdf" not in forms:
            pdf.unlink()
    return len(todo)


# --- the fast subset (committed under tests/fixtures/fuzz/) --------------------------------------------------------


def _v(family: str, seed: int, forms: tuple[str, ...], **options: object) -> tuple[Variant, tuple[str, ...]]:
    return Variant(family, seed, Layout(**options)), forms  # type: ignore[arg-type]


SUBSET: tuple[tuple[Variant, tuple[str, ...]], ...] = (
    _v("participation", 1, ("pdf", "tsv-clipboard"), labels="merge-middle", header_text="stacked"),
    _v("participation", 2, ("pdf", "plumber-text"), labels="once-top", header_repeat=False, breaks="manual", totals="per-page"),
    _v("participation", 3, ("pdf", "pdftotext-layout"), ruling="unruled", labels="merge-bottom", header_text="rotated", breaks="none"),
    _v("participation", 4, ("pdf", "tsv-bare"), ruling="reportlab", labels="repeat", breaks="manual", line_breaks="header"),
    _v("participation", 5, ("plumber-text", "plumber-layout"), labels="once-middle", header_text="stacked", breaks="manual"),
    _v("participation", 6, ("pdf", "tsv-clipboard"), ruling="unruled", labels="once-bottom", line_breaks="cells"),
    _v("participation", 7, ("pdf", "plumber-layout"), labels="merge-top", breaks="manual", totals="per-page", header_repeat=False),
    _v("participation", 8, ("pdf", "pdftotext-layout"), ruling="reportlab", labels="once-middle", header_text="stacked", breaks="none"),
    # benchmark renderings that once read wrong cells unflagged (issue 14): split layout columns, rows lost
    # with a page's header, a page printed at another pitch, an unread member, totals no reading meets
    _v("participation", 100, ("plumber-layout",), labels="once-top", header_text="stacked", header_repeat=False, breaks="manual", totals="per-page"),
    _v("participation", 104, ("pdftotext-layout",), ruling="unruled", labels="merge-bottom", header_text="stacked", breaks="manual", totals="per-page"),
    _v("participation", 104, ("pdftotext-layout",), ruling="unruled", labels="repeat", header_text="rotated"),
    _v("participation", 106, ("pdftotext-layout",), ruling="unruled", labels="merge-top", header_text="rotated", header_repeat=False, breaks="manual", totals="per-page"),
    _v("participation", 108, ("pdf",), ruling="unruled", labels="merge-top", header_text="stacked", breaks="manual"),
    _v("participation", 110, ("plumber-text",), labels="once-bottom", breaks="manual", totals="per-page"),
    _v("catalog", 1, ("pdf", "tsv-clipboard"), labels="merge-middle", line_breaks="cells"),
    _v("catalog", 2, ("pdf", "plumber-text"), labels="once-top", breaks="manual", totals="per-page"),
    _v("catalog", 3, ("pdf", "pdftotext-layout"), ruling="unruled", labels="repeat", header_repeat=False),
    _v("catalog", 4, ("pdf", "plumber-layout"), ruling="reportlab", labels="merge-bottom", breaks="manual", totals="per-page"),
    _v("catalog", 5, ("pdf", "tsv-bare"), labels="once-middle", breaks="none", line_breaks="header"),
    _v("catalog", 6, ("plumber-text", "tsv-clipboard"), ruling="unruled", labels="merge-top", breaks="manual"),
    _v("catalog", 7, ("pdf", "pdftotext-layout"), labels="once-bottom", header_repeat=False, line_breaks="cells"),
    _v("catalog", 8, ("pdf", "plumber-text"), ruling="reportlab", labels="once-middle", breaks="natural"),
    _v("timeseries", 1, ("pdf", "tsv-clipboard"), labels="merge-middle", orientation="across"),
    _v("timeseries", 2, ("pdf", "plumber-text"), labels="merge-middle", orientation="down", line_breaks="header"),
    _v("timeseries", 3, ("pdf", "pdftotext-layout"), ruling="unruled", labels="once-top", orientation="across", breaks="manual"),
    _v("timeseries", 4, ("pdf", "plumber-layout"), ruling="reportlab", labels="repeat", orientation="down", breaks="none"),
    _v("timeseries", 5, ("pdf", "tsv-bare"), labels="once-bottom", orientation="across", header_repeat=False, breaks="manual", line_breaks="cells"),
    _v("timeseries", 6, ("pdf", "plumber-text"), labels="merge-top", orientation="down", breaks="manual"),
    _v("timeseries", 7, ("pdf", "tsv-clipboard"), ruling="unruled", labels="once-middle", orientation="down", line_breaks="cells"),
    _v("timeseries", 8, ("pdf", "pdftotext-layout"), ruling="reportlab", labels="merge-bottom", orientation="across", breaks="manual"),
)


def balanced_layouts(family: str, count: int, rng: random.Random) -> list[Layout]:
    """``count`` layouts in which each value of each option the family uses appears about as
    often as the others (shuffled independently per option); per-page totals force manual breaks."""
    drawn: dict[str, list] = {}
    for name in FAMILY_OPTIONS[family]:
        values = [OPTIONS[name][i % len(OPTIONS[name])] for i in range(count)]
        rng.shuffle(values)
        drawn[name] = values
    layouts = []
    for i in range(count):
        options = {name: values[i] for name, values in drawn.items()}
        if options.get("totals") == "per-page":
            options["breaks"] = "manual"
        layouts.append(Layout(**options))
    return layouts


def benchmark_variants(per_family: int = 75, layouts_per_table: int = 6) -> list[Variant]:
    """The benchmark's set: per family, tables drawn from seeds 100, 101, ... each printed in
    ``layouts_per_table`` balanced layouts, so every table is seen in several layouts."""
    out: dict[str, Variant] = {}
    for family in FAMILIES:
        layouts = balanced_layouts(family, per_family, random.Random(f"bench-{family}"))
        for i, layout in enumerate(layouts):
            variant = Variant(family, 100 + i // layouts_per_table, layout)
            out.setdefault(variant.name, variant)
    return list(out.values())


def uncovered(variants: Iterable[tuple[Variant, Sequence[str]]]) -> list[str]:
    """Option values and forms no variant exercises (empty when the set covers everything)."""
    seen: set[tuple[str, object]] = set()
    for variant, forms in variants:
        seen.update(layout_options(variant))
        seen.update(("form", f) for f in forms)
    wanted = {(n, v) for n, values in OPTIONS.items() for v in values} | {("form", f) for f in FORMS}
    return sorted(f"{n}={v}" for n, v in wanted - seen)


def load_rendered(folder: Path) -> list[tuple[Variant, Truth, tuple[str, ...]]]:
    """(variant, truth, forms) of every rendering in ``folder`` (its JSON files)."""
    out = []
    for meta in sorted(folder.glob("*.json")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        out.append((Variant.from_json(data["variant"]), Truth.from_json(data["truth"]), tuple(data["forms"])))
    return out


def write_subset(folder: Path = SUBSET_DIR) -> None:
    """Render the fast subset into ``folder`` (PDF only where a variant lists it) and drop
    files of variants no longer in the subset."""
    missing = uncovered(SUBSET)
    if missing:
        raise SystemExit(f"the subset leaves uncovered: {', '.join(missing)}")
    if folder.exists():
        shutil.rmtree(folder)
    render_variants(SUBSET, folder, keep_pdf=False)
    print(f"wrote {len(SUBSET)} variants to {folder}")


# --- scoring ---------------------------------------------------------------------------------------------------

TABLES = ("participation", "projects", "observations")


@cache
def _stages() -> tuple:
    from pipeline.stages import default_stages

    return tuple(default_stages())


def extract_file(path: Path) -> dict[str, list]:
    """keikaku's per-document pipeline (read, segment, extract, validate) on one file, as
    ``pipeline.ingest`` runs it: the rows of each table, and ``quality`` rows (its issues)."""
    from pipeline.envelope import DocumentResult, InputFile
    from pipeline.stages import run_stages

    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    result = run_stages(DocumentResult(source=InputFile(source_file=Path(path).name, data=data), doc_id=digest[:16], sha256=digest), _stages())
    out: dict[str, list] = {name: list(getattr(result.extraction, name)) for name in TABLES}
    out["quality"] = result.quality_rows()
    return out


def norm(text: object) -> str:
    """NFKC with all whitespace removed: how categories and series names are compared."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


@dataclass(frozen=True)
class Score:
    """One measure of one extraction.

    ``accuracy`` is right / (total + extra): keys the truth does not hold count against it (a
    page 小計 read as a project is an error, not noise). ``wrong``: present with a wrong value;
    ``wrong_unflagged``: of those, the ones not flagged ``ambiguous`` (participation, the only
    table with such a flag). Categories of rows the rendering leaves open (labels printed
    mid-span, read without rules: ``open_projects``) are scored apart in ``open_right`` /
    ``open_total`` and left out of the accuracy."""

    measure: str  # participation | categories | observations
    right: int
    total: int
    missing: int = 0
    extra: int = 0
    wrong: int = 0
    wrong_unflagged: int = 0
    open_right: int = 0
    open_total: int = 0
    examples: tuple[str, ...] = ()  # a few misses: expected -> got

    @property
    def accuracy(self) -> float:
        return self.right / (self.total + self.extra) if self.total + self.extra else 1.0

    def passes(self) -> bool:
        return self.accuracy >= TARGETS[self.measure] and self.wrong_unflagged == 0


def group_by_key(rows: Iterable[object], key: Callable[[object], object]) -> dict[object, list]:
    out: dict[object, list] = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return out


def compare(measure: str, truth: dict, got: dict[object, list], value: Callable, flagged: Callable | None = None, open_keys: frozenset = frozenset()) -> Score:
    """Truth key -> value against extracted rows grouped by key: a key is right when every row
    extracted for it has the true value. ``flagged`` tells a row flagged as uncertain."""
    right = missing = wrong = unflagged = open_right = 0
    examples: list[str] = []
    for key, expected in truth.items():
        rows = got.get(key, [])
        values = [value(r) for r in rows]
        if rows and all(v == expected for v in values):
            right += key not in open_keys
            open_right += key in open_keys
            continue
        if key in open_keys:
            continue
        missing += not rows
        wrong += bool(rows)
        unflagged += flagged is not None and any(not flagged(r) for r, v in zip(rows, values, strict=True) if v != expected)
        if len(examples) < 4:
            examples.append(f"{key}: expected {expected!r}, got {', '.join(sorted(set(map(repr, values)))) or 'nothing'}")
    extra = [k for k in got if k not in truth]
    examples += [f"{k}: not in the table, got {value(got[k][0])!r}" for k in extra[: max(0, 6 - len(examples))]]
    opened = len(open_keys & truth.keys())
    return Score(measure, right, len(truth) - opened, missing, len(extra), wrong, unflagged, open_right, opened, tuple(examples))


def score_participation(truth: Truth, rows: Sequence) -> Score:
    numbers = {norm(p.project_name): p.project_number for p in truth.participation}
    expected = {(p.project_number, p.municipality_name): p.status for p in truth.participation}

    def key(row) -> tuple:
        number = row.project_number if row.project_number is not None else numbers.get(norm(row.project_name), norm(row.project_name))
        return (number, row.municipality_name)

    return compare("participation", expected, group_by_key(rows, key), lambda r: r.status, lambda r: bool(r.ambiguous))


def categories_of(row) -> tuple[str, str, str]:
    return (norm(row.category_1), norm(row.category_2), norm(row.category_3))


def score_categories(truth: Truth, rows: Sequence, open_numbers: frozenset[int] = frozenset()) -> Score:
    expected = {p.project_number: categories_of(p) for p in truth.projects}
    return compare("categories", expected, group_by_key(rows, lambda r: r.project_number), categories_of, open_keys=open_numbers)


def score_observations(truth: Truth, rows: Sequence) -> Score:
    expected = {(norm(o.series), o.period): Decimal(o.value) for o in truth.observations}
    return compare("observations", expected, group_by_key(rows, lambda r: (norm(r.series), r.period)), lambda r: r.value)


def printed_placement(layout: Layout, form: str | None) -> str | None:
    """Where a reader of ``form`` sees group labels printed once (top / middle / bottom), or
    None when the form shows the spans: labels on every row, the rules of a ruled PDF, a
    merged label at the exact geometric middle of its span in a PDF. A spreadsheet copy puts a
    merged label in the span's first row. ``form`` None: assume the least telling text form."""
    kind, _, where = layout.labels.partition("-")
    if kind == "repeat" or (form == "pdf" and (layout.ruling == "ruled" or layout.labels == "merge-middle")):
        return None
    if kind == "merge" and form is not None and form.startswith("tsv"):
        return "top"
    return where


def open_projects(layout: Layout, form: str | None, truth: Truth) -> frozenset[int]:
    """Project numbers whose categories the rendering leaves open in ``form`` (``open_rows``)."""
    printed = printed_placement(layout, form)
    if printed is None or not truth.projects:
        return frozenset()
    paths = [tuple(c for c in (p.category_1, p.category_2, p.category_3) if c) for p in truth.projects]
    return frozenset(truth.projects[r].project_number for r in open_rows(paths, printed))


def score(variant: Variant, extraction: dict[str, list], form: str | None = None, truth: Truth | None = None) -> dict[str, Score]:
    """Per measure of ``variant``'s family: participation cells (and, as a secondary measure,
    its projects' categories), catalog categories, or time-series observations. ``form`` says
    which extraction form was read (for the rows its rendering leaves open); ``truth``
    defaults to what the generator draws for the variant (pass a committed one instead)."""
    truth = truth or variant.truth()
    opened = open_projects(variant.layout, form, truth)
    if variant.family == "participation":
        return {
            "participation": score_participation(truth, extraction.get("participation", [])),
            "categories": score_categories(truth, extraction.get("projects", []), opened),
        }
    if variant.family == "catalog":
        return {"categories": score_categories(truth, extraction.get("projects", []), opened)}
    return {"observations": score_observations(truth, extraction.get("observations", []))}


# --- command line ----------------------------------------------------------------------------------------------


def rendering_id(variant: Variant, form: str) -> str:
    return f"{variant.name}[{form}]"


def measure_subset(folder: Path = SUBSET_DIR) -> dict[str, dict[str, float | int]]:
    """Each committed rendering's main measure: accuracy and wrong cells left unflagged."""
    out: dict[str, dict[str, float | int]] = {}
    for variant, truth, forms in load_rendered(folder):
        for form in forms:
            main = score(variant, extract_file(form_path(folder, variant.name, form)), form, truth)[FAMILY_MEASURE[variant.family]]
            out[rendering_id(variant, form)] = {"accuracy": round(main.accuracy, 4), "wrong_unflagged": main.wrong_unflagged}
    return out


def record_floors(path: Path = FLOORS_FILE) -> None:
    """Write the subset's measured scores as the floors ``tests/test_layout_fuzz.py`` holds
    keikaku to; says which renderings got worse than the floors recorded before."""
    before = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    now = measure_subset()
    for key, measured in sorted(now.items()):
        old = before.get(key)
        if old and (measured["accuracy"] < old["accuracy"] or measured["wrong_unflagged"] > old["wrong_unflagged"]):
            print(f"worse than recorded: {key} {old} -> {measured}")
    path.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    met = sum(1 for key, m in now.items() if meets_target(key.split("-", 1)[0], m))
    print(f"recorded {len(now)} renderings to {path}; {met} meet the issue's targets")


def meets_target(family: str, floor: dict[str, float | int]) -> bool:
    """A recorded score at the issue's target: accuracy of the family's measure, no wrong cell unflagged."""
    return floor["accuracy"] >= TARGETS[FAMILY_MEASURE[family]] and floor["wrong_unflagged"] == 0


def main(argv: Sequence[str]) -> None:
    if "--floors" in argv:
        record_floors()
        return
    if "--subset" in argv:
        write_subset()
        return
    if "--render" in argv:
        out = Path(argv[argv.index("--render") + 1])
        names = set(argv[argv.index("--render") + 2 :])
        chosen = [(v, FORMS) for v, _ in SUBSET if not names or v.name in names]
        render_variants(chosen, out)
        print(f"rendered {len(chosen)} variants with every form to {out}")
        return
    sys.exit("usage: python -m tests.layout_fuzzer --subset | --floors | --render DIR [VARIANT...]")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The fuzzer's constants, the names it draws from, the truth (SPEC's canonical rows) and the
logical table a family draws.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

from tests.fixture_generator import CATEGORIES, MUNICIPALITIES

SUBSET_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "fuzz"
FLOORS_FILE = Path(__file__).resolve().parent.parent / "fuzz_floors.json"  # recorded scores of the subset's renderings
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

"""The vocabulary the generator draws from (OCR look-alikes, names, programs, metrics, events,
distractors) and the truth it records.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Kanji that OCR reads for one another (each pair both ways); none is a variant the gazetteer folds.
LOOKALIKE_PAIRS = (
    "浦蒲", "由田", "大太", "木本", "末未", "土士", "千干", "入人", "白自", "右石", "玉王", "牛午",
    "天夭", "宮官", "網綱", "間問", "根恨", "栗粟", "深探", "雄雌", "苫笘", "折析", "鳥烏", "柏栢",
    "堀掘", "泊洎", "代伐", "見貝", "井丼", "日目", "干于", "己巳", "刀力", "田曲", "原源", "岡冈",
    "野埜", "谷各", "利刺", "留溜", "別削", "江汪", "沼治", "津律", "部郎", "郷卿", "幌愰", "上土",
)  # fmt: skip
LOOKALIKES: dict[str, str] = {}
for _a, _b in LOOKALIKE_PAIRS:
    LOOKALIKES.setdefault(_a, _b)
    LOOKALIKES.setdefault(_b, _a)


PROGRAMS = (
    "子育て支援センターの運営", "移住相談窓口の設置", "空き家バンク事業", "地域おこし協力隊の活用",
    "ふるさと納税の推進", "高齢者見守りネットワークの構築", "企業誘致の推進", "新規就農者の育成",
    "図書館の利用促進", "観光プロモーションの展開", "健康づくり教室の開催", "防災訓練の実施",
    "地域公共交通の確保", "創業支援事業", "学校給食の地産地消", "商店街の活性化", "スポーツ合宿の誘致",
    "婚活支援事業", "外国人観光客の受入環境整備", "行政手続のデジタル化",
)  # fmt: skip
COUNT_METRICS = (
    ("相談件数", "件"), ("利用者数", "人"), ("参加者数", "人"), ("登録件数", "件"), ("成約件数", "件"),
    ("受講者数", "名"), ("移住者数", "人"), ("寄附件数", "件"), ("補助件数", "件"), ("参加企業数", "社"),
    ("設置箇所数", "箇所"), ("協定締結数", "団体"), ("入込客数", "人"), ("宿泊者数", "人"),
    ("新規就農者数", "人"), ("貸出冊数", "冊"), ("登録事業者数", "社"), ("派遣回数", "回"),
)  # fmt: skip
RATE_METRICS = (("利用率", "%"), ("達成率", "%"), ("実施率", "%"), ("満足度", "%"), ("充足率", "%"))
AMOUNT_METRICS = ("寄附額", "事業費", "補助金交付額", "予算額", "売上額", "委託料")
EVENTS = (
    ("セミナー", "開催"),
    ("説明会", "開催"),
    ("相談会", "開催"),
    ("研修会", "開催"),
    ("ワークショップ", "開催"),
    ("避難訓練", "実施"),
)
PARTICIPATION_VERBS = ("参加", "来場", "利用", "受講")
HANDLED_NOUNS = (("相談", "対応"), ("問い合わせ", "対応"), ("申請", "受理"), ("応募", "受付"))
SUBGROUPS = ("市外在住者", "新規登録", "女性", "若年層", "町外からの参加者")
RATIOS = ("合計特殊出生率", "有効求人倍率", "財政力指数")
DESCRIPTIONS = (
    "地域の実情に応じたきめ細かな支援を行うため、関係機関と連携して取組を進めた。",
    "利用者の声を踏まえ、事業の改善と周知の強化を図っている。",
    "ワンストップの窓口を設け、相談から実施まで一貫して支援した。",
    "民間事業者や大学と協力し、持続可能な運営体制づくりに取り組んだ。",
)
DISTRACTORS = (
    "第{a}期計画に基づき、取組を着実に進める。",
    "令和{a}年{b}月{c}日に関係者会議を開催した。",
    "計画期間は2025年度から2029年度までの5年間とする。",
    "問合せ先は企画課（TEL 0123-45-{d}）とする。",
    "- {a} -",
    "{a}歳未満の子どもを対象に実施した。",
    "詳細は資料{a}-{b}（P.{c}）を参照のこと。",
)


@dataclass(frozen=True)
class TrueMember:
    code: str
    name: str  # official
    printed: str


@dataclass(frozen=True)
class TrueRegion:
    name: str  # as printed, NFKC, letter-spacing removed
    kind: str
    members: tuple[TrueMember, ...]


@dataclass(frozen=True)
class TrueCount:
    areas: int
    members: int
    matches: bool


@dataclass(frozen=True)
class TrueFigure:
    program: str
    metric: str
    value: Decimal
    unit: str | None
    period: str | None
    qualifier: str | None


@dataclass(frozen=True)
class CorpusDoc:
    seed: int
    text: str
    regions: tuple[TrueRegion, ...]
    counts: tuple[TrueCount, ...]
    figures: tuple[TrueFigure, ...]

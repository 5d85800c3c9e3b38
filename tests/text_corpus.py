"""Seeded generator of planning-report text with known truth: region lists and stated figures.

A document is a run of sections. A *region section* is a heading, a sentence stating how many
areas and municipalities take part (letter-spaced digits often, a wrong count now and then), and
2–5 region lists of real neighbouring municipalities (consecutive codes of one prefecture) in one
of five layouts: table rows with a start-year column, bullets with brackets, colon lists, a
``構成市町村：`` label inside the bracket, or a bracket inside a sentence. The damage is the kind
real extraction does (see the 001 sample): one kanji of a member or area name swapped for a
look-alike (OCR), lists broken over lines (with blank lines between, sometimes inside a name),
letter-spaced names and counts; plus lines that look like lists and are not (地域の居場所づくり
（…を含む）, 首都圏（東京都・神奈川県）).

A *figure section* is a heading in one of seven styles and 2–4 paragraphs drawn from templates of
municipal report vocabulary: a figure as the predicate (``相談件数は813件となった``), as a label and
value (``- 受講者数 70名``), under a caption with the period (``【令和4年度実績】``), as the subject
of a verbal noun (``延べ230人が参加した``), before the noun it counts (``25件の相談に対応``),
amounts with scale words, qualifiers (約, 延べ, うち, 以上), ranges of dates, unitless ratios; and
distractors that hold digits but no figure (dates, 第3期, page footers, phone numbers, ages).

Truth per document: the regions with their members (code, official name, printed form), the count
statements (and whether they match the lists), and every figure (program, metric, value, unit,
period, qualifier). Used by tests/test_regions.py and tests/test_metrics.py.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from extractors.normalize.gazetteer import default_gazetteer
from schemas.municipalities import MUNICIPALITY_KINDS, Municipality, load_municipalities

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

_DIRECTIONS = ("北部", "南部", "東部", "西部", "中部", "北", "南", "東", "西", "")
_KANA_WORDS = ("すずらん", "はまなす", "おおぞら", "ひまわり", "こぶし", "みなみ", "ななかまど")
_REGION_KINDS = ("連携地域", "定住自立圏", "連携中枢都市圏", "圏域", "連携地域")
_ERAS = ("H 27 開始", "H 28 開始", "H 29 開始", "R 1 開始", "R 2 開始")
_ACTIVITIES = ("観光振興", "移住促進", "医療連携", "公共交通の確保", "特産品の販路拡大", "人材育成", "防災対策")
_REGION_HEADINGS = ("市町村間の広域連携", "広域連携の推進", "連携地域モデル事業", "定住自立圏の取組", "地域間連携の促進")
_FAKE_LISTS = (
    "子どもたちが安心して過ごせる地域の居場所づくり（食事提供機能を含む）を推進した。",
    "首都圏（東京都・神奈川県・埼玉県）での移住相談会に出展した。",
    "広域連携DMO\t(公社) 観光振興機構",
    "圏域（人口約12万人）の将来像を共有した。",
    "各地域（振興局単位）で説明会を実施した。",
)

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


# --- municipalities ---------------------------------------------------------------------------


def municipalities_by_prefecture() -> dict[str, list[Municipality]]:
    """Municipalities proper (no wards, no prefectures) by prefecture code, in code order."""
    out: dict[str, list[Municipality]] = defaultdict(list)
    for m in load_municipalities():
        if m.kind in MUNICIPALITY_KINDS:
            out[m.prefecture_code].append(m)
    return out


def is_real_name(name: str) -> bool:
    """True when a printed form is itself a municipality's name (exactly or as a variant)."""
    match = default_gazetteer().lookup(name, allow_stem=False)
    return match is not None and match.method != "fuzzy"


def ocr_damage(rng: random.Random, name: str, *, keep_last: bool = True) -> str | None:
    """One kanji swapped for a look-alike (not the suffix), or None when no swap gives a name
    that is not itself real."""
    positions = [i for i, ch in enumerate(name[:-1] if keep_last else name) if ch in LOOKALIKES]
    rng.shuffle(positions)
    for i in positions:
        damaged = name[:i] + LOOKALIKES[name[i]] + name[i + 1 :]
        if not is_real_name(damaged):
            return damaged
    return None


def letter_space(text: str) -> str:
    return " ".join(text)


def spaced_number(rng: random.Random, n: int) -> str:
    """``11`` as printed by a letter-spaced layout (``1 1``) or plainly, with spaces around."""
    digits = letter_space(str(n)) if rng.random() < 0.7 else str(n)
    return f" {digits} " if rng.random() < 0.7 else digits


# --- region sections --------------------------------------------------------------------------


def draw_members(rng: random.Random, pool: list[Municipality], size: int) -> list[Municipality]:
    start = rng.randrange(0, max(1, len(pool) - size))
    return pool[start : start + size]


def member_printed(rng: random.Random, m: Municipality) -> str:
    roll = rng.random()
    if roll < 0.15 and len(m.name) >= 3:
        damaged = ocr_damage(rng, m.name)
        if damaged:
            return damaged
    if roll > 0.95 and len(m.name) >= 3:
        return letter_space(m.name)
    return m.name


def region_name(rng: random.Random, members: list[Municipality], kind: str) -> tuple[str, str]:
    """(printed, truth) name of a region: a stem from its first member, a direction or a kana
    word, sometimes a member count (letter-spaced), a kind suffix; OCR-damaged now and then."""
    stem = members[0].name[:-1][:3]
    if rng.random() < 0.2:
        stem = rng.choice(_KANA_WORDS) + stem
    middle = rng.choice(_DIRECTIONS)
    if kind == "連携地域" and rng.random() < 0.5:
        counter = "市町村" if any(m.kind != "town" for m in members) else rng.choice(("町", "町村"))
        middle += f" {len(members)} {counter}" if rng.random() < 0.5 else f"{len(members)}{counter}"
    printed = f"{stem}{middle}{kind}"
    if rng.random() < 0.1:
        printed = ocr_damage(rng, printed, keep_last=False) or printed
    return printed, printed.replace(" ", "")


def render_list(rng: random.Random, style: str, name: str, printed: list[str], first: bool) -> list[str]:
    """One region list as text lines in ``style``; the member part may be broken over lines."""
    sep = "、" if style in ("colon", "prose") else rng.choice(("・", "、"))
    members = sep.join(printed)
    if style == "table":
        lead = rng.choice(_ERAS) if first else ""
        text = f"{lead}\t{name} ({members})"
    elif style == "bullet":
        text = f"・{name}（{members}）"
    elif style == "colon":
        text = f"{rng.choice(('◇', '・', '○'))}{name}：{members}"
    elif style == "label":
        text = f"・{name}（構成市町村：{members}）"
    else:
        text = f"{name}（{members}）では、{rng.choice(_ACTIVITIES)}の取組を進めた。"
    return break_line(rng, text, name, style)


def break_line(rng: random.Random, text: str, name: str, style: str) -> list[str]:
    """The line broken once inside its member list (30%): after a separator for colon lists,
    anywhere (even inside a name) in brackets; a blank line between, a third of the time."""
    if rng.random() >= 0.3:
        return [text]
    start = text.index(name) + len(name) + 1
    end = text.rfind("）") if "）" in text[start:] else text.rfind(")") if ")" in text[start:] else len(text)
    if style == "colon":
        cuts = [i + 1 for i in range(start, end) if text[i] == "、"]
    else:
        cuts = [i for i in range(start + 1, end) if text[i] != " "]
    if not cuts:
        return [text]
    cut = rng.choice(cuts)
    gap = [""] if rng.random() < 0.33 else []
    return [text[:cut], *gap, text[cut:]]


def region_section(rng: random.Random, pools: dict[str, list[Municipality]], prefectures: list[str]):
    """Lines, regions and count statement of one section of region lists."""
    style = rng.choice(("table", "bullet", "colon", "label", "prose"))
    kind = rng.choice(_REGION_KINDS)
    lines = [f"◆{rng.choice(_REGION_HEADINGS)}", ""]
    regions: list[TrueRegion] = []
    body: list[str] = []
    for k in range(rng.randint(2, 5)):
        pool = pools[rng.choice(prefectures)]
        members = draw_members(rng, pool, rng.randint(2, 6))
        printed_name, truth_name = region_name(rng, members, kind)
        printed = [member_printed(rng, m) for m in members]
        body += render_list(rng, style, printed_name, printed, first=k == 0 or rng.random() < 0.3)
        if style != "table":
            body.append("")
        true_members = tuple(TrueMember(m.code, m.name, p) for m, p in zip(members, printed, strict=True))
        regions.append(TrueRegion(truth_name, kind, true_members))
    areas, members_total = len(regions), len({m.code for r in regions for m in r.members})
    wrong = rng.random() < 0.2
    stated_areas, stated_members = (areas, members_total + rng.choice((-1, 1))) if wrong else (areas, members_total)
    statement = (
        f"道独自の取組により、{spaced_number(rng, stated_areas)}地域{spaced_number(rng, stated_members)}市町村において"
        f"「{rng.choice(_ACTIVITIES)}」などの連携した取組を推進"
    )
    lines += [statement, "", *body, ""]
    if rng.random() < 0.5:
        lines += [rng.choice(_FAKE_LISTS), ""]
    return lines, regions, TrueCount(stated_areas, stated_members, not wrong)


# --- periods and values -------------------------------------------------------------------------


def fiscal_text(rng: random.Random, year: int) -> str:
    """A fiscal year as printed: 令和4年度, R4, 平成30年度, H30, 2022年度 (all FY)."""
    forms = [f"{year}年度"]
    if year >= 2019:
        r = year - 2018
        forms += [f"令和{'元' if r == 1 else r}年度", f"R{r}", f"R{r}年度"]
    else:
        h = year - 1988
        forms += [f"平成{h}年度", f"H{h}", f"H{h}年度"]
    return rng.choice(forms)


def era_letter(year: int) -> str:
    return f"R{year - 2018}" if year >= 2019 else f"H{year - 1988}"


def range_text(rng: random.Random) -> tuple[str, str]:
    """A dotted date range (``R3.4.1～R5.3.31``) and its period."""
    start = rng.randint(2016, 2021)
    end = start + rng.randint(1, 2)
    return f"{era_letter(start)}.4.1～{era_letter(end + 1)}.3.31", f"{start}-04-01/{end + 1}-03-31"


def number_text(value: int) -> str:
    return f"{value:,}"


def count_value(rng: random.Random, unit: str) -> int:
    if unit in ("人", "名", "冊"):
        return rng.choice((rng.randint(5, 99), rng.randint(100, 999), rng.randint(1000, 25000)))
    return rng.choice((rng.randint(2, 99), rng.randint(100, 1500)))


def amount_text(rng: random.Random) -> tuple[str, Decimal]:
    """Printed amount with a scale word and its value in yen."""
    style = rng.randrange(4)
    if style == 0:
        n = rng.randint(1000, 99999)
        return f"{n:,}千円", Decimal(n * 1000)
    if style == 1:
        n = rng.randint(10, 9999)
        return f"{n:,}万円", Decimal(n * 10000)
    if style == 2:
        oku, man = rng.randint(1, 9), rng.randint(1000, 9999)
        return f"{oku}億{man}万円", Decimal(oku * 10**8 + man * 10**4)
    n = rng.randint(10000, 999999)
    return f"{n:,}円", Decimal(n)


# --- figure paragraphs --------------------------------------------------------------------------

Truths = list[tuple[str, Decimal, str | None, str | None, str | None]]  # metric, value, unit, period, qualifier


def para_predicate(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    value = count_value(rng, unit)
    qual = rng.choice(("", "", "約"))
    text = f"{fiscal_text(rng, year)}の{metric}は{qual}{number_text(value)}{unit}となった。"
    return [text], [(metric, Decimal(value), unit, f"FY{year}", qual or None)]


def para_paren_period(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    value = count_value(rng, unit)
    text = f"{metric}は{number_text(value)}{unit}（{fiscal_text(rng, year)}実績）で、前年度を上回った。"
    return [text], [(metric, Decimal(value), unit, f"FY{year}", None)]


def para_caption_list(rng: random.Random) -> tuple[list[str], Truths]:
    year = rng.randint(2016, 2024)
    caption = rng.choice(
        (f"【{fiscal_text(rng, year)}実績】", f"<{fiscal_text(rng, year)}実績>", f"【{fiscal_text(rng, year)} 取組状況】")
    )
    lines, truths = [caption, ""], []
    bullet = rng.choice(("- ", "・", "- ・"))
    colon = rng.choice((" ", "：", " : "))
    for metric, unit in rng.sample(COUNT_METRICS + RATE_METRICS, rng.randint(2, 3)):
        value = count_value(rng, unit) if unit != "%" else rng.randint(20, 99)
        lines.append(f"{bullet}{metric}{colon}{number_text(value)}{unit}")
        truths.append((metric, Decimal(value), unit, f"FY{year}", None))
    return lines, truths


def para_caption_line(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    value = count_value(rng, unit)
    spaced = value < 1000 and rng.random() < 0.4
    printed = " ".join(str(value)) if spaced else number_text(value)
    return [f"{fiscal_text(rng, year)}実績", f"{metric} {printed}{unit}"], [(metric, Decimal(value), unit, f"FY{year}", None)]


def para_event(rng: random.Random) -> tuple[list[str], Truths]:
    (event, verb), pverb = rng.choice(EVENTS), rng.choice(PARTICIPATION_VERBS)
    year = rng.randint(2016, 2024)
    times, people = rng.randint(2, 40), rng.randint(30, 3000)
    text = f"{fiscal_text(rng, year)}は{event}を{times}回{verb}し、延べ{number_text(people)}人が{pverb}した。"
    return [text], [(event + verb, Decimal(times), "回", f"FY{year}", None), (pverb, Decimal(people), "人", f"FY{year}", "延べ")]


def para_handled(rng: random.Random) -> tuple[list[str], Truths]:
    noun, verb = rng.choice(HANDLED_NOUNS)
    year = rng.randint(2016, 2024)
    value = rng.randint(10, 2000)
    text = (
        f"{fiscal_text(rng, year)}には{number_text(value)}件の{noun}に{verb}した。"
        if verb == "対応"
        else (f"{fiscal_text(rng, year)}には{number_text(value)}件の{noun}を{verb}した。")
    )
    return [text], [(noun, Decimal(value), "件", f"FY{year}", None)]


def para_colon_period(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    value = count_value(rng, unit)
    if rng.random() < 0.5:
        year = rng.randint(2016, 2024)
        period_text, period = fiscal_text(rng, year), f"FY{year}"
    else:
        period_text, period = range_text(rng)
    return [f"{metric}（{period_text}）：{number_text(value)}{unit}"], [(metric, Decimal(value), unit, period, None)]


def para_two_labels(rng: random.Random) -> tuple[list[str], Truths]:
    (m1, u1), (m2, u2) = rng.sample(COUNT_METRICS, 2)
    year = rng.randint(2016, 2024)
    v1, v2 = count_value(rng, u1), count_value(rng, u2)
    text = f"{fiscal_text(rng, year)}：{m1} {number_text(v1)}{u1}、{m2} {number_text(v2)}{u2}"
    return [text], [(m1, Decimal(v1), u1, f"FY{year}", None), (m2, Decimal(v2), u2, f"FY{year}", None)]


def para_reached(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    value = count_value(rng, unit)
    text = f"{metric}が{fiscal_text(rng, year)}末時点で{number_text(value)}{unit}に達した。"
    return [text], [(metric, Decimal(value), unit, f"FY{year}", None)]


def para_amount(rng: random.Random) -> tuple[list[str], Truths]:
    metric = rng.choice(AMOUNT_METRICS)
    year = rng.randint(2016, 2024)
    printed, value = amount_text(rng)
    text = rng.choice(
        (
            f"{fiscal_text(rng, year)}の{metric}は{printed}で、前年度から増加した。",
            f"{metric}として{fiscal_text(rng, year)}に{printed}を計上した。",
        )
    )
    return [text], [(metric, value, "円", f"FY{year}", None)]


def para_minimum(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(RATE_METRICS)
    year = rng.randint(2016, 2024)
    value = rng.randint(50, 95)
    suffix = rng.choice(("以上", "超"))
    text = f"{fiscal_text(rng, year)}も{metric}は{value}{unit}{suffix}を維持している。"
    return [text], [(metric, Decimal(value), unit, f"FY{year}", suffix)]


def para_target(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    actual = count_value(rng, unit)
    target = max(1, actual - rng.randint(1, max(1, actual // 5)))
    text = f"{fiscal_text(rng, year)}の{metric}は{number_text(actual)}{unit}で、目標の{number_text(target)}{unit}を上回った。"
    return [text], [(metric, Decimal(actual), unit, f"FY{year}", None), ("目標", Decimal(target), unit, f"FY{year}", None)]


def para_of_which(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice([(m, u) for m, u in COUNT_METRICS if u in ("人", "名")])
    year = rng.randint(2016, 2024)
    total = rng.randint(100, 5000)
    part = rng.randint(5, total // 2)
    sub = rng.choice(SUBGROUPS)
    text = f"{fiscal_text(rng, year)}の{metric} {number_text(total)}{unit}（うち{sub} {number_text(part)}{unit}）"
    return [text], [(metric, Decimal(total), unit, f"FY{year}", None), (sub, Decimal(part), unit, f"FY{year}", "うち")]


def para_ratio(rng: random.Random) -> tuple[list[str], Truths]:
    metric = rng.choice(RATIOS)
    year = rng.randint(2016, 2024)
    value = Decimal(rng.randint(30, 180)) / 100
    return [f"【{fiscal_text(rng, year)}】", f"{metric}：{value}"], [(metric, value, None, f"FY{year}", None)]


def para_about(rng: random.Random) -> tuple[list[str], Truths]:
    pverb = rng.choice(PARTICIPATION_VERBS)
    year = rng.randint(2016, 2024)
    value = rng.randint(1, 90) * 100
    text = f"{fiscal_text(rng, year)}は約{number_text(value)}人が{pverb}した。"
    return [text], [(pverb, Decimal(value), "人", f"FY{year}", "約")]


def para_two_subjects(rng: random.Random) -> tuple[list[str], Truths]:
    (m1, u1), (m2, u2) = rng.sample(COUNT_METRICS, 2)
    year = rng.randint(2016, 2024)
    v1, v2 = count_value(rng, u1), count_value(rng, u2)
    text = f"{fiscal_text(rng, year)}の実績は、{m1}が{number_text(v1)}{u1}、{m2}が{number_text(v2)}{u2}であった。"
    return [text], [(m1, Decimal(v1), u1, f"FY{year}", None), (m2, Decimal(v2), u2, f"FY{year}", None)]


def para_regarding(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    value = count_value(rng, unit)
    text = f"{metric}については、{fiscal_text(rng, year)}に{number_text(value)}{unit}を記録した。"
    return [text], [(metric, Decimal(value), unit, f"FY{year}", None)]


def para_trailing_period(rng: random.Random) -> tuple[list[str], Truths]:
    noun, verb = rng.choice(HANDLED_NOUNS)
    year = rng.randint(2016, 2024)
    value = rng.randint(10, 900)
    text = f"窓口では{number_text(value)}件の{noun}を受け付けた（{fiscal_text(rng, year)}）。"
    return [text], [(noun, Decimal(value), "件", f"FY{year}", None)]


def para_granted(rng: random.Random) -> tuple[list[str], Truths]:
    metric = rng.choice(("補助金", "奨励金", "助成金", "交付金"))
    year = rng.randint(2016, 2024)
    printed, value = amount_text(rng)
    text = f"{fiscal_text(rng, year)}は{metric}として{printed}を交付した。"
    return [text], [(metric, value, "円", f"FY{year}", None)]


def para_paren_count(rng: random.Random) -> tuple[list[str], Truths]:
    (event, verb) = rng.choice(EVENTS)
    year = rng.randint(2016, 2024)
    times = rng.randint(2, 30)
    text = f"{fiscal_text(rng, year)}は地域住民を対象とした{event}（{times}回）を{verb}した。"
    return [text], [(event, Decimal(times), "回", f"FY{year}", None)]


def para_named_count(rng: random.Random) -> tuple[list[str], Truths]:
    (event, verb) = rng.choice(EVENTS)
    year = rng.randint(2016, 2024)
    times = rng.randint(2, 30)
    text = f"{fiscal_text(rng, year)}の{event}の{verb}回数は{times}回であった。"
    return [text], [(f"{event}の{verb}回数", Decimal(times), "回", f"FY{year}", None)]


def para_range_values(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice([(m, u) for m, u in COUNT_METRICS if u in ("人", "件")])
    year = rng.randint(2016, 2024)
    low = rng.randint(10, 400)
    high = low + rng.randint(5, 200)
    text = f"{fiscal_text(rng, year)}の月ごとの{metric}は{low}～{high}{unit}で推移した。"
    return [text], [
        (f"月ごとの{metric}", Decimal(low), unit, f"FY{year}", None),
        (f"月ごとの{metric}", Decimal(high), unit, f"FY{year}", None),
    ]


def para_goal(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2025, 2030)
    value = count_value(rng, unit)
    text = f"{year}年までに{metric}を{number_text(value)}{unit}に増やす目標を掲げた。"
    return [text], [(metric, Decimal(value), unit, str(year), None)]


def para_decimal_rate(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(RATE_METRICS)
    year = rng.randint(2016, 2024)
    value = Decimal(rng.randint(100, 999)) / 10
    text = f"{metric}は{value}{unit}（{fiscal_text(rng, year)}）となり、前年度をやや下回った。"
    return [text], [(metric, value, unit, f"FY{year}", None)]


PARAGRAPHS_BLIND = (
    para_two_subjects, para_regarding, para_trailing_period, para_granted, para_paren_count,
    para_named_count, para_range_values, para_goal, para_decimal_rate,
)  # fmt: skip

PARAGRAPHS = (
    para_predicate, para_paren_period, para_caption_list, para_caption_line, para_event, para_handled,
    para_colon_period, para_two_labels, para_reached, para_amount, para_minimum, para_target,
    para_of_which, para_ratio, para_about, *PARAGRAPHS_BLIND,
)  # fmt: skip


def heading_line(rng: random.Random, program: str, number: int) -> str:
    style = rng.randrange(7)
    return (
        f"◆{program}",
        f"■ {program}",
        f"【{program}】",
        f"（{number}）{program}",
        f"{number}. {program}",
        f"○{program}",
        program,
    )[style]


def distractor(rng: random.Random) -> str:
    return rng.choice(DISTRACTORS).format(
        a=rng.randint(1, 9), b=rng.randint(1, 12), c=rng.randint(1, 28), d=rng.randint(1000, 9999)
    )


def figure_section(rng: random.Random, program: str, number: int) -> tuple[list[str], list[TrueFigure]]:
    lines = [heading_line(rng, program, number), ""]
    if rng.random() < 0.6:
        lines += [rng.choice(DESCRIPTIONS), ""]
    figures: list[TrueFigure] = []
    for make in rng.sample(PARAGRAPHS, rng.randint(2, 4)):
        para, truths = make(rng)
        lines += [*para, ""]
        figures += [TrueFigure(program, *t) for t in truths]
    if rng.random() < 0.4:
        lines += [distractor(rng), ""]
    return lines, figures


# --- documents ----------------------------------------------------------------------------------


def generate_doc(seed: int) -> CorpusDoc:
    rng = random.Random(seed)
    pools = {code: ms for code, ms in municipalities_by_prefecture().items() if len(ms) >= 8}
    prefectures = rng.sample(sorted(pools), rng.choice((1, 1, 2)))
    lines = [f"{rng.choice(('総合戦略', '連携ビジョン', '地域計画'))}の推進状況", "", f"{2016 + seed % 9}年5月", ""]
    regions: list[TrueRegion] = []
    counts: list[TrueCount] = []
    figures: list[TrueFigure] = []
    programs = rng.sample(PROGRAMS, 4)
    for k in range(6):
        if k % 2 == 0:
            section, found, count = region_section(rng, pools, prefectures)
            regions += found
            counts.append(count)
        else:
            section, truth = figure_section(rng, programs[k // 2], k // 2 + 1)
            figures += truth
        lines += section
    return CorpusDoc(seed, "\n".join(lines) + "\n", tuple(regions), tuple(counts), tuple(figures))


def generate_corpus(n_docs: int = 24, seed: int = 0) -> list[CorpusDoc]:
    """``n_docs`` documents, reproducible from ``seed``."""
    return [generate_doc(seed * 1000 + i) for i in range(n_docs)]

"""Seeded generator of comments tables (opinion / the administration's answer) with known truth,
flattened the way text extraction flattens them (see the 002 sample).

A case is a table of 3-9 rows; each row has 1-3 opinion bullets and 1-2 answer bullets written
from templates of municipal vocabulary (topics, measures, target groups, places), some with a
neutral sentence in front and some with a project reference (№12「名称」, No.５, 「7　名称」 …).
The table is rendered as one text stream: the column headers (one of several wordings, with or
without a number column) repeated on every page; each row's cells in reading order, either
column after column (opinions, then answers) or bullet by bullet side by side (o1 a1 o2 a2 …);
lines broken at a random width regardless of words, with or without blank lines between them;
rows marked by an indented first line, by an item number, or by nothing. Bullets are marked
(・, ○, →, ● …) or, in some tables, not at all. Interleaved cells always come with a row cue:
without one, o1 a1 o2 a2 cannot be told from two rows.

Used by tests/test_comments.py.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

TOPICS = ("公共交通", "子育て支援", "観光振興", "移住・定住", "防災", "地域医療", "脱炭素", "人材育成", "農業振興",
          "高齢者福祉", "商店街の活性化", "行政のデジタル化", "文化・スポーツ", "学校教育", "空き家対策", "健康づくり",
          "雇用対策", "環境保全", "消費生活", "男女共同参画")
MEASURES = ("合同説明会", "広域バス路線", "共同プロモーション", "職員研修", "相談窓口", "出前講座", "体験ツアー",
            "情報発信サイト", "補助制度", "連携協定", "実証事業", "ワークショップ", "見守り活動", "オンライン講座",
            "マッチング事業", "人材バンク", "イベントカレンダー", "共同調達")
TARGETS = ("若年層", "子育て世帯", "高齢者", "事業者", "観光客", "移住希望者", "市町村職員", "大学生", "農業者",
           "地域住民", "障がいのある方", "外国人住民", "中小企業")
PLACES = ("各市町村", "町村部", "中心市街地", "郊外の地域", "道外", "沿線地域", "近隣の自治体")
ASPECTS = ("担い手不足", "情報発信", "費用負担", "利便性", "参加者数", "周知不足", "人員体制", "地域間の格差")
ACTIONS = ("拡充", "見直し", "充実", "強化", "再検討", "広域化", "周知")
NAME_SUFFIXES = ("の推進", "に向けた取組", "の連携強化", "支援事業", "の共同実施", "ネットワーク事業")

OPINIONS = (
    "{topic}の分野では、{target}向けの{measure}を{place}でも開催してはどうか。",
    "{measure}について、{target}の参加が少ない理由をどのように分析しているのか。",
    "{topic}に関する{measure}の{action}を是非進めてもらいたい。",
    "{measure}の成果が分かりにくいため、評価指標を見直すべきではないか。",
    "{target}の{aspect}を考えると、{measure}の{action}が必要である。",
    "{topic}については、{place}との役割分担を明確にするべきである。",
    "{measure}は{target}にとって重要であり、今後も継続してほしい。",
    "{topic}の取組について、{place}の状況も教えてください。",
    "{measure}の実施回数や参加人数はどの程度か。",
    "{target}への{measure}の周知が不十分ではないかと思う。",
    "{topic}の推進にあたっては、{target}の声を反映させることが望ましい。",
    "{measure}を{place}と共同で実施していただきたい。",
    "{topic}に関する今後の方向性を伺いたい。",
    "{measure}について、{aspect}の観点から改善することを要望する。",
    "{target}向けの{measure}をもっと増やすと良いと考える。",
    "{topic}の予算が{place}に偏っているように感じる。",
    "{measure}の対象を{target}にも広げられないだろうか。",
)
OPINION_LEADS = (
    "{topic}は{target}の関心が高い分野である。",
    "現在、{place}では{aspect}が課題となっている。",
    "{measure}には毎年多くの{target}が関わっている。",
)
ANSWERS = (
    "{measure}については、{target}の参加状況を踏まえ、{action}に向けて検討してまいります。",
    "ご指摘のとおり、{topic}は重要な課題であり、{measure}を通じて取組を進めてまいりたい。",
    "{measure}は、{year}年度から{place}で実施しているところです。",
    "{topic}の評価指標は、{aspect}を踏まえて設定したものです。",
    "{topic}については、関係機関と連携しながら{measure}の{action}を検討しております。",
    "{target}への周知については、広報誌やSNSを活用して強化する予定です。",
    "いただいたご意見は、今後の{measure}の参考とさせていただきます。",
    "ご指摘の点については、{target}のニーズを把握した上で対応してまいりたいと考えております。",
    "{measure}は{place}と共同で実施しており、引き続き連携を図ってまいります。",
    "{topic}に関しては、国や道の動向を注視しつつ、適切に対応していきたいと考えています。",
    "{measure}の{aspect}については、次年度以降、改善に努めます。",
    "{topic}の推進に向け、{target}の意見を伺いながら{measure}を実施いたします。",
    "{measure}の参加者数は前年度を上回っており、一定の成果があったものと考えております。",
    "{year}年度の{measure}は{place}で開催し、延べ{n}人が参加しました。",
)
ANSWER_LEADS = (
    "{measure}は{year}年度に開始した事業です。",
    "{place}においても同様の取組が行われています。",
    "{measure}の実施状況は、ホームページで公表しています。",
)
# The other style of each column: opinions written politely (です/ます), answers in the plain
# style (だ/である, 体言止め), as many minutes annexes print them.
OPINIONS_POLITE = (
    "{measure}の{action}を希望します。",
    "{topic}について、{target}の立場からもう少し丁寧な説明をしていただけないでしょうか。",
    "{measure}の開催時期を見直してはいかがでしょうか。",
    "{target}の{aspect}が心配です。",
    "{measure}を{place}でも実施してほしいと思います。",
    "{topic}の取組をもっと周知すべきだと考えます。",
    "{measure}の対象が限られているのは残念です。",
    "{measure}について詳しく教えてください。",
    "{topic}に関する予算を増やしてください。",
)
OPINION_LEADS_POLITE = (
    "{topic}は{target}の関心が高い分野です。",
    "現在、{place}では{aspect}が課題となっています。",
)
ANSWERS_PLAIN = (
    "{measure}については、{target}の参加状況を踏まえ、{action}に向けて検討してまいりたい。",
    "{measure}は、{year}年度から{place}で実施しているところ。",
    "{topic}の評価指標は、{aspect}を踏まえて設定したもの。",
    "{target}への周知については、広報誌やSNSを活用して強化する予定。",
    "ご意見のとおり、{topic}は重要な課題であり、引き続き取組を進めていく。",
    "{measure}は{place}と共同で実施しており、引き続き連携を図ってまいりたい。",
    "{year}年度の{measure}は{place}で開催し、延べ{n}人が参加した。",
    "{measure}の{aspect}については、次年度以降の改善に努める。",
    "ご指摘の点も踏まえ、{target}のニーズの把握に努めていきたい。",
    "{topic}については、関係機関と連携しながら{measure}の{action}を検討している。",
)
ANSWER_LEADS_PLAIN = (
    "{measure}は{year}年度に開始した事業である。",
    "{place}においても同様の取組が行われている。",
)
HEADERS = (
    ("御意見", "御意見に対する考え方"),
    ("意見の概要", "市の考え方"),
    ("ご意見", "回答"),
    ("意見・提案の内容", "対応"),
    ("質問・意見", "町の考え方"),
    ("委員の意見", "事務局の見解"),
)
NUMBER_LABELS = ("No.", "番号", "No")
MARKERS = (("・", "・"), ("・", "・"), ("○", "→"), ("・", "○"), ("●", "・"), ("", ""))
REF_STYLES = ("no_sign_name", "no_plain", "no_dot", "no_fullwidth", "quoted", "no_paren_name")
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class TrueRow:
    opinions: tuple[str, ...]  # bullets as printed (marker + text)
    answers: tuple[str, ...]
    refs: tuple[int, ...]  # project numbers referred to, in order of first mention


@dataclass(frozen=True)
class Style:
    header: tuple[str, str]
    number_column: str | None
    markers: tuple[str, str]
    polite: tuple[bool, bool]  # opinions, answers written in です/ます
    cue: str  # indent | number | number_line | none
    order: str  # cells | interleaved
    width: int  # display columns lines are broken at
    blank_lines: bool
    rows_per_page: int
    indent_header: bool


@dataclass(frozen=True)
class CommentsCase:
    seed: int
    style: Style
    rows: tuple[TrueRow, ...]
    text: str


def make_case(seed: int) -> CommentsCase:
    rng = random.Random(seed)
    style = random_style(rng)
    projects = {n: rng.choice(TOPICS) + rng.choice(NAME_SUFFIXES) for n in rng.sample(range(1, 80), 12)}
    rows = tuple(random_row(rng, style, projects) for _ in range(rng.randint(3, 9)))
    return CommentsCase(seed=seed, style=style, rows=rows, text=rows_to_text(rng, rows, style))


def random_style(rng: random.Random) -> Style:
    markers = rng.choice(MARKERS)
    cue = rng.choice(("indent", "number", "number_line", "none"))
    order = rng.choice(("cells", "cells", "interleaved")) if cue != "none" and markers != ("", "") else "cells"
    return Style(
        header=rng.choice(HEADERS),
        number_column=rng.choice(NUMBER_LABELS) if cue.startswith("number") else None,
        markers=markers,
        polite=(rng.random() < 0.3, rng.random() < 0.6),
        cue=cue,
        order=order,
        width=rng.randint(48, 80),
        blank_lines=rng.random() < 0.7,
        rows_per_page=rng.randint(2, 4),
        indent_header=rng.random() < 0.5,
    )


def fill(rng: random.Random, template: str) -> str:
    return template.format(
        topic=rng.choice(TOPICS),
        measure=rng.choice(MEASURES),
        target=rng.choice(TARGETS),
        place=rng.choice(PLACES),
        aspect=rng.choice(ASPECTS),
        action=rng.choice(ACTIONS),
        year=rng.randint(2019, 2026),
        n=rng.randint(12, 900),
    )


def ref_phrase(rng: random.Random, number: int, name: str) -> str:
    style = rng.choice(REF_STYLES)
    if style == "no_sign_name":
        return f"№{number}「{name}」について、"
    if style == "no_plain":
        return f"No{number} の事業について、"
    if style == "no_dot":
        return f"NO.{number}の取組について、"
    if style == "no_fullwidth":
        return f"No.{str(number).translate(FULLWIDTH_DIGITS)}に関して、"
    if style == "quoted":
        return f"「{number}\u3000{name}」について、"
    return f"No.{number}（{name}）については、"


def random_bullet(rng: random.Random, templates: tuple[str, ...], leads: tuple[str, ...], ref: str = "") -> str:
    """One or two sentences of the column's voice, sometimes after a neutral lead sentence;
    now and then (one in eight) only the neutral sentence: a bullet no ending gives away."""
    if rng.random() < 0.125:
        return ref + fill(rng, rng.choice(leads))
    text = ref + fill(rng, rng.choice(templates))
    if rng.random() < 0.3:
        text = fill(rng, rng.choice(leads)) + text
    if rng.random() < 0.25:
        text += fill(rng, rng.choice(templates))
    return text


def column_templates(style: Style) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(opinion templates, opinion leads, answer templates, answer leads) in the table's styles."""
    opinion_polite, answer_polite = style.polite
    return (
        OPINIONS_POLITE if opinion_polite else OPINIONS,
        OPINION_LEADS_POLITE if opinion_polite else OPINION_LEADS,
        ANSWERS if answer_polite else ANSWERS_PLAIN,
        ANSWER_LEADS if answer_polite else ANSWER_LEADS_PLAIN,
    )


def random_row(rng: random.Random, style: Style, projects: dict[int, str]) -> TrueRow:
    refs: list[int] = []
    opinion_t, opinion_l, answer_t, answer_l = column_templates(style)

    def maybe_ref() -> str:
        if rng.random() < 0.3:
            number = rng.choice(sorted(projects))
            if number not in refs:
                refs.append(number)
            return ref_phrase(rng, number, projects[number])
        return ""

    opinions = [random_bullet(rng, opinion_t, opinion_l, maybe_ref()) for _ in range(rng.choice((1, 1, 2, 3)))]
    answers = [random_bullet(rng, answer_t, answer_l, maybe_ref()) for _ in range(rng.choice((1, 1, 2)))]
    if style.markers != ("", "") and rng.random() < 0.1:
        answers[-1] = answers[-1].rstrip("。")  # cut at the page end
    return TrueRow(
        opinions=tuple(style.markers[0] + o for o in opinions),
        answers=tuple(style.markers[1] + a for a in answers),
        refs=tuple(refs),
    )


# --- flattening ----------------------------------------------------------------------------------------

NO_LINE_START = "、。」）)"


def width_of(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def break_lines(rng: random.Random, text: str, width: int) -> list[str]:
    """Break at the width (±2 columns) wherever it falls, mid-word included, as Japanese
    typesetting does; but, as it also does, a run of Latin letters and digits (No.21, 2024,
    SNS) stays on one line, punctuation that may not start a line stays at the end of the
    previous one, and a space at a break stays at the end (where extraction drops it)."""
    lines: list[str] = []
    current = ""
    limit = width - rng.randint(0, 2)
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else ""
        inside_word = prev.isascii() and prev.isalnum() and ch.isascii() and (ch.isalnum() or ch == ".")
        if current and width_of(current + ch) > limit and ch not in NO_LINE_START and not ch.isspace() and not inside_word:
            lines.append(current)
            current, limit = "", width - rng.randint(0, 2)
        current += ch
    if current:
        lines.append(current)
    return [line.rstrip() for line in lines]


def row_bullets(row: TrueRow, order: str) -> list[str]:
    if order == "cells":
        return list(row.opinions) + list(row.answers)
    out: list[str] = []
    for i in range(max(len(row.opinions), len(row.answers))):
        out.extend(cell[i] for cell in (row.opinions, row.answers) if i < len(cell))
    return out


def header_line(style: Style) -> str:
    labels = ([style.number_column] if style.number_column else []) + list(style.header)
    return (" " if style.indent_header else "") + " ".join(labels)


def rows_to_text(rng: random.Random, rows: tuple[TrueRow, ...], style: Style) -> str:
    """Title, then the stream: header on every page, rows as broken lines, most lines followed
    by a blank line when the style has them."""
    out = ["", "別紙", "", "会議における意見等について", ""]
    for r, row in enumerate(rows):
        if r % style.rows_per_page == 0:
            out.append(header_line(style))
        if style.cue == "number_line":
            out.append(str(r + 1))
        for b, bullet in enumerate(row_bullets(row, style.order)):
            lines = break_lines(rng, bullet, style.width)
            if b == 0:
                lines[0] = row_start(style, r + 1) + lines[0]
            for line in lines:
                out.append(line)
                if style.blank_lines and rng.random() < 0.85:
                    out.append("")
    return "\n".join(out) + "\n"


def row_start(style: Style, item: int) -> str:
    if style.cue == "indent":
        return " "
    if style.cue == "number":
        return f"{item} "
    return ""


def make_corpus(seed: int, size: int) -> list[CommentsCase]:
    return [make_case(seed * 100_003 + i) for i in range(size)]

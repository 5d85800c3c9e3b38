"""Comments tables (opinion / the administration's answer) -> ``comments`` rows.

Text extraction flattens the two-column table into one stream of bullets: each row's opinion
bullets, then its answer bullets, lines broken mid-word, blank lines between them, the column
headers repeated on every page. The recipe, one small function per step:

    document -> tables: from a column header (layout only) ``document_to_regions``
           -> region lines (header repeats marked,          ``region_to_lines``
              item numbers and indented row starts found)
           -> units: bullets with their row cue,            ``lines_to_units``
              broken lines rejoined                         ``attach_headings``
           -> voice of each unit (SudachiPy endings, the    ``units_to_part_voices``
              table's own style for units without one)      ``split_soft_units``, ``voices_to_scores``
           -> rows: row cues, else voices                   ``units_to_drafts``
           -> CommentRow with project references            ``draft_to_comment``

Morphology runs only when layout has found a comments header, and only on the units of that
table (one batched SudachiPy pass; GiNZA is not needed). A PDF table read as real cells (a
table whose header names both columns) needs no morphology at all: ``table_to_drafts``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import pairwise

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.model.document import Document, Line
from extractors.model.provenance import NO_PROVENANCE, Provenance, lines_to_provenance, provenance_union
from extractors.model.table import Table
from extractors.normalize.nlp import Morpheme, iter_tokens
from extractors.normalize.textnorm import (
    CLOSING_BRACKETS,
    LINE_START_FORBIDDEN,
    SENTENCE_ENDS,
    display_width,
    join_lines,
    line_is_full,
    nfkc_keep_marks,
    rejoin_broken_lines,
    wrap_width,
)
from schemas.quality import Code, Issue, Severity
from schemas.tables import CommentRow

NLP_USE = "comments"

# --- header: the layout evidence that a document has a comments table ----------------------------

OPINION_TERM_RE = re.compile(r"意見|質問|提案|要望|提言")
ANSWER_TERM_RE = re.compile(r"考え方|回答|対応|見解|答え|方針")
NUMBER_TERM_RE = re.compile(r"^(?:No\.?|NO\.?|no\.?|番号|項番|#)$")
MAX_LABEL_WIDTH = 40  # display columns of one header label (ご意見に対する市の考え方 is 26)
MAX_SPLIT_LABEL_WIDTH = 24  # a label alone on its line, its partner on the next line
END_RE = re.compile(r"^(?:以\s*上|第\s*[\d一二三四五六七八九十]+\s*[章節部編])$")


def header_labels(text: str) -> list[str]:
    """The labels of a header line: fields separated by tabs or runs of spaces."""
    return [part for part in re.split(r"\t|\s+", nfkc_keep_marks(text).strip()) if part]


def labels_are_comments_header(labels: Sequence[str]) -> bool:
    """Column labels of a comments table: an opinion label, then an answer label.

    A label is short and no sentence; the answer label may name the opinion too
    (意見に対する市の考え方), but the opinion label must come first, so running text such as
    a title 「意見への対応について」 (one label) is no header."""
    if len(labels) < 2 or any(display_width(label) > MAX_LABEL_WIDTH for label in labels):
        return False
    if any((label[-1] in SENTENCE_ENDS + "、," and not NUMBER_TERM_RE.match(label)) or BULLET_RE.match(label) for label in labels):
        return False
    opinion = next((i for i, label in enumerate(labels) if OPINION_TERM_RE.search(label)), None)
    if opinion is None:
        return False
    answer = next((i for i, label in enumerate(labels) if i > opinion and ANSWER_TERM_RE.search(label)), None)
    if answer is None:
        return False
    others = [label for i, label in enumerate(labels) if i not in (opinion, answer)]
    return all(NUMBER_TERM_RE.match(label) or OPINION_TERM_RE.search(label) or ANSWER_TERM_RE.search(label) for label in others)


def line_is_comments_header(line: Line) -> bool:
    return labels_are_comments_header([c.text for c in line.cells if c.text.strip()] if line.is_tabular else header_labels(line.text))


def lines_are_split_header(first: Line, second: Line) -> bool:
    """The two labels on consecutive lines (ご意見 / ご意見に対する市の考え方)."""
    a, b = nfkc_keep_marks(first.text).strip(), nfkc_keep_marks(second.text).strip()
    if max(display_width(a), display_width(b)) > MAX_SPLIT_LABEL_WIDTH or " " in a or " " in b:
        return False
    return bool(OPINION_TERM_RE.search(a)) and not ANSWER_TERM_RE.search(a) and labels_are_comments_header([a, b])


@dataclass(frozen=True)
class Region:
    """The lines of one comments table, from its first header to the end of the table."""

    lines: tuple[Line, ...]
    header: tuple[Line, ...]  # the header line(s) as first printed

    @property
    def tabular(self) -> bool:
        """Header and most body lines are cells (a PDF ruled table, tab-separated text)."""
        body = [line for line in self.lines[1:] if not line.is_blank]
        return len(self.header) == 1 and self.header[0].is_tabular and sum(ln.is_tabular for ln in body) * 2 >= len(body) > 0


def document_to_regions(document: Document) -> list[Region]:
    """The comments tables of a document: each starts at a column header and runs to the end
    of the document or to a closing line (以上, a chapter heading); the header repeated on
    later pages stays inside. No header, no table: then no morphology runs at all."""
    lines = [line for item in document.items for line in document.item_lines(item)]
    regions: list[Region] = []
    i = 0
    while i < len(lines):
        header: tuple[Line, ...] = ()
        if line_is_comments_header(lines[i]):
            header = (lines[i],)
        elif i + 1 < len(lines) and lines_are_split_header(lines[i], lines[i + 1]):
            header = (lines[i], lines[i + 1])
        if not header:
            i += 1
            continue
        body = lines[i:]
        end = next((k for k, ln in enumerate(body) if END_RE.match(nfkc_keep_marks(ln.text).strip())), len(body))
        regions.append(Region(lines=tuple(body[:end]), header=header))
        i += max(end, 1)
    return regions


# --- region lines: headers, item numbers, indentation ----------------------------------------------


class Cue(StrEnum):
    """Layout evidence that a unit starts a table row."""

    NONE = "none"
    INDENT = "indent"  # the row's first line is indented more than the other lines
    NUMBER = "number"  # an item number in sequence (1, 2, 3 …)
    PAGE = "page"  # first unit after a repeated column header


class LineKind(StrEnum):
    HEADER = "header"
    NUMBER = "number"  # an item number alone on its line
    CONTENT = "content"


@dataclass(frozen=True)
class RegionLine:
    text: str  # NFKC, stripped, item number removed: what the line is classified by
    printed: str  # the same as printed (not NFKC): what is rejoined, then normalized
    indent: int  # leading display columns as printed
    kind: LineKind
    page: int
    number: int  # line number in the document
    item_number: int | None = None  # item number printed at the line start
    source: Provenance = field(default=NO_PROVENANCE, compare=False)  # where the line was printed


MARKER_CHARS = r"・･•●○◎◯■□◆◇▶▷►▸★☆※→⇒➢\-－–"
MARKER_RE = re.compile("^[" + MARKER_CHARS + "]")
# A unit starts here: a marker, a bracketed heading, a circled or bracketed or dotted number.
BULLET_RE = re.compile("^(?:[" + MARKER_CHARS + r"]|【|[\u2460-\u2473]|[(（]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[.．)）](?![\d.．]))")
# On the line as printed (full-width digits included): 1 / １． / No.1 / 番号１
ITEM_NUMBER_RE = re.compile(r"^(?:(?:No|NO|no|№|Ｎｏ|ＮＯ|番号)\s*[.．]?\s*)?(\d{1,3})(?:\s+|[.．、:：]\s*(?!\d)|$)(?!\d)")
HEADING_RE = re.compile(r"^(?:【[^】]*】|[■□◆◇][^。]*)$")


def line_indent(line: Line) -> int:
    stripped = line.text.lstrip(" \u3000\t")
    return display_width(line.text[: len(line.text) - len(stripped)])


def line_printed(line: Line) -> str:
    """The line as printed, stripped; tab fields joined by a space (a stray tabular line)."""
    raw = " ".join(c.text for c in line.cells if c.text.strip()) if len(line.cells) > 1 else line.text
    return raw.strip()


def line_text(line: Line) -> str:
    return nfkc_keep_marks(line_printed(line)).strip()


def region_to_lines(region: Region) -> list[RegionLine]:
    """Classify the region's non-blank lines; item numbers count only in sequence (1, 2, 3 …),
    so a figure that happens to open a line is not taken for one."""
    header_keys = {line_text(h) for h in region.header}
    printed = [(line, line_printed(line)) for line in region.lines if not line.is_blank]
    numbered = numbers_in_sequence([item_number_of(text) for _, text in printed])
    out = []
    for (line, raw), number in zip(printed, numbered, strict=True):
        text = nfkc_keep_marks(raw).strip()
        if text in header_keys or (line.is_tabular and line_is_comments_header(line)) or labels_are_comments_header(header_labels(text)):
            kind = LineKind.HEADER
        elif number is not None and not ITEM_NUMBER_RE.sub("", raw, count=1).strip():
            kind = LineKind.NUMBER
        else:
            kind = LineKind.CONTENT
        if number is not None and kind is LineKind.CONTENT:
            raw = ITEM_NUMBER_RE.sub("", raw, count=1).strip()
            text = nfkc_keep_marks(raw).strip()
        out.append(RegionLine(text, raw, line_indent(line), kind, line.page, line.number, number, lines_to_provenance([line])))
    return out


def item_number_of(printed: str) -> tuple[int, str] | None:
    """(number, form): the form is the label before it (No, 番号) or '' for a bare number."""
    match = ITEM_NUMBER_RE.match(printed)
    if not match:
        return None
    label = nfkc_keep_marks(printed[: match.start(1)]).strip(" .").lower()
    return int(nfkc_keep_marks(match.group(1))), label


def numbers_in_sequence(candidates: Sequence[tuple[int, str] | None]) -> list[int | None]:
    """Keep the longest run of candidates of one printed form numbered n, n+1, n+2 … (at least
    two); drop the rest. The form keeps a reference opening a line (No2 の事業…) out of a run
    of bare item numbers (1, 2, 3)."""
    best: list[int] = []
    for start, first in enumerate(candidates):
        if first is None:
            continue
        chain, expected = [start], first[0] + 1
        for k in range(start + 1, len(candidates)):
            if candidates[k] == (expected, first[1]):
                chain.append(k)
                expected += 1
        if len(chain) > len(best):
            best = chain
    keep = set(best) if len(best) >= 2 else set()
    return [c[0] if i in keep and c is not None else None for i, c in enumerate(candidates)]


# --- units: bullets with their row cue --------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One bullet (or paragraph) of the stream, broken lines rejoined. ``parts`` are its text
    split where a sentence ended exactly at a line end in a table without bullet markers: there
    the paragraph may end too, and the voices on either side decide (``split_soft_units``)."""

    parts: tuple[str, ...]
    cue: Cue
    page: int
    line: int
    source: Provenance = field(default=NO_PROVENANCE, compare=False)  # the lines it was rejoined from

    @property
    def text(self) -> str:
        text = self.parts[0]
        for part in self.parts[1:]:
            text = join_lines(text, part)
        return text


def lines_to_units(lines: Sequence[RegionLine]) -> list[Unit]:
    """Group lines into units. A unit starts at a bullet marker, an item number, a line indented
    deeper than the region's usual indentation (a row's first line), or the first line after a
    header that is not the rest of a sentence cut by the page end."""
    content = [ln for ln in lines if ln.kind is LineKind.CONTENT]
    if not content:
        return []
    base = modal_indent(content)
    wrap = wrap_width([display_width(ln.text) for ln in content])
    marked = sum(1 for ln in content if BULLET_RE.match(ln.text)) >= 2
    groups: list[tuple[Cue, list[list[RegionLine]]]] = []
    pending = Cue.NONE
    prev: RegionLine | None = None
    for ln in lines:
        if ln.kind is LineKind.HEADER:
            pending = Cue.PAGE if groups else Cue.NONE
            continue
        if ln.kind is LineKind.NUMBER:
            pending = Cue.NUMBER
            continue
        cue = line_cue(ln, base, pending)
        if not groups or starts_unit(ln, prev, cue, wrap):
            groups.append((cue, [[ln]]))
        elif not marked and prev is not None and prev.text[-1] in SENTENCE_ENDS:
            groups[-1][1].append([ln])
        else:
            groups[-1][1][-1].append(ln)
        pending, prev = Cue.NONE, ln
    return [
        Unit(tuple(rejoin_part(part) for part in parts), cue, parts[0][0].page, parts[0][0].number, provenance_union(ln.source for part in parts for ln in part))
        for cue, parts in groups
    ]


def modal_indent(lines: Sequence[RegionLine]) -> int:
    counts: dict[int, int] = {}
    for ln in lines:
        counts[ln.indent] = counts.get(ln.indent, 0) + 1
    return max(counts, key=lambda k: (counts[k], -k))


def line_cue(ln: RegionLine, base_indent: int, pending: Cue) -> Cue:
    if ln.item_number is not None or pending is Cue.NUMBER:
        return Cue.NUMBER
    if ln.indent > base_indent:
        return Cue.INDENT
    return pending


def starts_unit(ln: RegionLine, prev: RegionLine | None, cue: Cue, wrap: int | None) -> bool:
    if cue in (Cue.NUMBER, Cue.INDENT):
        return True
    if ln.text[0] in LINE_START_FORBIDDEN or prev is None:
        return False
    if BULLET_RE.match(ln.text):
        return not midword_bullet(prev.text, ln.text, wrap)
    return paragraph_ends(prev.text, wrap)


def paragraph_ends(prev: str, wrap: int | None) -> bool:
    """A line that ends a sentence short of the wrap width ends its paragraph: the next line
    starts another (cells printed without bullet markers). Otherwise the line goes on."""
    return prev[-1] in SENTENCE_ENDS and wrap is not None and not line_is_full(prev, wrap)


def midword_bullet(prev: str, text: str, wrap: int | None) -> bool:
    """``・`` joins nouns too (観光・物産, 保育・教育): a line starting with it after a full
    line that ends no sentence, with a noun character (kanji, katakana) on both sides, is the
    same sentence broken before the ``・``. After a predicate (…した, …予定) it is a bullet."""
    if text[0] not in "・･" or len(text) < 2 or prev[-1] in SENTENCE_ENDS + CLOSING_BRACKETS:
        return False
    if not (is_noun_char(prev[-1]) and is_noun_char(text[1])):
        return False
    return wrap is not None and line_is_full(prev, wrap)


def is_noun_char(ch: str) -> bool:
    """Kanji or katakana (incl. ー): the characters nouns joined by ・ end and start with."""
    cp = ord(ch)
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x30A1 <= cp <= 0x30FF or ch == "々"


def rejoin_part(lines: Sequence[RegionLine]) -> str:
    """Rejoin lines of one unit as printed, then NFKC (full-width digits broken across a line
    are one number: ``１\n２`` is ``12``, not ``1 2``). Breaks ``rejoin_broken_lines`` keeps
    (after 。) join too, because they lie inside one bullet."""
    rejoined = rejoin_broken_lines("\n".join(ln.printed for ln in lines))
    pieces = [p for p in rejoined.split("\n") if p]
    text = pieces[0]
    for piece in pieces[1:]:
        text = join_lines(text, piece)
    return nfkc_keep_marks(text)


def attach_headings(units: Sequence[Unit]) -> list[Unit]:
    """A heading inside a cell (【(1) …について】) belongs to the bullet below it."""
    out: list[Unit] = []
    carry: Unit | None = None
    for unit in units:
        if len(unit.parts) == 1 and HEADING_RE.match(unit.text) and len(unit.text) <= MAX_LABEL_WIDTH:
            carry = unit if carry is None else replace(carry, parts=(carry.text + "\n" + unit.text,), source=carry.source.union(unit.source))
            continue
        if carry is not None:
            cue = carry.cue if carry.cue is not Cue.NONE else unit.cue
            unit = Unit((carry.text + "\n" + unit.parts[0],) + unit.parts[1:], cue, carry.page, carry.line, carry.source.union(unit.source))
            carry = None
        out.append(unit)
    if carry is not None:
        out.append(carry)
    return out


def split_soft_units(units: Sequence[Unit], part_voices: Sequence[Sequence[Voice]]) -> tuple[list[Unit], list[Voice]]:
    """Split units at soft boundaries where the voice changes side; a part without evidence
    goes with the part after it (a lead sentence: 利用者が減っている。…してほしい)."""
    out: list[Unit] = []
    voices: list[Voice] = []
    for unit, part_voice in zip(units, part_voices, strict=True):
        labels = parts_to_labels([v.score for v in part_voice])
        start = 0
        for k in range(1, len(unit.parts) + 1):
            if k == len(unit.parts) or labels[k] != labels[k - 1]:
                out.append(replace(unit, parts=unit.parts[start:k], cue=unit.cue if start == 0 else Cue.NONE))
                style = part_voice[k - 1].style | {m for m in part_voice[start].style if m.startswith("marker:")}
                voices.append(Voice(sum(v.score for v in part_voice[start:k]), style))
                start = k
    return out, voices


def parts_to_labels(voices: Sequence[int]) -> list[int]:
    """Sign of each part's voice; 0 takes the next non-zero sign (else the previous one)."""
    labels = [(v > 0) - (v < 0) for v in voices]
    for i in range(len(labels) - 2, -1, -1):
        if labels[i] == 0:
            labels[i] = labels[i + 1]
    for i in range(1, len(labels)):
        if labels[i] == 0:
            labels[i] = labels[i - 1]
    return labels


# --- voice: does a unit ask (opinion) or answer (administration)? ---------------------------------

# Voice scores: negative = opinion (asks, proposes, questions), positive = the administration's
# answer, 0 = no evidence. Decided by the sentence's final modality: rules are tried from the
# outermost (sentence-final) form inward, first match wins, so 必要があると考えております is
# an answer (おる) and 必要ではないか an opinion (か).
WINDOW = 8  # morphemes at the end of a sentence that carry its modality

Rule = tuple[str, Callable[[Sequence[Morpheme]], bool], int]


def _lemmas(window: Sequence[Morpheme]) -> list[str]:
    return [m.lemma for m in window]


def _has(*lemmas: str) -> Callable[[Sequence[Morpheme]], bool]:
    return lambda w: any(m.lemma in lemmas for m in w)


def _followed(first: str, then: str, gap: int = 1) -> Callable[[Sequence[Morpheme]], bool]:
    """``first`` with ``then`` at most ``gap`` morphemes later (まいる+たい, いく+たい)."""

    def match(w: Sequence[Morpheme]) -> bool:
        lem = _lemmas(w)
        return any(a == first and then in lem[i + 1 : i + 1 + gap] for i, a in enumerate(lem))

    return match


def _auxiliary(lemma: str) -> Callable[[Sequence[Morpheme]], bool]:
    """``lemma`` as a bound (非自立) verb after て: 考えて-おる, 進めて-まいる."""

    def match(w: Sequence[Morpheme]) -> bool:
        return any(m.lemma == lemma and i > 0 and w[i - 1].lemma == "て" for i, m in enumerate(w))

    return match


def _last_noun(*nouns: str, after_past: bool = False) -> Callable[[Sequence[Morpheme]], bool]:
    """The sentence ends in ``noun`` (+ copula/polite): …ところ(です), …したもの(です);
    no nouns: any noun after a past relative clause (…に開始した事業です)."""

    def match(w: Sequence[Morpheme]) -> bool:
        tail = list(w)
        while tail and tail[-1].lemma in COPULA:
            tail.pop()
        if not tail or tail[-1].pos[0] != "名詞" or (nouns and tail[-1].lemma not in nouns):
            return False
        return not after_past or (len(tail) > 1 and tail[-2].lemma == "た")

    return match


def _question(w: Sequence[Morpheme]) -> bool:
    return bool(w) and w[-1].pos[1] == "終助詞" and w[-1].lemma in ("か", "かな", "かしら")


def _humble_giving(w: Sequence[Morpheme]) -> bool:
    """させていただく (the office's humble 'we will'), not いただきたい (a request)."""
    lem = _lemmas(w)
    return any(a == "いただく" and "せる" in lem[max(0, i - 3) : i] and "たい" not in lem[i + 1 : i + 2] for i, a in enumerate(lem))


def _request(w: Sequence[Morpheme]) -> bool:
    """してもらいたい, してほしい, してください, いただきたい, お願いしたい, 希望する,
    求める (not 求められる)."""
    lem = _lemmas(w)
    for i, a in enumerate(lem):
        rest = lem[i + 1 : i + 3]
        if a in ("もらう", "いただく") and "たい" in rest:
            return True
        if a in ("ほしい", "くださる", "下さる", "願う", "望む", "要望", "要請"):
            return True
        if a == "希望" and "する" in rest:
            return True
        if a == "求める" and not {"れる", "られる"} & set(rest):
            return True
    return False


def _suggestion(w: Sequence[Morpheme]) -> bool:
    """…すると良い, …てもいい, …が望ましい: an evaluative adjective as the predicate."""
    return any(m.pos[0] == "形容詞" and m.lemma in ("良い", "よい", "いい", "望ましい") for m in w[-4:])


def _plain_or_passive_think(w: Sequence[Morpheme]) -> bool:
    """と考える / と考えられる (the observer), not と考えます (the office, polite)."""
    lem = _lemmas(w)
    return "考える" in lem and "ます" not in lem[lem.index("考える") :]


def _past_report(w: Sequence[Morpheme]) -> bool:
    """A plain report of what was done (…が参加した, …を開催しました)."""
    tail = [m for m in w if m.lemma not in COPULA or m.lemma == "た"]
    return bool(tail) and tail[-1].lemma == "た" and not {"思う", "感じる"} & set(_lemmas(w))


ACTION_TAIL = frozenset({"ます", "た", "て", "いる", "です"})


def _action_report(w: Sequence[Morpheme]) -> bool:
    """An action reported in the active voice (公表しています, 開催した, 調査を行う):
    what the office does. Passives (…が注目されている) describe the world, and stay neutral."""
    tail = list(w)
    while tail and tail[-1].lemma in ACTION_TAIL:
        tail.pop()
    if len(tail) < 2:
        return False
    last, before = tail[-1], tail[-2]
    return (last.lemma == "する" and before.pos[2] == "サ変可能") or last.lemma == "行う"


def _polite_commitment(w: Sequence[Morpheme]) -> bool:
    """An action verb in the polite non-past (実施します, 検討します): the office's plain promise."""
    if len(w) < 2 or w[-1].lemma != "ます" or not w[-1].pos[5].startswith("終止形"):
        return False
    verb = w[-2]
    return verb.pos[0] == "動詞" and verb.lemma not in ("いる", "ある", "なる", "思う", "願う", "おる")


COPULA = frozenset({"だ", "です", "ある", "ます", "である"})

ENDING_RULES: tuple[Rule, ...] = (
    ("question (…か)", _question, -3),
    ("humble progressive (…てまいる)", _auxiliary("まいる"), 3),
    ("humble giving (…させていただく)", _humble_giving, 3),
    ("humble state (…ておる)", _auxiliary("おる"), 3),
    ("obligation (…べき)", _has("べし"), -3),
    ("request (…てもらいたい, …てほしい)", _request, -3),
    ("intention (…ていきたい)", _followed("いく", "たい"), 2),
    ("wish (…たい)", _has("たい"), -2),
    ("schedule (…予定)", _last_noun("予定"), 2),
    ("in progress (…ところ)", _last_noun("ところ"), 2),
    ("explanation (…したもの)", _last_noun("もの", after_past=True), 2),
    ("explanation, other noun (…に開始した事業です)", _last_noun(after_past=True), 1),
    ("humble do (…いたす), endeavour (…努める)", _has("いたす", "致す", "努める"), 2),
    ("impression (…と思う, …と感じる)", _has("思う", "感じる"), -2),
    ("concern (…が心配, …懸念, …残念)", _has("心配", "懸念", "不安", "疑問", "残念"), -2),
    ("need (…必要)", _has("必要"), -2),
    ("suggestion (…と良い, …が望ましい)", _suggestion, -2),
    ("consideration, plain (…と考える)", _plain_or_passive_think, -1),
    ("consideration, polite (…と考えます)", _has("考える"), 1),
    ("expectation (…期待)", _has("期待"), -1),
    ("report (…した)", _past_report, 1),
    ("polite commitment (…します)", _polite_commitment, 1),
    ("action report (…を公表している)", _action_report, 1),
)
HONORIFIC_PREFIXES = frozenset({"御", "ご", "お"})
ADDRESSED_NOUNS = frozenset({"意見", "指摘", "提案", "要望", "質問", "提言"})
ADDRESSING_SCORE = 2  # ご意見を踏まえ, ご指摘の点: the office addresses the commenter


def sentence_to_voice(morphemes: Sequence[Morpheme]) -> int:
    """Score of one sentence's ending (see ``ENDING_RULES``)."""
    words = [m for m in morphemes if m.pos[0] not in ("補助記号", "空白")]
    window = words[-WINDOW:]
    for _, matches, score in ENDING_RULES:
        if matches(window):
            return score
    return 0


def morphemes_to_sentences(morphemes: Sequence[Morpheme]) -> list[list[Morpheme]]:
    sentences: list[list[Morpheme]] = [[]]
    for m in morphemes:
        sentences[-1].append(m)
        if m.pos[1] == "句点" or m.surface in ("?", "!", "？", "！"):
            sentences.append([])
    return [s for s in sentences if any(m.pos[0] not in ("補助記号", "空白") for m in s)]


@dataclass(frozen=True)
class Voice:
    """Evidence of one unit: ``score`` < 0 opinion, > 0 answer (see ``ENDING_RULES``); ``style``
    the unit's form, which says nothing alone but may tell the columns of one table apart:
    ``polite`` / ``plain`` (です/ます or not in its last sentence), ``marker:○`` (its bullet)."""

    score: int
    style: frozenset[str] = frozenset()


POLITE_AUXILIARIES = frozenset({"です", "ます", "ござる", "くださる", "下さる"})


def sentence_style(morphemes: Sequence[Morpheme]) -> str | None:
    words = [m for m in morphemes if m.pos[0] not in ("補助記号", "空白")]
    if not words:
        return None
    return "polite" if any(m.lemma in POLITE_AUXILIARIES for m in words[-3:]) else "plain"


def morphemes_to_voice(morphemes: Sequence[Morpheme]) -> Voice:
    """A unit's voice: the sum over its sentences, plus the honorific address of the commenter."""
    sentences = morphemes_to_sentences(morphemes)
    score = sum(sentence_to_voice(s) for s in sentences)
    addressed = any(
        a.pos[0] == "接頭辞" and a.lemma in HONORIFIC_PREFIXES and b.lemma in ADDRESSED_NOUNS for a, b in pairwise(morphemes)
    )
    style = sentence_style(sentences[-1]) if sentences else None
    return Voice(score + (ADDRESSING_SCORE if addressed else 0), frozenset({style} if style else ()))


def units_to_part_voices(units: Sequence[Unit]) -> list[list[Voice]]:
    """The voice of every part of every unit: one batched SudachiPy pass (markers and headings
    removed first); the bullet marker joins the style of the unit's first part."""
    texts = [part_body(part) for unit in units for part in unit.parts]
    flat = iter(morphemes_to_voice(ms) for ms in iter_tokens(texts, use=NLP_USE))
    out = []
    for unit in units:
        voices = [next(flat) for _ in unit.parts]
        marker = unit_marker(unit.parts[0])
        if marker:
            voices[0] = replace(voices[0], style=voices[0].style | {"marker:" + marker})
        out.append(voices)
    return out


def unit_marker(text: str) -> str:
    match = MARKER_RE.match(text.split("\n")[-1])
    return match.group(0) if match else ""


STYLE_MIN_UNITS = 2  # confident units with a style value needed before it counts as evidence
STYLE_PURITY = 0.8  # share of them that must lie in one column


def voices_to_scores(voices: Sequence[Voice]) -> list[int]:
    """Scores, with the table's own form breaking ties: where the confidently voiced units with
    a style value (polite, plain, a bullet marker) lie almost all in one column, a unit without
    evidence that has that value leans (±1) to that column. A value both columns use (the same
    marker, the same politeness) is no evidence."""
    votes: dict[str, int] = {}
    for value in {value for v in voices for value in v.style}:
        answers = sum(1 for v in voices if value in v.style and v.score >= 2)
        opinions = sum(1 for v in voices if value in v.style and v.score <= -2)
        total = answers + opinions
        if total >= STYLE_MIN_UNITS and max(answers, opinions) >= STYLE_PURITY * total:
            votes[value] = 1 if answers > opinions else -1
    scores = []
    for v in voices:
        lean = sum(votes.get(value, 0) for value in v.style)
        scores.append(v.score if v.score else (lean > 0) - (lean < 0))
    return scores


def part_body(text: str) -> str:
    last = text.split("\n")[-1]
    return BULLET_RE.sub("", last, count=1).strip() or last


# --- rows: row cues + voices ---------------------------------------------------------------------------


class Column(StrEnum):
    OPINION = "opinion"
    ANSWER = "answer"


@dataclass(frozen=True)
class Draft:
    """A rebuilt table row before it becomes a ``CommentRow``."""

    opinion: tuple[str, ...]
    response: tuple[str, ...]
    page: int
    line: int
    evidence: str  # how the row boundary and the split were decided
    source: Provenance = field(default=NO_PROVENANCE, compare=False)  # the lines it was read from


INTERLEAVED_SHARE = 0.3  # rows with an opinion after an answer that make a document interleaved


def units_to_drafts(units: Sequence[Unit], voices: Sequence[int]) -> list[Draft]:
    """Rows from row cues when the layout has them (indented row starts, item numbers), else
    from the voices: a row is opinions then answers, so an opinion after an answer starts the
    next row."""
    if sum(1 for u in units if u.cue in (Cue.INDENT, Cue.NUMBER)) >= 2:
        return cued_rows_to_drafts(units, voices)
    return voiced_rows_to_drafts(units, voices)


def cued_rows_to_drafts(units: Sequence[Unit], voices: Sequence[int]) -> list[Draft]:
    segments = split_at(list(range(len(units))), lambda i: units[i].cue in (Cue.INDENT, Cue.NUMBER))
    labelled = [voices_to_labels([voices[i] for i in seg]) for seg in segments]
    interleaved = sum(1 for labels in labelled if labels_interleave(labels))
    long_rows = sum(1 for seg in segments if len(seg) >= 3)
    per_unit = interleaved >= max(1.0, INTERLEAVED_SHARE * long_rows)
    drafts = []
    for seg, labels in zip(segments, labelled, strict=True):
        if not per_unit:
            labels = contiguous_labels([voices[i] for i in seg])
        drafts.append(labelled_to_draft([units[i] for i in seg], labels, "layout cue" + (", interleaved" if per_unit else "")))
    return drafts


def voiced_rows_to_drafts(units: Sequence[Unit], voices: Sequence[int]) -> list[Draft]:
    labels = voices_to_labels(voices)
    starts = {0}
    for i in range(1, len(units)):
        if labels[i] is Column.OPINION and (labels[i - 1] is Column.ANSWER or units[i].cue is Cue.PAGE):
            starts.add(i)
    segments = split_at(list(range(len(units))), lambda i: i in starts)
    return [labelled_to_draft([units[i] for i in seg], [labels[i] for i in seg], "voice") for seg in segments]


def split_at(indices: list[int], starts: Callable[[int], bool]) -> list[list[int]]:
    segments: list[list[int]] = []
    for i in indices:
        if not segments or starts(i):
            segments.append([i])
        else:
            segments[-1].append(i)
    return segments


def voices_to_labels(voices: Sequence[int]) -> list[Column]:
    """Sign of each voice; a unit without evidence continues the column of the unit before
    (the first one is an opinion: rows start with the opinion column)."""
    labels: list[Column] = []
    for v in voices:
        if v > 0:
            labels.append(Column.ANSWER)
        elif v < 0 or not labels:
            labels.append(Column.OPINION)
        else:
            labels.append(labels[-1])
    return labels


def labels_interleave(labels: Sequence[Column]) -> bool:
    return any(a is Column.ANSWER and b is Column.OPINION for a, b in pairwise(labels))


def contiguous_labels(voices: Sequence[int]) -> list[Column]:
    """The split k (opinions = the first k units, k >= 1) that best agrees with the voices;
    ties go to the latest split, because units without evidence are more often observations
    in the opinion column than bare facts in the answer."""
    best_k, best = 1, None
    for k in range(1, len(voices) + 1):
        gain = -sum(voices[:k]) + sum(voices[k:])
        if best is None or gain >= best:
            best_k, best = k, gain
    return [Column.OPINION] * best_k + [Column.ANSWER] * (len(voices) - best_k)


def labelled_to_draft(units: Sequence[Unit], labels: Sequence[Column], evidence: str) -> Draft:
    opinion = tuple(u.text for u, c in zip(units, labels, strict=True) if c is Column.OPINION)
    response = tuple(u.text for u, c in zip(units, labels, strict=True) if c is Column.ANSWER)
    source = provenance_union(u.source for u in units)
    return Draft(opinion=opinion, response=response, page=units[0].page, line=units[0].line, evidence=evidence, source=source)


# --- a comments table read as real cells (PDF ruled table, tab-separated text) ---------------------


def header_roles(header: Line) -> dict[int, Column | None]:
    """Column index -> role, from the header cells (a number column gets None)."""
    roles: dict[int, Column | None] = {}
    for cell in header.cells:
        text = nfkc_keep_marks(cell.text).strip()
        if OPINION_TERM_RE.search(text) and Column.OPINION not in roles.values():
            roles[cell.column] = Column.OPINION
        elif ANSWER_TERM_RE.search(text):
            roles[cell.column] = Column.ANSWER
        elif NUMBER_TERM_RE.match(text):
            roles[cell.column] = None
    return roles


def table_to_drafts(region: Region) -> list[Draft]:
    """One draft per table row: a row starts where the number cell is filled (or, without a
    number column, where the opinion cell is); other lines continue the row above."""
    roles = header_roles(region.header[0])
    number_col = next((c for c, r in roles.items() if r is None), None)
    drafts: list[dict[Column, list[str]]] = []
    places: list[tuple[int, int]] = []
    sources: list[list[Line]] = []
    for line in region.lines[1:]:
        if line.is_blank or line_is_comments_header(line):
            continue
        cells = {c.column: nfkc_keep_marks(c.text).strip() for c in line.cells}
        texts = {role: cells.get(col, "") for col, role in roles.items() if role is not None}
        starts = bool(cells.get(number_col, "")) if number_col is not None else bool(texts.get(Column.OPINION))
        if starts or not drafts:
            drafts.append({Column.OPINION: [], Column.ANSWER: []})
            places.append((line.page, line.number))
            sources.append([])
        sources[-1].append(line)
        for role, text in texts.items():
            if text:
                drafts[-1][role].append(text)
    return [
        Draft(opinion=tuple(d[Column.OPINION]), response=tuple(d[Column.ANSWER]), page=p, line=n, evidence="table cells", source=lines_to_provenance(ls))
        for d, (p, n), ls in zip(drafts, places, sources, strict=True)
    ]


# --- project references ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectRef:
    """A project referred to by number, with the name printed beside it when there is one."""

    number: int
    name: str | None


_NAME = r"([^」』)）\n]{2,80})"
NUMBERED_REF_RE = re.compile(r"(?<![A-Za-z])(?:No|NO|no|№|番号)\s*\.?\s*(\d{1,3})(?!\d)(?:\s*[「『(（]" + _NAME + r"[」』)）])?")
QUOTED_REF_RE = re.compile(r"[「『]\s*(\d{1,3})(\s*[.．:：、]\s*|\s+|)(?=[^\d\s])" + r"([^」』\n]{2,80})[」』]")
# A number glued to a counter or unit is a quantity (「3つの…」, 「2025年度…」), not a project.
COUNTER_START_RE = re.compile(r"^(?:[年月日時分秒つ個件人回名歳%割倍円万億千百十位号次期者社校園ヵカヶケか箇歩本枚台点])")


def text_to_refs(text: str) -> list[ProjectRef]:
    """Project references in order, one per number (the first printed name wins):
    ``№40「名称」``, ``No53``, ``NO.53``, ``No.５３``, ``「34　名称」``."""
    norm = nfkc_keep_marks(text)
    found: list[tuple[int, ProjectRef]] = []
    for m in NUMBERED_REF_RE.finditer(norm):
        found.append((m.start(), ProjectRef(int(m.group(1)), clean_name(m.group(2)))))
    for m in QUOTED_REF_RE.finditer(norm):
        separator, name = m.group(2), m.group(3)
        if not separator and COUNTER_START_RE.match(name):
            continue
        found.append((m.start(), ProjectRef(int(m.group(1)), clean_name(name))))
    refs: dict[int, ProjectRef] = {}
    for _, ref in sorted(found, key=lambda item: item[0]):
        if ref.number not in refs or (refs[ref.number].name is None and ref.name):
            refs[ref.number] = ref
    return list(refs.values())


def clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    name = name.strip()
    return name or None


def refs_to_field(refs: Sequence[ProjectRef]) -> str | None:
    return ";".join(str(r.number) for r in refs) or None


# --- rows -------------------------------------------------------------------------------------------------------


def draft_to_comment(doc_id: str, item: int, draft: Draft) -> CommentRow:
    opinion = "\n".join(draft.opinion)
    response = "\n".join(draft.response) or None
    refs = text_to_refs(opinion + "\n" + (response or ""))
    return CommentRow(doc_id=doc_id, item=item, opinion=opinion, response=response, project_refs=refs_to_field(refs), **draft.source.columns())


def draft_to_issues(item: int, draft: Draft) -> list[Issue]:
    location = f"comments item {item}"
    key, table_id = (("item", item),), draft.source.table_id
    if not draft.response:
        return [Issue(Code.CELL_AMBIGUOUS, Severity.WARNING, f"no answer found for the opinion (page {draft.page}, line {draft.line})", "comments", location, key, table_id)]
    if not draft.opinion:
        return [Issue(Code.CELL_AMBIGUOUS, Severity.WARNING, f"an answer without an opinion (page {draft.page}, line {draft.line})", "comments", location, key, table_id)]
    return []


def region_to_drafts(region: Region) -> list[Draft]:
    if region.tabular:
        return table_to_drafts(region)
    units = attach_headings(lines_to_units(region_to_lines(region)))
    if not units:
        return []
    units, voices = split_soft_units(units, units_to_part_voices(units))
    return units_to_drafts(units, voices_to_scores(voices))


def with_table(source: Provenance, tables: Sequence[Table]) -> Provenance:
    """The table whose rows hold the first line a comment was read from (none: running text)."""
    for table in tables:
        if any(row.first_line <= (source.line_start or 0) <= row.last_line for row in table.rows):
            return replace(source, table_id=table.index, strategy=table.strategy)
    return source


class CommentsExtractor(Extractor):
    """Opinion / answer tables (御意見 / 考え方, 意見 / 回答, 質問 / 市の考え方 …)."""

    name = "comments"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        drafts: list[Draft] = []
        read_lines: set[int] = set()
        for region in document_to_regions(document):
            found = [d for d in region_to_drafts(region) if d.opinion or d.response]
            drafts += found
            read_lines |= {line.number for line in region.lines} if found else set()
        drafts = [replace(d, source=with_table(d.source, document.tables)) for d in drafts]
        rows = tuple(draft_to_comment(document.doc_id, i, d) for i, d in enumerate(drafts, start=1))
        issues = tuple(issue for i, d in enumerate(drafts, start=1) for issue in draft_to_issues(i, d))
        claimed = tuple(t.index for t in tables if any(row.first_line in read_lines for row in t.rows))
        return Extraction(comments=rows, issues=issues, claimed=claimed)

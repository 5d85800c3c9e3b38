"""Region lines (headers, item numbers, indentation) -> units: bullets with their row cue."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from extractors.content.comments.header import (
    BULLET_RE,
    MAX_LABEL_WIDTH,
    Region,
    header_labels,
    labels_are_comments_header,
    line_is_comments_header,
)
from extractors.model.document import Line
from extractors.model.provenance import NO_PROVENANCE, Provenance, lines_to_provenance, provenance_union
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

# --- region lines: headers, item numbers, indentation ----------------------------------------------


class Cue(StrEnum):
    """Layout evidence that a unit starts a table row."""

    NONE = "none"
    INDENT = "indent"  # the row's first line is indented more than the other lines
    NUMBER = "number"  # an item number in sequence (1, 2, 3 …)
    PAGE = "page"  # first unit after a repeated column header


class LineKind(StrEnum):
    HEADER = "header"
    PAGE_MARK = "page mark"  # a page number printed as a header or footer (- 2 -, 2 ページ, 2/10)
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
    item_label: str | None = None  # the same as printed (1, No.1, 番号1)
    source: Provenance = field(default=NO_PROVENANCE, compare=False)  # where the line was printed


# On the line as printed (full-width digits included): 1 / １． / No.1 / 番号１
ITEM_NUMBER_RE = re.compile(r"^(?:(?:No|NO|no|№|Ｎｏ|ＮＯ|番号)\s*[.．]?\s*)?(\d{1,3})(?:\s+|[.．、:：]\s*(?!\d)|$)(?!\d)")
PAGE_MARK_RE = re.compile(r"^(?:[-－—–ー]\s*\d{1,3}\s*[-－—–ー]|\d{1,3}\s*(?:ページ|頁)|(?:P|p|ページ)\s*\.?\s*\d{1,3}|\d{1,3}\s*/\s*\d{1,3})$")
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
        elif PAGE_MARK_RE.match(text):
            kind = LineKind.PAGE_MARK
        elif number is not None and not ITEM_NUMBER_RE.sub("", raw, count=1).strip():
            kind = LineKind.NUMBER
        else:
            kind = LineKind.CONTENT
        label = item_label_of(raw) if number is not None else None
        if number is not None and kind is LineKind.CONTENT:
            raw = ITEM_NUMBER_RE.sub("", raw, count=1).strip()
            text = nfkc_keep_marks(raw).strip()
        out.append(RegionLine(text, raw, line_indent(line), kind, line.page, line.number, number, label, lines_to_provenance([line])))
    return out


def item_label_of(printed: str) -> str | None:
    """The item number as printed at the line start (``No.１`` -> ``No.1``), its separator dropped."""
    match = ITEM_NUMBER_RE.match(printed)
    return nfkc_keep_marks(match.group(0)).strip().rstrip(".、:") if match else None


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
    label: str | None = None  # the item number printed before it (a row's first unit)

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
    labels: list[str | None] = []
    pending, pending_label = Cue.NONE, None
    prev: RegionLine | None = None
    for ln in lines:
        if ln.kind is LineKind.PAGE_MARK:
            continue
        if ln.kind is LineKind.HEADER:
            pending = Cue.PAGE if groups else Cue.NONE
            continue
        if ln.kind is LineKind.NUMBER:
            pending, pending_label = Cue.NUMBER, ln.item_label
            continue
        cue = line_cue(ln, base, pending)
        if not groups or starts_unit(ln, prev, cue, wrap):
            groups.append((cue, [[ln]]))
            labels.append(ln.item_label or (pending_label if pending is Cue.NUMBER else None))
        elif not marked and prev is not None and prev.text[-1] in SENTENCE_ENDS:
            groups[-1][1].append([ln])
        else:
            groups[-1][1][-1].append(ln)
        pending, pending_label, prev = Cue.NONE, None, ln
    return [
        Unit(
            tuple(rejoin_part(part) for part in parts),
            cue,
            parts[0][0].page,
            parts[0][0].number,
            provenance_union(ln.source for part in parts for ln in part),
            label,
        )
        for (cue, parts), label in zip(groups, labels, strict=True)
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
            unit = Unit((carry.text + "\n" + unit.parts[0],) + unit.parts[1:], cue, carry.page, carry.line, carry.source.union(unit.source), carry.label or unit.label)
            carry = None
        out.append(unit)
    if carry is not None:
        out.append(carry)
    return out

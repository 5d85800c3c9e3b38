"""The layout evidence that a document has a comments table: its column header, and the region it heads."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.model.document import Document, Line
from extractors.normalize.textnorm import (
    SENTENCE_ENDS,
    display_width,
    nfkc_keep_marks,
)

MARKER_CHARS = r"・･•●○◎◯■□◆◇▶▷►▸★☆※→⇒➢\-－–"
MARKER_RE = re.compile("^[" + MARKER_CHARS + "]")
# A unit starts here: a marker, a bracketed heading, a circled or bracketed or dotted number.
BULLET_RE = re.compile("^(?:[" + MARKER_CHARS + r"]|【|[\u2460-\u2473]|[(（]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[.．)）](?![\d.．]))")

# --- header: the layout evidence that a document has a comments table ----------------------------

OPINION_TERM_RE = re.compile(r"意見|質問|提案|要望|提言")
ANSWER_TERM_RE = re.compile(r"考え方|回答|対応|見解|答え|方針")
NUMBER_TERM_RE = re.compile(r"^(?:No\.?|NO\.?|no\.?|番号|項番|#)$")
# Other columns a comments table may print beside the number: where in the plan the opinion is
# about (該当箇所, 該当ページ, 項目, 章), how it was classified (区分, 分類), who sent it (提出者).
PLACE_TERM_RE = re.compile(r"^(?:該当(?:箇所|個所|ページ|頁|項目|部分)?|項目|章|節|頁|ページ|区分|分類|分野|種別|対象|提出者|件数)$")
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
    return all(
        NUMBER_TERM_RE.match(label) or PLACE_TERM_RE.match(label) or OPINION_TERM_RE.search(label) or ANSWER_TERM_RE.search(label)
        for label in others
    )


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

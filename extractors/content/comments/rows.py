"""Units -> table rows (drafts): from row cues and voices, or from real cells."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from extractors.content.comments.header import ANSWER_TERM_RE, NUMBER_TERM_RE, OPINION_TERM_RE, Region, line_is_comments_header
from extractors.content.comments.units import Cue, Unit
from extractors.model.document import Line
from extractors.model.provenance import NO_PROVENANCE, Provenance, lines_to_provenance, provenance_union
from extractors.normalize.textnorm import (
    nfkc_keep_marks,
)

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
    label: str | None = None  # the item number as printed (1, No.1, ①)


INTERLEAVED_SHARE = 0.3  # rows with an opinion after an answer that make a document interleaved


def units_to_drafts(units: Sequence[Unit], voices: Sequence[int]) -> list[Draft]:
    """Rows from row cues when the layout has them (indented row starts, item numbers), else
    from the voices: a row is opinions then answers, so an opinion after an answer starts the
    next row."""
    if sum(1 for u in units if u.cue in (Cue.INDENT, Cue.NUMBER)) >= 2:
        return cued_rows_to_drafts(units, voices)
    return voiced_rows_to_drafts(units, voices)


def cued_rows_to_drafts(units: Sequence[Unit], voices: Sequence[int]) -> list[Draft]:
    """Rows from row cues. Printed item numbers, where there are several, are the row starts:
    indentation inside a numbered table sets off the answer or a sub-part, not a new item."""
    numbered = sum(1 for u in units if u.cue is Cue.NUMBER) >= 2
    cues = (Cue.NUMBER,) if numbered else (Cue.INDENT, Cue.NUMBER)
    segments = split_at(list(range(len(units))), lambda i: units[i].cue in cues)
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
    label = next((u.label for u in units if u.label), None)
    return Draft(opinion=opinion, response=response, page=units[0].page, line=units[0].line, evidence=evidence, source=source, label=label)


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
    number column, where the opinion cell is); other lines continue the row above. A cell
    merged down over several rows (one answer printed for items 2 and 3) belongs to each of
    them; a line with nothing in the number, opinion or answer columns (a group heading such
    as 「Ⅱ．その他の意見」 between the rows) belongs to none."""
    roles = header_roles(region.header[0])
    number_col = next((c for c, r in roles.items() if r is None), None)
    rows: list[TableRowDraft] = []
    merged: dict[Column, tuple[str, int]] = {}  # a merged cell's text and the rows it still covers
    for line in region.lines[1:]:
        if line.is_blank or line_is_comments_header(line):
            continue
        cells = {c.column: c for c in line.cells}
        texts = {role: nfkc_keep_marks(cells[col].text).strip() if col in cells else "" for col, role in roles.items() if role is not None}
        number = nfkc_keep_marks(cells[number_col].text).strip() if number_col in cells else ""
        starts = bool(number) if number_col is not None else bool(texts.get(Column.OPINION))
        if starts or not rows:
            for role, (text, _) in merged.items():
                if not texts.get(role):
                    texts[role] = text
            rows.append(TableRowDraft(line.page, line.number, number or None))
        elif not any(texts.values()):
            continue
        merged = {role: (text, left - 1) for role, (text, left) in merged.items() if left > 1}
        for col, role in roles.items():
            if role is not None and col in cells and cells[col].row_span > 1 and texts[role]:
                merged[role] = (texts[role], cells[col].row_span - 1)
        rows[-1].add(line, texts)
    return [row.to_draft() for row in rows]


@dataclass
class TableRowDraft:
    """The cells of one table row as they are read, line by line (``table_to_drafts``)."""

    page: int
    line: int
    label: str | None
    opinion: list[str] = field(default_factory=list)
    response: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    def add(self, line: Line, texts: dict[Column, str]) -> None:
        self.lines.append(line)
        for role, text in texts.items():
            if text:
                (self.opinion if role is Column.OPINION else self.response).append(text)

    def to_draft(self) -> Draft:
        source = lines_to_provenance(self.lines)
        return Draft(tuple(self.opinion), tuple(self.response), self.page, self.line, "table cells", source, label=self.label)

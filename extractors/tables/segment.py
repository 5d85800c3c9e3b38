"""Document -> blocks: runs of tabular lines become TABLE blocks, paragraphs TEXT blocks.

A blank line does not end a table when the next non-blank line is tabular too (extraction
often inserts blank lines between rows). Each block carries the nearest preceding text lines
as ``context``: titles, unit notes (単位) and goal headings live there.
"""

from __future__ import annotations

from extractors.model.document import Block, BlockKind, Document, Line

CONTEXT_LINES = 8


def document_to_blocks(document: Document) -> tuple[Block, ...]:
    return lines_to_blocks(document.lines())


def lines_to_blocks(lines: list[Line]) -> tuple[Block, ...]:
    groups = lines_to_groups(lines)
    blocks: list[Block] = []
    recent_text: list[str] = []
    for kind, group in groups:
        blocks.append(Block(kind=kind, lines=tuple(group), index=len(blocks), context=tuple(recent_text[-CONTEXT_LINES:])))
        if kind is BlockKind.TEXT:
            recent_text.extend(line.text.strip() for line in group if not line.is_blank)
    return tuple(blocks)


def lines_to_groups(lines: list[Line]) -> list[tuple[BlockKind, list[Line]]]:
    """Split lines into (kind, lines) runs; blank lines end text paragraphs and are dropped."""
    groups: list[tuple[BlockKind, list[Line]]] = []
    current: list[Line] = []
    current_kind: BlockKind | None = None

    def flush() -> None:
        nonlocal current, current_kind
        if current and current_kind is not None:
            groups.append((current_kind, current))
        current, current_kind = [], None

    for i, line in enumerate(lines):
        if line.is_blank:
            if current_kind is BlockKind.TABLE and next_nonblank_is_tabular(lines, i):
                continue
            flush()
            continue
        kind = BlockKind.TABLE if line_is_table_row(line) else BlockKind.TEXT
        if kind is not current_kind:
            flush()
            current_kind = kind
        current.append(line)
    flush()
    return groups


def line_is_table_row(line: Line) -> bool:
    """A line with a tab separating text from other text (or from empty merged-cell slots)."""
    return len(line.cells) >= 2 and any(c.text for c in line.cells)


def next_nonblank_is_tabular(lines: list[Line], index: int) -> bool:
    for line in lines[index + 1 :]:
        if not line.is_blank:
            return line_is_table_row(line)
    return False

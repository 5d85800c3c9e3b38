"""The source documents of an output folder, found again to show their pages and lines.

``documents.source_file`` is the input path as given (relative to the folder ingested when a
folder was given), ``documents.sha256`` its bytes' hash: a document is looked for under each
folder the reviewer names (``keikaku review --sources``) and taken only when its bytes still
have that hash. A file that moved, changed or vanished is said so on the page, never shown in
place of the one that was read."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from extractors.readers.text import bytes_to_text


@dataclass(frozen=True)
class Source:
    """A document's bytes as read now (None when not found) and, when not, why."""

    data: bytes | None
    path: Path | None = None
    problem: str = ""


def candidates(source_file: str, roots: Sequence[Path]) -> list[Path]:
    """Where ``source_file`` may be: itself (absolute or relative to the current folder), under
    each root folder, or a root that is that file."""
    label = Path(source_file)
    found = [label]
    for root in roots:
        if root.is_dir():
            found.append(root / label)
        elif root.name == label.name:
            found.append(root)
    return list(dict.fromkeys(found))


def locate(source_file: str, sha256: str, roots: Sequence[Path]) -> Source:
    """The document ``source_file`` whose bytes hash to ``sha256``, or why it cannot be shown."""
    changed = []
    for path in candidates(source_file, roots):
        try:
            if not path.is_file():
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            return Source(data, path)
        changed.append(path)
    if changed:
        return Source(None, changed[0], f"{changed[0]} has changed since the run (its sha256 differs): no crop")
    where = ", ".join(str(r) for r in roots) or "the current folder"
    return Source(None, None, f"source file {source_file} not found under {where}: no crop (give --sources)")


def text_lines(data: bytes) -> list[str] | None:
    """The lines of a text input as ``line_start`` / ``line_end`` number them (1-based lines
    of the file; a form feed ends a page, not a line); None when it cannot be decoded."""
    decoded = bytes_to_text(data)
    if not isinstance(decoded, tuple):
        return None
    text = decoded[0].replace("\r\n", "\n").replace("\r", "\n")
    return [line.replace("\f", "") for line in text.split("\n")]


MAX_LINES = 14  # lines shown of a long span (a whole table): its first ones, and how many more


def lines_excerpt(lines: list[str], start: int, end: int, context: int = 2) -> dict[str, object]:
    """Lines ``start``..``end`` (1-based) with ``context`` lines around them, at most
    ``MAX_LINES`` of them (``more``: how many were left out), for the page."""
    first, last = max(1, start - context), min(len(lines), end + context)
    shown = min(last, first + MAX_LINES - 1)
    return {"first": first, "start": start, "end": end, "lines": [lines[i - 1][:400] for i in range(first, shown + 1)],
            "more": last - shown}

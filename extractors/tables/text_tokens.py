"""Tokens of layout text (``pdftotext -layout``, pdfplumber's layout mode): runs of non-space
characters with the text columns they take, the columns their extents make, and an in-order
matching of points to columns (``extractors.tables.text_layout`` reads tables from them)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

TOKEN_RE = re.compile(r"\S+")
SIGN_RE = re.compile(r"^[▲△▼\-−－]$")
VALUE_RE = re.compile(r"^[▲△▼\-−－+]?\s*[\d,，.．]+[%％]?$|^[●○◎◯〇△×✓✔\-－―]$")


@dataclass(frozen=True)
class Token:
    """A run of non-space characters and the text columns it takes."""

    text: str
    start: int
    end: int

    @property
    def center(self) -> float:
        return (self.start + self.end) / 2

    @property
    def is_value(self) -> bool:
        return bool(VALUE_RE.match(self.text))


@dataclass(frozen=True)
class Column:
    start: int
    end: int

    @property
    def center(self) -> float:
        return (self.start + self.end) / 2


def line_to_tokens(text: str) -> tuple[Token, ...]:
    """Runs of non-space characters with their text columns; a sign printed apart from its
    number (``▲ 439``) joined to it."""
    text = text.replace("\u3000", " ")
    raw = [Token(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    out: list[Token] = []
    for token in raw:
        if out and SIGN_RE.match(out[-1].text) and token.start - out[-1].end <= 1 and token.text[:1].isdigit():
            out[-1] = Token(text[out[-1].start : token.end], out[-1].start, token.end)
        else:
            out.append(token)
    return tuple(out)


def anchors_to_columns(rows: Sequence[Sequence[Token]]) -> list[Column]:
    """Columns: the text columns the rows' tokens take, merged where tokens overlap or touch."""
    spans = sorted((t.start, t.end) for row in rows for t in row)
    columns: list[list[int]] = []
    for start, end in spans:
        if columns and start <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], end)
        else:
            columns.append([start, end])
    return [Column(a, b) for a, b in columns]


def match_in_order(points: Sequence[float], centers: Sequence[float]) -> list[int]:
    """Each point to a column, in order and one column each, at the least total distance
    (more points than columns: each to its nearest)."""
    n, m = len(points), len(centers)
    if n > m:
        return [min(range(m), key=lambda k: abs(centers[k] - p)) for p in points]
    inf = float("inf")
    best = [[inf] * (m + 1) for _ in range(n + 1)]
    best[0] = [0.0] * (m + 1)
    for i in range(1, n + 1):
        for k in range(i, m + 1):
            best[i][k] = min(best[i][k - 1], best[i - 1][k - 1] + abs(points[i - 1] - centers[k - 1]))
    out = [0] * n
    k = m
    for i in range(n, 0, -1):
        while best[i][k] == best[i][k - 1] and k > i:
            k -= 1
        out[i - 1] = k - 1
        k -= 1
    return out

"""Layouts and variants: how one logical table is printed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from tests.layout_fuzzer.families import family_table
from tests.layout_fuzzer.truth import FAMILIES, LogicalTable, Truth

# --- layouts and variants ---------------------------------------------------------------------------------

OPTIONS: dict[str, tuple] = {
    "ruling": ("ruled", "unruled", "reportlab"),
    "labels": ("repeat", "merge-top", "merge-middle", "merge-bottom", "once-top", "once-middle", "once-bottom"),
    "header_text": ("horizontal", "stacked", "rotated"),
    "header_repeat": (True, False),
    "breaks": ("none", "natural", "manual"),
    "totals": ("end", "per-page"),
    "orientation": ("across", "down"),
    "line_breaks": ("none", "header", "cells"),
}
# Options that mean nothing for a family are pinned to their first value, so a variant has one name.
FAMILY_OPTIONS = {
    "participation": ("ruling", "labels", "header_text", "header_repeat", "breaks", "totals", "line_breaks"),
    "catalog": ("ruling", "labels", "header_repeat", "breaks", "totals", "line_breaks"),
    "timeseries": ("ruling", "labels", "header_repeat", "breaks", "orientation", "line_breaks"),
}
SHORT = {
    "ruled": "R", "unruled": "U", "reportlab": "D", "repeat": "rep", "merge-top": "mt", "merge-middle": "mm", "merge-bottom": "mb",
    "once-top": "ot", "once-middle": "om", "once-bottom": "ob", "horizontal": "hz", "stacked": "st", "rotated": "ro",
    True: "hr", False: "h1", "none": "b0", "natural": "bn", "manual": "bm", "end": "te", "per-page": "tp",
    "across": "ax", "down": "dn",
}


@dataclass(frozen=True)
class Layout:
    """How one logical table is printed. Validated like pdfplumber's ``TableSettings``.

    ruling        ruled (LibreOffice, borders), unruled (LibreOffice, no borders), reportlab
                  (words drawn on a grid, no rules: a word processor's tab-aligned table)
    labels        group labels on every row (repeat), one merged cell over the span with its text
                  at the top / middle / bottom, or printed once in the span's top / middle /
                  bottom row (ruled: the label column is boxed per span, as hand-made tables do)
    header_text   member names horizontal, stacked one character per line, or rotated 90°
    header_repeat header rows printed on every page, or on the first only
    breaks        none (one tall page), natural (the page length decides), manual (row breaks at
                  drawn places, inside groups too)
    totals        summary rows only at the end, or a 小計 row closing every page (needs manual breaks)
    orientation   time series: periods across (columns) or down (rows)
    line_breaks   no line breaks inside cells, in header cells, or in header and body cells
    """

    ruling: str = "ruled"
    labels: str = "repeat"
    header_text: str = "horizontal"
    header_repeat: bool = True
    breaks: str = "natural"
    totals: str = "end"
    orientation: str = "across"
    line_breaks: str = "none"

    def __post_init__(self) -> None:
        for name, allowed in OPTIONS.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"Layout.{name}={getattr(self, name)!r}; allowed: {allowed}")
        if self.totals == "per-page" and self.breaks != "manual":
            raise ValueError("totals='per-page' needs breaks='manual' (the fuzzer must know what each page holds)")

    def for_family(self, family: str) -> Layout:
        """The same layout with the options ``family`` ignores pinned to their defaults."""
        kept = FAMILY_OPTIONS[family]
        return replace(self, **{name: OPTIONS[name][0] for name in OPTIONS if name not in kept})

    def slug(self, family: str) -> str:
        """A short file-name-safe code: one part per option the family uses (see ``SHORT``)."""
        return "-".join(SHORT.get(getattr(self, n), getattr(self, n)) for n in FAMILY_OPTIONS[family] if n != "line_breaks") + {
            "none": "", "header": "-lh", "cells": "-lc"}[self.line_breaks]


@dataclass(frozen=True)
class Variant:
    """One rendering: a family's table drawn from ``seed``, printed in ``layout``."""

    family: str
    seed: int
    layout: Layout = field(default_factory=Layout)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown family {self.family!r}; choose from {FAMILIES}")
        object.__setattr__(self, "layout", self.layout.for_family(self.family))

    @property
    def name(self) -> str:
        return f"{self.family}-{self.seed:03d}-{self.layout.slug(self.family)}"

    def table(self) -> LogicalTable:
        return family_table(self.family, self.seed, self.layout.orientation)

    def truth(self) -> Truth:
        return self.table().truth

    def to_json(self) -> dict:
        return {"family": self.family, "seed": self.seed, "layout": asdict(self.layout)}

    @staticmethod
    def from_json(data: dict) -> Variant:
        return Variant(data["family"], data["seed"], Layout(**data["layout"]))


def layout_options(variant: Variant) -> list[tuple[str, object]]:
    """(option, value) pairs that describe ``variant``: the ones its family uses."""
    return [(name, getattr(variant.layout, name)) for name in FAMILY_OPTIONS[variant.family]]

"""The fast subset committed under tests/fixtures/fuzz/ and the large benchmark set.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from tests.layout_fuzzer.render import render_variants
from tests.layout_fuzzer.truth import FAMILIES, FORMS, SUBSET_DIR, Truth
from tests.layout_fuzzer.variants import FAMILY_OPTIONS, OPTIONS, Layout, Variant, layout_options

# --- the fast subset (committed under tests/fixtures/fuzz/) --------------------------------------------------------


def _v(family: str, seed: int, forms: tuple[str, ...], **options: object) -> tuple[Variant, tuple[str, ...]]:
    return Variant(family, seed, Layout(**options)), forms  # type: ignore[arg-type]


SUBSET: tuple[tuple[Variant, tuple[str, ...]], ...] = (
    _v("participation", 1, ("pdf", "tsv-clipboard"), labels="merge-middle", header_text="stacked"),
    _v("participation", 2, ("pdf", "plumber-text"), labels="once-top", header_repeat=False, breaks="manual", totals="per-page"),
    _v("participation", 3, ("pdf", "pdftotext-layout"), ruling="unruled", labels="merge-bottom", header_text="rotated", breaks="none"),
    _v("participation", 4, ("pdf", "tsv-bare"), ruling="reportlab", labels="repeat", breaks="manual", line_breaks="header"),
    _v("participation", 5, ("plumber-text", "plumber-layout"), labels="once-middle", header_text="stacked", breaks="manual"),
    _v("participation", 6, ("pdf", "tsv-clipboard"), ruling="unruled", labels="once-bottom", line_breaks="cells"),
    _v("participation", 7, ("pdf", "plumber-layout"), labels="merge-top", breaks="manual", totals="per-page", header_repeat=False),
    _v("participation", 8, ("pdf", "pdftotext-layout"), ruling="reportlab", labels="once-middle", header_text="stacked", breaks="none"),
    # benchmark renderings that once read wrong cells unflagged (issue 14): split layout columns, rows lost
    # with a page's header, a page printed at another pitch, an unread member, totals no reading meets
    _v("participation", 100, ("plumber-layout",), labels="once-top", header_text="stacked", header_repeat=False, breaks="manual", totals="per-page"),
    _v("participation", 104, ("pdftotext-layout",), ruling="unruled", labels="merge-bottom", header_text="stacked", breaks="manual", totals="per-page"),
    _v("participation", 104, ("pdftotext-layout",), ruling="unruled", labels="repeat", header_text="rotated"),
    _v("participation", 106, ("pdftotext-layout",), ruling="unruled", labels="merge-top", header_text="rotated", header_repeat=False, breaks="manual", totals="per-page"),
    _v("participation", 108, ("pdf",), ruling="unruled", labels="merge-top", header_text="stacked", breaks="manual"),
    _v("participation", 110, ("plumber-text",), labels="once-bottom", breaks="manual", totals="per-page"),
    _v("catalog", 1, ("pdf", "tsv-clipboard"), labels="merge-middle", line_breaks="cells"),
    _v("catalog", 2, ("pdf", "plumber-text"), labels="once-top", breaks="manual", totals="per-page"),
    _v("catalog", 3, ("pdf", "pdftotext-layout"), ruling="unruled", labels="repeat", header_repeat=False),
    _v("catalog", 4, ("pdf", "plumber-layout"), ruling="reportlab", labels="merge-bottom", breaks="manual", totals="per-page"),
    _v("catalog", 5, ("pdf", "tsv-bare"), labels="once-middle", breaks="none", line_breaks="header"),
    _v("catalog", 6, ("plumber-text", "tsv-clipboard"), ruling="unruled", labels="merge-top", breaks="manual"),
    _v("catalog", 7, ("pdf", "pdftotext-layout"), labels="once-bottom", header_repeat=False, line_breaks="cells"),
    _v("catalog", 8, ("pdf", "plumber-text"), ruling="reportlab", labels="once-middle", breaks="natural"),
    _v("timeseries", 1, ("pdf", "tsv-clipboard"), labels="merge-middle", orientation="across"),
    _v("timeseries", 2, ("pdf", "plumber-text"), labels="merge-middle", orientation="down", line_breaks="header"),
    _v("timeseries", 3, ("pdf", "pdftotext-layout"), ruling="unruled", labels="once-top", orientation="across", breaks="manual"),
    _v("timeseries", 4, ("pdf", "plumber-layout"), ruling="reportlab", labels="repeat", orientation="down", breaks="none"),
    _v("timeseries", 5, ("pdf", "tsv-bare"), labels="once-bottom", orientation="across", header_repeat=False, breaks="manual", line_breaks="cells"),
    _v("timeseries", 6, ("pdf", "plumber-text"), labels="merge-top", orientation="down", breaks="manual"),
    _v("timeseries", 7, ("pdf", "tsv-clipboard"), ruling="unruled", labels="once-middle", orientation="down", line_breaks="cells"),
    _v("timeseries", 8, ("pdf", "pdftotext-layout"), ruling="reportlab", labels="merge-bottom", orientation="across", breaks="manual"),
)


def balanced_layouts(family: str, count: int, rng: random.Random) -> list[Layout]:
    """``count`` layouts in which each value of each option the family uses appears about as
    often as the others (shuffled independently per option); per-page totals force manual breaks."""
    drawn: dict[str, list] = {}
    for name in FAMILY_OPTIONS[family]:
        values = [OPTIONS[name][i % len(OPTIONS[name])] for i in range(count)]
        rng.shuffle(values)
        drawn[name] = values
    layouts = []
    for i in range(count):
        options = {name: values[i] for name, values in drawn.items()}
        if options.get("totals") == "per-page":
            options["breaks"] = "manual"
        layouts.append(Layout(**options))
    return layouts


def benchmark_variants(per_family: int = 75, layouts_per_table: int = 6) -> list[Variant]:
    """The benchmark's set: per family, tables drawn from seeds 100, 101, ... each printed in
    ``layouts_per_table`` balanced layouts, so every table is seen in several layouts."""
    out: dict[str, Variant] = {}
    for family in FAMILIES:
        layouts = balanced_layouts(family, per_family, random.Random(f"bench-{family}"))
        for i, layout in enumerate(layouts):
            variant = Variant(family, 100 + i // layouts_per_table, layout)
            out.setdefault(variant.name, variant)
    return list(out.values())


def uncovered(variants: Iterable[tuple[Variant, Sequence[str]]]) -> list[str]:
    """Option values and forms no variant exercises (empty when the set covers everything)."""
    seen: set[tuple[str, object]] = set()
    for variant, forms in variants:
        seen.update(layout_options(variant))
        seen.update(("form", f) for f in forms)
    wanted = {(n, v) for n, values in OPTIONS.items() for v in values} | {("form", f) for f in FORMS}
    return sorted(f"{n}={v}" for n, v in wanted - seen)


def load_rendered(folder: Path) -> list[tuple[Variant, Truth, tuple[str, ...]]]:
    """(variant, truth, forms) of every rendering in ``folder`` (its JSON files)."""
    out = []
    for meta in sorted(folder.glob("*.json")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        out.append((Variant.from_json(data["variant"]), Truth.from_json(data["truth"]), tuple(data["forms"])))
    return out


def write_subset(folder: Path = SUBSET_DIR) -> None:
    """Render the fast subset into ``folder`` (PDF only where a variant lists it) and drop
    files of variants no longer in the subset."""
    missing = uncovered(SUBSET)
    if missing:
        raise SystemExit(f"the subset leaves uncovered: {', '.join(missing)}")
    if folder.exists():
        shutil.rmtree(folder)
    render_variants(SUBSET, folder, keep_pdf=False)
    print(f"wrote {len(SUBSET)} variants to {folder}")

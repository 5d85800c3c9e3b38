"""Layout fuzzer: keikaku's accuracy on one logical table rendered in many layouts and forms.

``tests.layout_fuzzer.benchmark_variants()`` draws over 200 variants (three families, each
table printed in several balanced layouts); each is rendered through LibreOffice (or reportlab)
and extracted in every form (the PDF, pdfplumber text and layout text, pdftotext -layout, the
spreadsheet copy quoted and bare). Renderings are cached in ``benchmarks/.fuzz-cache/`` (git
ignored), keyed by variant and by a fingerprint of what it renders, so a rerun only extracts
and scores. Identical files (a spreadsheet copy does not change with ruling or page breaks)
are extracted once.

Printed: accuracy per family measure (participation cells, catalog categories, time-series
observations; categories of participation matrices as a secondary measure), per layout option
value (over every form, and over the PDFs alone, where layout matters most) and per extraction
form, how many tables read their canonical rows in every rendering, the worst rendering of each
family in each form with examples of its misses, and the time spent rendering vs extracting.
Accuracy is right / (truth cells + extra keys); categories the rendering leaves open (labels
printed mid-span, read without rules) are counted apart (see ``tests.layout_fuzzer.Score``).

    make bench BENCH=fuzz        # or: .venv/bin/python -m benchmarks fuzz

Only some families or forms (rendering and scoring only what is asked; the cache is shared):

    .venv/bin/python -m benchmarks.bench_fuzz --family participation --form pdftotext-layout
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import time
import traceback
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.layout_fuzzer import (
    FAMILY_MEASURE,
    FORMS,
    TARGETS,
    Score,
    Variant,
    benchmark_variants,
    extract_file,
    form_path,
    layout_options,
    render_variants,
    score,
    soffice_path,
)

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".fuzz-cache"
MEASURES = ("participation", "categories", "observations")


@dataclass(frozen=True)
class Outcome:
    """One form of one variant, extracted and scored."""

    variant: Variant
    form: str
    scores: dict[str, Score]
    error: str | None = None
    rows: frozenset = frozenset()  # the canonical rows read (for the same-rows-everywhere count)

    @property
    def main(self) -> Score:
        return self.scores[FAMILY_MEASURE[self.variant.family]]


def tools_missing() -> list[str]:
    return [name for name, found in (("soffice", soffice_path()), ("pdftotext", shutil.which("pdftotext"))) if not found]


def canonical_rows(variant: Variant, extraction: dict[str, list]) -> frozenset:
    """What the family's measure reads, as comparable tuples."""
    if variant.family == "participation":
        return frozenset((r.project_number, r.municipality_name, r.status) for r in extraction["participation"])
    if variant.family == "catalog":
        return frozenset((r.project_number, r.category_1, r.category_2, r.category_3) for r in extraction["projects"])
    return frozenset((r.series, r.period, r.value) for r in extraction["observations"])


def empty_extraction() -> dict[str, list]:
    return {"participation": [], "projects": [], "observations": [], "quality": []}


def extract_all(variants: Sequence[Variant], forms: Sequence[str] = FORMS) -> list[Outcome]:
    """Extract and score every form of every variant; files with the same bytes are read once.
    An exception in keikaku is an outcome (scored as nothing read), never a crash."""
    seen: dict[str, tuple[dict[str, list], str | None]] = {}
    out = []
    for n, variant in enumerate(variants, start=1):
        for form in forms:
            path = form_path(CACHE, variant.name, form)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest not in seen:
                try:
                    seen[digest] = (extract_file(path), None)
                except Exception as exc:  # noqa: BLE001 - a crash on one rendering is a finding
                    seen[digest] = (empty_extraction(), f"{type(exc).__name__}: {exc} (in {traceback.extract_tb(exc.__traceback__)[-1].name})")
            extraction, error = seen[digest]
            out.append(Outcome(variant, form, score(variant, extraction, form), error, canonical_rows(variant, extraction)))
        if n % 25 == 0:
            print(f"  extracted {n}/{len(variants)} variants", flush=True)
    return out


def total(scores: Iterable[Score]) -> tuple[float, int, int]:
    """(accuracy, renderings, renderings at target) over ``scores``: right cells over all truth
    cells and extra keys of every rendering (not a mean of per-rendering accuracies)."""
    scores = list(scores)
    right = sum(s.right for s in scores)
    base = sum(s.total + s.extra for s in scores)
    return (right / base if base else float("nan"), len(scores), sum(s.passes() for s in scores))


def cell(scores: list[Score]) -> str:
    """Accuracy and renderings at target; for participation also the wrong cells left unflagged."""
    if not scores:
        return f"{'-':>21}"
    accuracy, n, passing = total(scores)
    unflagged = f" ({sum(s.wrong_unflagged for s in scores)} unflagged)" if scores[0].measure == "participation" else ""
    return f"{accuracy:8.2%} {passing:>4}/{n:<4}ok{unflagged}"


def print_families(outcomes: Sequence[Outcome]) -> None:
    print(f"\nper family: accuracy over every rendering and form; 'at target' = renderings reaching {TARGETS}")
    print("  (participation also needs 0 wrong cells unflagged; categories of participation matrices are a secondary measure)")
    for measure in MEASURES:
        for family in ("participation", "catalog", "timeseries"):
            scores = [o.scores[measure] for o in outcomes if o.variant.family == family and measure in o.scores]
            if not scores:
                continue
            accuracy, n, passing = total(scores)
            flagged = f" (unflagged {sum(s.wrong_unflagged for s in scores)})" if measure == "participation" else ""
            print(f"  {family:<14} {measure:<14} {accuracy:8.2%}  {passing:>4}/{n:<4} at target   of {sum(s.total for s in scores):>6} cells:"
                  f" missing {sum(s.missing for s in scores):>6}, wrong {sum(s.wrong for s in scores):>5}{flagged}; extra keys {sum(s.extra for s in scores):>5};"
                  f" open rows right {sum(s.open_right for s in scores)}/{sum(s.open_total for s in scores)}")


def print_breakdown(title: str, groups: dict[str, list[Outcome]]) -> None:
    print(f"\n{title}: main measure per family (participation cells | catalog categories | time-series observations)")
    print(f"  {'':<26} {'participation':>21} {'catalog':>21} {'timeseries':>21}")
    for label, group in groups.items():
        row = [cell([o.main for o in group if o.variant.family == f]) for f in ("participation", "catalog", "timeseries")]
        print(f"  {label:<26} " + " ".join(row))


def by_option(outcomes: Sequence[Outcome]) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        for name, value in layout_options(o.variant):
            groups[f"{name}={value}"].append(o)
    return dict(sorted(groups.items()))


def by_form(outcomes: Sequence[Outcome]) -> dict[str, list[Outcome]]:
    return {form: group for form in FORMS if (group := [o for o in outcomes if o.form == form])}


def print_consistency(outcomes: Sequence[Outcome]) -> None:
    """Per table (family and seed): do all its renderings read the truth, or at least the same rows?"""
    tables: dict[tuple[str, int], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        tables[(o.variant.family, o.variant.seed)].append(o)
    truthful = sum(all(o.main.accuracy == 1.0 for o in group) for group in tables.values())
    readings = sorted(len({o.rows for o in group}) for group in tables.values())
    print(f"\nevery rendering of the table reads its canonical rows: {truthful}/{len(tables)} tables"
          f" ({len(outcomes) // len(tables)} renderings each; distinct readings per table: median {readings[len(readings) // 2]}, max {readings[-1]})")


def print_worst(outcomes: Sequence[Outcome]) -> None:
    """Per family and form: how many renderings read nothing, and the worst of those that read
    something, with its first misses (a rendering read badly says more than one not read)."""
    print("\nworst rendering per family and form among those read at all (first misses: key: expected, got)")
    for family in ("participation", "catalog", "timeseries"):
        for form in FORMS:
            group = [o for o in outcomes if o.variant.family == family and o.form == form]
            if not group:
                continue
            read = [o for o in group if o.main.right + o.main.wrong + o.main.extra]
            nothing = f"{len(group) - len(read)}/{len(group)} read nothing"
            if not read:
                print(f"  {family:<14} [{form}]  {nothing}")
                continue
            o = min(read, key=lambda o: (o.main.accuracy, -o.main.wrong, o.variant.name))
            s = o.main
            print(f"  {family:<14} [{form}]  {nothing}; worst {o.variant.name}: {s.measure} {s.accuracy:.2%} ({s.right}/{s.total};"
                  f" missing {s.missing}, wrong {s.wrong}, extra {s.extra}){'  ERROR ' + o.error if o.error else ''}")
            for example in s.examples[:3]:
                print(f"      {example}")


def print_errors(outcomes: Sequence[Outcome]) -> None:
    errors = sorted({o.error for o in outcomes if o.error})
    if errors:
        print(f"\nkeikaku raised on {sum(1 for o in outcomes if o.error)} renderings:")
        for error in errors[:10]:
            print(f"  {error}")


def main(families: Sequence[str] = (), forms: Sequence[str] = ()) -> None:
    """The whole benchmark, or only the variants of ``families`` and the files of ``forms``."""
    missing = tools_missing()
    if missing:
        print(f"bench_fuzz needs {', '.join(missing)} to render: apt-get install -y libreoffice-calc poppler-utils fonts-ipafont-gothic")
        return
    variants = [v for v in benchmark_variants() if not families or v.family in families]
    forms = tuple(forms) or FORMS
    print(f"{len(variants)} variants x {len(forms)} forms; renderings cached in {CACHE.relative_to(ROOT)}/", flush=True)
    started = time.perf_counter()
    rendered = render_variants([(v, FORMS) for v in variants], CACHE)
    render_seconds = time.perf_counter() - started
    print(f"rendered {rendered} variants ({len(variants) - rendered} from the cache) in {render_seconds:.1f} s", flush=True)
    started = time.perf_counter()
    outcomes = extract_all(variants, forms)
    extract_seconds = time.perf_counter() - started
    print_families(outcomes)
    print_breakdown("per layout option, every form", by_option(outcomes))
    print_breakdown("per layout option, the PDF form only", by_option([o for o in outcomes if o.form == "pdf"]))
    print_breakdown("per extraction form", by_form(outcomes))
    print_consistency(outcomes)
    print_worst(outcomes)
    print_errors(outcomes)
    each = f"{render_seconds / rendered:.2f} s each" if rendered else "all from the cache"
    print(f"\ntime: rendering {render_seconds:.1f} s ({rendered} variants rendered, {each}),"
          f" extracting and scoring {extract_seconds:.1f} s ({len(outcomes)} files, {extract_seconds / len(outcomes) * 1000:.0f} ms each;"
          " identical files read once)")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="keikaku's accuracy on the layout fuzzer's benchmark set")
    parser.add_argument("--family", action="append", default=[], choices=("participation", "catalog", "timeseries"), help="only this family (repeatable)")
    parser.add_argument("--form", action="append", default=[], choices=FORMS, help="only this extraction form (repeatable)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    main(args.family, args.form)

"""Scoring what keikaku reads back against the truth, and the recorded floors.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from tests.layout_fuzzer.families import open_rows
from tests.layout_fuzzer.render import form_path
from tests.layout_fuzzer.subset import load_rendered
from tests.layout_fuzzer.truth import FAMILY_MEASURE, FLOORS_FILE, SUBSET_DIR, TARGETS, Truth
from tests.layout_fuzzer.variants import Layout, Variant

# --- scoring ---------------------------------------------------------------------------------------------------

TABLES = ("participation", "projects", "observations")


@cache
def _stages() -> tuple:
    from pipeline.stages import default_stages

    return tuple(default_stages())


def extract_file(path: Path) -> dict[str, list]:
    """keikaku's per-document pipeline (read, segment, extract, validate) on one file, as
    ``pipeline.ingest`` runs it: the rows of each table, and ``quality`` rows (its issues)."""
    from pipeline.envelope import DocumentResult, InputFile
    from pipeline.stages import run_stages

    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    result = run_stages(DocumentResult(source=InputFile(source_file=Path(path).name, data=data), doc_id=digest[:16], sha256=digest), _stages())
    out: dict[str, list] = {name: list(getattr(result.extraction, name)) for name in TABLES}
    out["quality"] = result.quality_rows()
    return out


def norm(text: object) -> str:
    """NFKC with all whitespace removed: how categories and series names are compared."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


@dataclass(frozen=True)
class Score:
    """One measure of one extraction.

    ``accuracy`` is right / (total + extra): keys the truth does not hold count against it (a
    page 小計 read as a project is an error, not noise). ``wrong``: present with a wrong value;
    ``wrong_unflagged``: of those, the ones not flagged ``ambiguous`` (participation, the only
    table with such a flag). Categories of rows the rendering leaves open (labels printed
    mid-span, read without rules: ``open_projects``) are scored apart in ``open_right`` /
    ``open_total`` and left out of the accuracy."""

    measure: str  # participation | categories | observations
    right: int
    total: int
    missing: int = 0
    extra: int = 0
    wrong: int = 0
    wrong_unflagged: int = 0
    open_right: int = 0
    open_total: int = 0
    examples: tuple[str, ...] = ()  # a few misses: expected -> got

    @property
    def accuracy(self) -> float:
        return self.right / (self.total + self.extra) if self.total + self.extra else 1.0

    def passes(self) -> bool:
        return self.accuracy >= TARGETS[self.measure] and self.wrong_unflagged == 0


def group_by_key(rows: Iterable[object], key: Callable[[object], object]) -> dict[object, list]:
    out: dict[object, list] = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return out


def compare(measure: str, truth: dict, got: dict[object, list], value: Callable, flagged: Callable | None = None, open_keys: frozenset = frozenset()) -> Score:
    """Truth key -> value against extracted rows grouped by key: a key is right when every row
    extracted for it has the true value. ``flagged`` tells a row flagged as uncertain."""
    right = missing = wrong = unflagged = open_right = 0
    examples: list[str] = []
    for key, expected in truth.items():
        rows = got.get(key, [])
        values = [value(r) for r in rows]
        if rows and all(v == expected for v in values):
            right += key not in open_keys
            open_right += key in open_keys
            continue
        if key in open_keys:
            continue
        missing += not rows
        wrong += bool(rows)
        unflagged += flagged is not None and any(not flagged(r) for r, v in zip(rows, values, strict=True) if v != expected)
        if len(examples) < 4:
            examples.append(f"{key}: expected {expected!r}, got {', '.join(sorted(set(map(repr, values)))) or 'nothing'}")
    extra = [k for k in got if k not in truth]
    examples += [f"{k}: not in the table, got {value(got[k][0])!r}" for k in extra[: max(0, 6 - len(examples))]]
    opened = len(open_keys & truth.keys())
    return Score(measure, right, len(truth) - opened, missing, len(extra), wrong, unflagged, open_right, opened, tuple(examples))


def score_participation(truth: Truth, rows: Sequence) -> Score:
    numbers = {norm(p.project_name): p.project_number for p in truth.participation}
    expected = {(p.project_number, p.municipality_name): p.status for p in truth.participation}

    def key(row) -> tuple:
        number = row.project_number if row.project_number is not None else numbers.get(norm(row.project_name), norm(row.project_name))
        return (number, row.municipality_name)

    return compare("participation", expected, group_by_key(rows, key), lambda r: r.status, lambda r: bool(r.ambiguous))


def categories_of(row) -> tuple[str, str, str]:
    return (norm(row.category_1), norm(row.category_2), norm(row.category_3))


def score_categories(truth: Truth, rows: Sequence, open_numbers: frozenset[int] = frozenset()) -> Score:
    expected = {p.project_number: categories_of(p) for p in truth.projects}
    return compare("categories", expected, group_by_key(rows, lambda r: r.project_number), categories_of, open_keys=open_numbers)


def score_observations(truth: Truth, rows: Sequence) -> Score:
    expected = {(norm(o.series), o.period): Decimal(o.value) for o in truth.observations}
    return compare("observations", expected, group_by_key(rows, lambda r: (norm(r.series), r.period)), lambda r: r.value)


def printed_placement(layout: Layout, form: str | None) -> str | None:
    """Where a reader of ``form`` sees group labels printed once (top / middle / bottom), or
    None when the form shows the spans: labels on every row, the rules of a ruled PDF, a
    merged label at the exact geometric middle of its span in a PDF. A spreadsheet copy puts a
    merged label in the span's first row. ``form`` None: assume the least telling text form."""
    kind, _, where = layout.labels.partition("-")
    if kind == "repeat" or (form == "pdf" and (layout.ruling == "ruled" or layout.labels == "merge-middle")):
        return None
    if kind == "merge" and form is not None and form.startswith("tsv"):
        return "top"
    return where


def open_projects(layout: Layout, form: str | None, truth: Truth) -> frozenset[int]:
    """Project numbers whose categories the rendering leaves open in ``form`` (``open_rows``)."""
    printed = printed_placement(layout, form)
    if printed is None or not truth.projects:
        return frozenset()
    paths = [tuple(c for c in (p.category_1, p.category_2, p.category_3) if c) for p in truth.projects]
    return frozenset(truth.projects[r].project_number for r in open_rows(paths, printed))


def score(variant: Variant, extraction: dict[str, list], form: str | None = None, truth: Truth | None = None) -> dict[str, Score]:
    """Per measure of ``variant``'s family: participation cells (and, as a secondary measure,
    its projects' categories), catalog categories, or time-series observations. ``form`` says
    which extraction form was read (for the rows its rendering leaves open); ``truth``
    defaults to what the generator draws for the variant (pass a committed one instead)."""
    truth = truth or variant.truth()
    opened = open_projects(variant.layout, form, truth)
    if variant.family == "participation":
        return {
            "participation": score_participation(truth, extraction.get("participation", [])),
            "categories": score_categories(truth, extraction.get("projects", []), opened),
        }
    if variant.family == "catalog":
        return {"categories": score_categories(truth, extraction.get("projects", []), opened)}
    return {"observations": score_observations(truth, extraction.get("observations", []))}


# --- command line ----------------------------------------------------------------------------------------------


def rendering_id(variant: Variant, form: str) -> str:
    return f"{variant.name}[{form}]"


def measure_subset(folder: Path = SUBSET_DIR) -> dict[str, dict[str, float | int]]:
    """Each committed rendering's main measure: accuracy and wrong cells left unflagged."""
    out: dict[str, dict[str, float | int]] = {}
    for variant, truth, forms in load_rendered(folder):
        for form in forms:
            main = score(variant, extract_file(form_path(folder, variant.name, form)), form, truth)[FAMILY_MEASURE[variant.family]]
            out[rendering_id(variant, form)] = {"accuracy": round(main.accuracy, 4), "wrong_unflagged": main.wrong_unflagged}
    return out


def record_floors(path: Path = FLOORS_FILE) -> None:
    """Write the subset's measured scores as the floors ``tests/test_layout_fuzz.py`` holds
    keikaku to; says which renderings got worse than the floors recorded before."""
    before = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    now = measure_subset()
    for key, measured in sorted(now.items()):
        old = before.get(key)
        if old and (measured["accuracy"] < old["accuracy"] or measured["wrong_unflagged"] > old["wrong_unflagged"]):
            print(f"worse than recorded: {key} {old} -> {measured}")
    path.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    met = sum(1 for key, m in now.items() if meets_target(key.split("-", 1)[0], m))
    print(f"recorded {len(now)} renderings to {path}; {met} meet the issue's targets")


def meets_target(family: str, floor: dict[str, float | int]) -> bool:
    """A recorded score at the issue's target: accuracy of the family's measure, no wrong cell unflagged."""
    return floor["accuracy"] >= TARGETS[FAMILY_MEASURE[family]] and floor["wrong_unflagged"] == 0

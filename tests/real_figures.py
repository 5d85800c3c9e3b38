"""The running-text figures corpus (``tests/real/figures/``): figures, non-figures and region
members of public PDFs keyed by hand, and the score keikaku gets on them.

Each ``<slug>.pdf`` has a ``<slug>.figures.csv`` (the figures its running text states), a
``<slug>.nonfigures.csv`` (numbers on the page that are not figures: ``nonfigure`` must never come
out, ``neutral`` may) and, where it defines a region, a ``<slug>.regions.csv``
(``tests/real/figures/PROVENANCE.md`` says how they were keyed). Every ``metrics`` row of a
document is put in one class, in this order:

* **figure**: the row holds a key's value (sign aside), on the key's page (or the page before: a
  sentence may start there), and its sentence prints the key's number as the key has it
  (``１億4,305万２千円``, compared after NFKC with spaces removed). Each key takes one row; another
  row for the same key is a *duplicate*, unless a neutral entry covers it;
* **nonfigure** / **neutral**: the row's value is a listed non-figure's value on its page, and its
  sentence prints that non-figure's text;
* **other**: anything else — a false positive.

Of the rows found for a key: *sign* (the row's value has the key's sign), *kind* (the row's
``kind`` is the key's level / change / ratio), *unit*, *period* (the row's period is the key's, both
empty counting as equal) and *subject* (the row's ``metric`` and the key's subject contain one
another, after NFKC with spaces and brackets removed: reported, not asserted).

Precision is figures / (figures + duplicates + nonfigures + others); recall is keys found / keys.
Region members: the municipalities of a document's ``region_members`` against its keyed members.

Run ``python -m tests.real_figures`` for the scores (``-v``: every miss, wrong sign / kind / period,
non-figure and false positive); ``--floors`` records the current results as the floor
``tests/test_real_figures.py`` holds keikaku to (``tests/real/figures/floors.json``).
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from tests.real_corpus import pdf_to_result

FIGURES = Path(__file__).resolve().parent / "real" / "figures"
FLOORS_FILE = FIGURES / "floors.json"
KINDS = ("level", "change", "ratio")


def compact(text: object) -> str:
    """NFKC without white space: how printed numbers and sentences are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def subject_form(text: object) -> str:
    """A subject or metric compared without spaces, brackets, middle dots and 「」."""
    return re.sub(r"[()（）「」『』・\s]", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


def to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text.strip() else None
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class FigureKey:
    slug: str
    line: int  # line of the keys file (the header is line 1)
    page: int
    kind: str
    subject: str
    value: Decimal
    unit: str
    period: str
    text: str
    sentence: str
    note: str

    def describe(self) -> str:
        return f"{self.slug}.figures.csv:{self.line} (p.{self.page}) {self.subject} = {self.value} {self.unit} [{self.period or '-'}] {self.kind}"


@dataclass(frozen=True)
class NonFigure:
    slug: str
    line: int
    page: int
    text: str
    value: Decimal | None
    unit: str
    neutral: bool
    why: str


@dataclass(frozen=True)
class RegionKey:
    slug: str
    line: int
    page: int
    region_name: str
    region_kind: str
    municipality_name: str
    printed: str


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return [(i + 2, r) for i, r in enumerate(csv.DictReader(f))]


def load_figure_keys(slug: str) -> list[FigureKey]:
    out = []
    for line, r in _rows(FIGURES / f"{slug}.figures.csv"):
        value = to_decimal(r["value"])
        if value is None or r["kind"] not in KINDS:
            raise ValueError(f"{slug}.figures.csv:{line}: a key needs a value and a kind in {KINDS}")
        out.append(
            FigureKey(
                slug,
                line,
                int(r["page"]),
                r["kind"],
                r["subject"],
                value,
                r["unit"],
                r["period"],
                r["text"],
                r["sentence"],
                r["note"],
            )
        )
    return out


def load_nonfigures(slug: str) -> list[NonFigure]:
    return [
        NonFigure(slug, line, int(r["page"]), r["text"], to_decimal(r["value"]), r["unit"], r["class"] == "neutral", r["why"])
        for line, r in _rows(FIGURES / f"{slug}.nonfigures.csv")
    ]


def load_region_keys(slug: str) -> list[RegionKey]:
    return [
        RegionKey(slug, line, int(r["page"]), r["region_name"], r["region_kind"], r["municipality_name"], r["printed"])
        for line, r in _rows(FIGURES / f"{slug}.regions.csv")
    ]


def documents() -> list[str]:
    return sorted(p.stem for p in FIGURES.glob("*.pdf"))


def negative_documents() -> list[str]:
    """Documents the provenance marks NEGATIVE: no running-text figure at all."""
    text = (FIGURES / "PROVENANCE.md").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"\|\s*([a-z0-9-]+)\.pdf\s*\|[^\n]*NEGATIVE", text)))


# --- classifying the rows -------------------------------------------------------------------------


def row_value(row: Any) -> Decimal | None:
    value = getattr(row, "value", None)
    return Decimal(str(value)) if value is not None else None


def key_matches(key: FigureKey, row: Any) -> bool:
    value = row_value(row)
    return (
        value is not None
        and abs(value) == abs(key.value)
        and (row.page or 0) in (key.page, key.page - 1)
        and compact(key.text) in compact(row.text)
    )


def nonfigure_matches(entry: NonFigure, row: Any) -> bool:
    value = row_value(row)
    return (
        value is not None
        and entry.value is not None
        and abs(value) == abs(entry.value)
        and row.page == entry.page
        and compact(entry.text) in compact(row.text)
    )


@dataclass(frozen=True)
class Found:
    """A key and the row taken for it."""

    key: FigureKey
    row: Any

    @property
    def sign_right(self) -> bool:
        return ((row_value(self.row) or 0) < 0) == (self.key.value < 0)

    @property
    def kind_right(self) -> bool:
        return getattr(self.row, "kind", None) == self.key.kind

    @property
    def unit_right(self) -> bool:
        return compact(self.row.unit or "") == compact(self.key.unit)

    @property
    def period_right(self) -> bool:
        return (self.row.period or "") == self.key.period

    @property
    def subject_right(self) -> bool:
        metric, subject = subject_form(self.row.metric), subject_form(self.key.subject)
        return bool(metric) and (metric in subject or subject in metric)


@dataclass(frozen=True)
class DocumentScore:
    slug: str
    keys: tuple[FigureKey, ...]
    found: tuple[Found, ...]
    duplicates: tuple[Any, ...]
    nonfigures: tuple[tuple[Any, NonFigure], ...]
    neutral: tuple[Any, ...]
    others: tuple[Any, ...]
    region_keys: tuple[RegionKey, ...]
    region_rows: tuple[Any, ...]
    status: str
    quality_codes: tuple[str, ...] = field(default=())

    @property
    def missed(self) -> list[FigureKey]:
        taken = {f.key.line for f in self.found}
        return [k for k in self.keys if k.line not in taken]

    @property
    def wrong_rows(self) -> int:
        return len(self.duplicates) + len(self.nonfigures) + len(self.others)

    @property
    def region_members_keyed(self) -> set[str]:
        return {k.municipality_name for k in self.region_keys}

    @property
    def region_members_given(self) -> set[str]:
        return {r.municipality_name for r in self.region_rows}


def rows_to_score(
    slug: str, rows: Sequence[Any], keys: Sequence[FigureKey], entries: Sequence[NonFigure]
) -> tuple[list[Found], list[Any], list[tuple[Any, NonFigure]], list[Any], list[Any]]:
    """Each row in one class (see the module docstring): keys take rows in key order, the row on
    the key's own page first."""
    found: list[Found] = []
    used: set[int] = set()
    for key in keys:
        candidates = [i for i, r in enumerate(rows) if i not in used and key_matches(key, r)]
        candidates.sort(key=lambda i: (rows[i].page != key.page, i))
        if candidates:
            used.add(candidates[0])
            found.append(Found(key, rows[candidates[0]]))
    duplicates, nonfigures, neutral, others = [], [], [], []
    for i, row in enumerate(rows):
        if i in used:
            continue
        entry = next((e for e in entries if nonfigure_matches(e, row)), None)
        if entry is not None and entry.neutral:
            neutral.append(row)
        elif any(key_matches(k, row) for k in keys):
            duplicates.append(row)
        elif entry is not None:
            nonfigures.append((row, entry))
        else:
            others.append(row)
    return found, duplicates, nonfigures, neutral, others


@cache
def extract(slug: str) -> Any:
    """The envelope keikaku gives for one document (cached per process)."""
    return pdf_to_result(FIGURES / f"{slug}.pdf")


def score_document(slug: str) -> DocumentScore:
    result = extract(slug)
    keys = load_figure_keys(slug)
    rows = list(result.extraction.metrics)
    found, duplicates, nonfigures, neutral, others = rows_to_score(slug, rows, keys, load_nonfigures(slug))
    codes = tuple(
        sorted({str(q.code) for q in getattr(result.extraction, "quality", ()) if getattr(q, "table", "") == "metrics"})
    )
    return DocumentScore(
        slug, tuple(keys), tuple(found), tuple(duplicates), tuple(nonfigures), tuple(neutral), tuple(others),
        tuple(load_region_keys(slug)), tuple(result.extraction.region_members), result.status, codes,
    )  # fmt: skip


# --- totals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    keys: int
    found: int
    wrong_rows: int
    nonfigure_rows: int
    sign: int
    kind: int
    unit: int
    period: int
    subject: int
    region_keyed: int
    region_given: int
    region_right: int

    @property
    def precision(self) -> float:
        return self.found / max(self.found + self.wrong_rows, 1)

    @property
    def recall(self) -> float:
        return self.found / max(self.keys, 1)

    def share(self, n: int) -> float:
        return n / max(self.found, 1)

    @property
    def region_precision(self) -> float:
        return self.region_right / max(self.region_given, 1)

    @property
    def region_recall(self) -> float:
        return self.region_right / max(self.region_keyed, 1)


def summarize(scores: Iterable[DocumentScore]) -> Totals:
    scores = list(scores)
    found = [f for s in scores for f in s.found]
    return Totals(
        keys=sum(len(s.keys) for s in scores),
        found=len(found),
        wrong_rows=sum(s.wrong_rows for s in scores),
        nonfigure_rows=sum(len(s.nonfigures) for s in scores),
        sign=sum(f.sign_right for f in found),
        kind=sum(f.kind_right for f in found),
        unit=sum(f.unit_right for f in found),
        period=sum(f.period_right for f in found),
        subject=sum(f.subject_right for f in found),
        region_keyed=sum(len(s.region_members_keyed) for s in scores),
        region_given=sum(len(s.region_members_given) for s in scores),
        region_right=sum(len(s.region_members_keyed & s.region_members_given) for s in scores),
    )


def totals_line(t: Totals) -> str:
    return (
        f"figures: precision {t.found}/{t.found + t.wrong_rows} = {t.precision:.1%}, recall {t.found}/{t.keys} = {t.recall:.1%}; "
        f"of those found: sign {t.share(t.sign):.1%}, kind {t.share(t.kind):.1%}, unit {t.share(t.unit):.1%}, "
        f"period {t.share(t.period):.1%}, subject {t.share(t.subject):.1%}; non-figure rows {t.nonfigure_rows}\n"
        f"region members: precision {t.region_right}/{t.region_given} = {t.region_precision:.1%}, "
        f"recall {t.region_right}/{t.region_keyed} = {t.region_recall:.1%}"
    )


def _row(row: Any) -> str:
    return f"p.{row.page} {row.metric} = {row.value} {row.unit or ''} [{row.period or '-'}] {getattr(row, 'kind', None) or '-'} «{(row.text or '')[:70]}»"


def print_details(s: DocumentScore) -> None:
    for key in s.missed:
        print(f"      missed {key.describe()}")
    for f in s.found:
        wrong = [name for name in ("sign", "kind", "unit", "period") if not getattr(f, f"{name}_right")]
        if wrong:
            print(f"      wrong {'/'.join(wrong)}: {f.key.describe()}\n          got {_row(f.row)}")
    for row, entry in s.nonfigures:
        print(f"      NON-FIGURE ({entry.why}): {_row(row)}")
    for row in s.duplicates:
        print(f"      duplicate: {_row(row)}")
    for row in s.others:
        print(f"      false positive: {_row(row)}")
    for name in sorted(s.region_members_keyed - s.region_members_given):
        print(f"      region member missed: {name}")
    for name in sorted(s.region_members_given - s.region_members_keyed):
        print(f"      region member wrong: {name}")


# --- floors ---------------------------------------------------------------------------------------


def document_floor(s: DocumentScore) -> dict[str, Any]:
    """What a document may not lose: keys found, found with the right sign / kind / period,
    region members found; and the ceilings of wrong and non-figure rows."""
    return {
        "found": sorted(f.key.line for f in s.found),
        "sign": sorted(f.key.line for f in s.found if f.sign_right),
        "kind": sorted(f.key.line for f in s.found if f.kind_right),
        "period": sorted(f.key.line for f in s.found if f.period_right),
        "region_members": sorted(s.region_members_keyed & s.region_members_given),
        "max_wrong_rows": s.wrong_rows,
        "max_nonfigure_rows": len(s.nonfigures),
        "max_wrong_region_members": len(s.region_members_given - s.region_members_keyed),
    }


def record_floors() -> None:
    before = json.loads(FLOORS_FILE.read_text(encoding="utf-8")) if FLOORS_FILE.exists() else {}
    now = {slug: document_floor(score_document(slug)) for slug in documents()}
    for slug, floor in now.items():
        old = before.get(slug, {})
        for name in ("found", "sign", "kind", "period", "region_members"):
            lost = sorted(set(old.get(name, ())) - set(floor[name]))
            if lost:
                print(f"{slug}: {name} {lost} held before and no longer")
    FLOORS_FILE.write_text(json.dumps(now, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"recorded the floors of {len(now)} documents to {FLOORS_FILE.name}")


def main(argv: Sequence[str]) -> None:
    if "--floors" in argv:
        record_floors()
        return
    slugs = [a for a in argv if not a.startswith("-")] or documents()
    scores = []
    for slug in slugs:
        s = score_document(slug)
        scores.append(s)
        members = f", region members {len(s.region_members_keyed & s.region_members_given)}/{len(s.region_members_keyed)} (+{len(s.region_members_given - s.region_members_keyed)} wrong)"
        share = f"{len(s.found)}/{len(s.keys)}" if s.keys else "negative" if slug in negative_documents() else "0 keys"
        print(
            f"{share:>8}  {slug}  [{s.status}]  wrong rows {s.wrong_rows} (non-figures {len(s.nonfigures)}){members}", flush=True
        )
        if "-v" in argv:
            print_details(s)
    print("\n" + totals_line(summarize(scores)))


if __name__ == "__main__":
    main(sys.argv[1:])

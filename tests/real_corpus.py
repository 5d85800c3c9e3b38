"""The real-document corpus (``tests/real/``): hand-keyed values of public PDFs, and the score
keikaku gets on them.

Every ``<slug>.pdf`` has a ``<slug>.keys.csv`` of values keyed by hand against the rendered page
(``tests/real/PROVENANCE.md`` says where each document comes from and how it was keyed). A key
is right when one output row of the document (observations, indicators, participation or
cells) holds:

* every label of the key (its row and column headers other than the period, ``|``-separated)
  in the row's labels (table title, series, indicator, header paths …), compared after NFKC
  with white space, note marks and path separators (/ › | ×) removed;
* the value, exactly (a Decimal, sign and scale applied); a participation key: the status or
  the mark as printed;
* the unit, when the key has one and the row has one (a unit the table does not print is not asked for);
* the period, when the key has one that the table itself prints (a period the keyer took from
  the document's title, or gave a table without a period axis, is checked only when the row has
  a period).

Run ``python -m tests.real_corpus`` for the score per document (``-v``: every key that is wrong,
with the nearest row keikaku gave); ``--floors`` records the keys right now as the floor the tests
hold keikaku to (``tests/real/floors.json``).
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

REAL = Path(__file__).resolve().parent / "real"
MARKS_RE = re.compile(r"※\d*|\*\d*|注\d+|[\s　]|[/›|×]")
TITLE_PERIOD_RE = re.compile(r"title|heading|caption|from the (?:page|document|cover)|表題|標題", re.IGNORECASE)
STATUS_BY_MARK = {"●": "existing", "○": "new", "〇": "new", "◯": "new"}


DIGIT_GROUP_RE = re.compile(r"(?<=\d),(?=\d{3})")


def norm(text: object) -> str:
    """Labels compared without spacing, note marks, path separators and digit-group commas
    (``1,000万円以上`` keyed as ``1000万円以上``)."""
    return DIGIT_GROUP_RE.sub("", MARKS_RE.sub("", unicodedata.normalize("NFKC", str(text or "")))).lower()


@dataclass(frozen=True)
class Key:
    slug: str
    line: int
    page: int
    kind: str
    table: str
    labels: tuple[str, ...]
    period: str
    value: Decimal | None
    unit: str
    text: str
    role: str
    note: str

    @property
    def period_from_title(self) -> bool:
        return bool(self.period) and bool(TITLE_PERIOD_RE.search(self.note))

    def describe(self) -> str:
        where = f"{self.slug}.keys.csv:{self.line} (p.{self.page})"
        return f"{where} {' | '.join(self.labels)} [{self.period or '-'}] = {self.value if self.value is not None else self.text} {self.unit}"


def to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text.strip() else None
    except InvalidOperation:
        return None


def load_keys(slug: str) -> list[Key]:
    path = REAL / f"{slug}.keys.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        Key(
            slug=slug,
            line=i + 2,
            page=int(r["page"]),
            kind=r["kind"].strip(),
            table=r["table"],
            labels=tuple(part.strip() for part in r["labels"].split("|") if part.strip()),
            period=r["period"].strip(),
            value=to_decimal(r["value"]),
            unit=r["unit"].strip(),
            text=r["text"],
            role=r["role"].strip(),
            note=r["note"],
        )
        for i, r in enumerate(rows)
    ]


def documents() -> list[str]:
    return sorted(p.stem for p in REAL.glob("*.pdf"))


def negative_documents() -> list[str]:
    """Documents the provenance marks NEGATIVE: no planning or statistics table at all."""
    text = (REAL / "PROVENANCE.md").read_text(encoding="utf-8")
    return sorted({m for m in re.findall(r"\|\s*([a-z0-9-]+)\.pdf\s*\|[^\n]*NEGATIVE", text)})


# --- the output rows a key can match ---------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One value keikaku gave, with everything a key is compared to."""

    table: str  # output table
    labels: str  # normalized, concatenated
    period: str | None
    value: Decimal | None
    unit: str | None
    text: str  # as printed
    status: str | None = None  # participation
    shown: str = ""  # for the report

    def describe(self) -> str:
        return self.shown


def extraction_to_candidates(extraction: Any) -> list[Candidate]:
    out: list[Candidate] = []
    for r in extraction.observations:
        labels = f"{r.table_title} {r.series}"
        out.append(Candidate("observations", norm(labels), r.period, r.value, r.unit, r.value_text or "", shown=f"observations: {labels} [{r.period}] = {r.value} {r.unit or ''}"))
    for r in extraction.indicators:
        base = " ".join(x for x in (r.goal, r.measure, r.indicator) if x)
        for role in ("baseline", "actual", "target"):
            value, unit, period, text = (getattr(r, f"{role}_{f}") for f in ("value", "unit", "period", "text"))
            if value is not None or text:
                out.append(Candidate("indicators", norm(f"{base} {role}"), period, value, unit, text or "", shown=f"indicators: {base} {role} [{period}] = {value} {unit or ''}"))
    for r in extraction.participation:
        labels = f"{r.project_number or ''} {r.project_name or ''} {r.municipality_name}"
        out.append(Candidate("participation", norm(labels), None, None, None, r.observed_mark or "", status=r.status, shown=f"participation: {labels} = {r.status}"))
    for r in extraction.cells:
        if r.role != "data":
            continue
        labels = f"{getattr(r, 'table_title', '') or ''} {r.row_header or ''} {r.column_header or ''}"
        out.append(Candidate("cells", norm(labels), r.period, r.value, r.unit, r.text or "", shown=f"cells: {labels} [{r.period}] = {r.value if r.value is not None else r.text} {r.unit or ''}"))
    return out


def label_without_period(label: str) -> str:
    """A key label that prints the key's period (``本年度予算額``, ``平成27年度``) is checked for
    what it says besides the period (``予算額``; nothing): the period itself is checked apart."""
    from extractors.content.timeseries import is_period_part, part_without_period

    return part_without_period(label) if is_period_part(label) else label


def labels_match(key: Key, candidate: Candidate) -> bool:
    """Every key label is among the row's, as printed or (when the key has a period) without
    the period it prints."""
    return all(label_in(label, candidate.labels, bool(key.period)) for label in key.labels)


def label_in(label: str, labels: str, has_period: bool) -> bool:
    forms = {norm(label), norm(label_without_period(label))} if has_period else {norm(label)}
    return any(form in labels for form in forms) or not any(forms)


def value_matches(key: Key, candidate: Candidate) -> bool:
    if key.kind == "participation":
        if candidate.status is not None:
            return candidate.status == key.role
        return norm(candidate.text) == norm(key.text)
    if key.value is None:
        return norm(candidate.text) == norm(key.text)
    return candidate.value is not None and candidate.value == key.value


def unit_matches(key: Key, candidate: Candidate) -> bool:
    """A row without unit passes (the value matched: a unit the table does not print, 回答数 in
    人, is the keyer's reading); a row with another unit does not."""
    return not key.unit or candidate.unit is None or norm(candidate.unit) == norm(key.unit)


def period_matches(key: Key, candidate: Candidate) -> bool:
    """A key's period is checked against the row's. A period the keyer took from outside the
    table's own headings (the document's title, or any period of a ``cell`` key: a table without
    a period axis) is checked only when the row has a period."""
    if not key.period:
        return True
    if candidate.period is None and (key.period_from_title or key.kind == "cell"):
        return True
    return candidate.period == key.period


@dataclass(frozen=True)
class KeyResult:
    key: Key
    right: bool
    table: str | None  # the output table of the matching row
    why: str  # what was wrong, and the nearest row


def key_to_result(key: Key, candidates: Sequence[Candidate]) -> KeyResult:
    labelled = [c for c in candidates if labels_match(key, c)]
    for c in labelled:
        if value_matches(key, c) and unit_matches(key, c) and period_matches(key, c):
            return KeyResult(key, True, c.table, "")
    if not labelled:
        valued = [c for c in candidates if value_matches(key, c)] if key.value is not None else []
        why = "no row with these labels" + (f"; the value is in: {valued[0].describe()}" if valued else "")
        return KeyResult(key, False, None, why)
    same_value = [c for c in labelled if value_matches(key, c)]
    if same_value:
        c = same_value[0]
        why = f"period {c.period} or unit {c.unit} differ: {c.describe()}"
    else:
        same_period = [c for c in labelled if key.period and c.period == key.period] or labelled
        why = f"value differs: {same_period[0].describe()}"
    return KeyResult(key, False, None, why)


@dataclass(frozen=True)
class DocumentScore:
    slug: str
    results: tuple[KeyResult, ...]
    rows: dict[str, int]
    status: str

    @property
    def right(self) -> int:
        return sum(r.right for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)


def path_to_result(path: Path) -> Any:
    """The envelope keikaku gives for one PDF, read as ``keikaku ingest`` reads it."""
    from pipeline.envelope import InputFile
    from pipeline.executors import input_to_result
    from pipeline.stages import default_stages

    return input_to_result(InputFile(source_file=path.name, data=path.read_bytes()), default_stages())


@cache
def extract(slug: str) -> Any:
    """The envelope keikaku gives for one corpus document (cached per process)."""
    return path_to_result(REAL / f"{slug}.pdf")


def score_document(slug: str) -> DocumentScore:
    result = extract(slug)
    candidates = extraction_to_candidates(result.extraction)
    results = tuple(key_to_result(k, candidates) for k in load_keys(slug))
    rows = {name: len(getattr(result.extraction, name)) for name in result.extraction.table_names()}
    return DocumentScore(slug, results, rows, result.status)


def summarize(scores: Iterable[DocumentScore]) -> tuple[int, int]:
    scores = list(scores)
    return sum(s.right for s in scores), sum(s.total for s in scores)


FLOORS_FILE = REAL / "floors.json"  # per document, the keys (line numbers) keikaku got right when recorded


def key_line(result: KeyResult) -> int:
    return result.key.line


def record_floors() -> None:
    """Write the keys each document gets right as the floor ``tests/test_real_corpus.py`` holds
    keikaku to; name the keys that were right before and are no longer."""
    before = json.loads(FLOORS_FILE.read_text(encoding="utf-8")) if FLOORS_FILE.exists() else {}
    now = {}
    for slug in documents():
        if slug in negative_documents():
            continue
        now[slug] = sorted(key_line(r) for r in score_document(slug).results if r.right)
        lost = sorted(set(before.get(slug, ())) - set(now[slug]))
        if lost:
            print(f"{slug}: keys {lost} were right and are no longer")
    FLOORS_FILE.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {sum(len(v) for v in now.values())} right keys of {len(now)} documents to {FLOORS_FILE}")


def main(argv: Sequence[str]) -> None:
    if "--floors" in argv:
        record_floors()
        return
    slugs = [a for a in argv if not a.startswith("-")] or documents()
    verbose = "-v" in argv
    scores = []
    for slug in slugs:
        s = score_document(slug)
        scores.append(s)
        share = f"{s.right}/{s.total}" if s.total else "negative" if slug in negative_documents() else "0 keys"
        tables = ", ".join(f"{k} {v}" for k, v in s.rows.items() if v)
        print(f"{share:>8}  {slug}  [{s.status}]  {tables}", flush=True)
        if verbose:
            for r in s.results:
                if not r.right:
                    print(f"          ✗ {r.key.describe()}\n              {r.why}")
    right, total = summarize(scores)
    print(f"\nkeyed cells right: {right}/{total} = {right / max(total, 1):.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])

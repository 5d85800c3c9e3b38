"""Property tests: the readers and extractors never crash and never emit rows that break the contract.

Inputs are arbitrary (random text, random table-like text, random bytes) or damaged copies of the
samples (lines deleted, tabs inserted or deleted, characters substituted, text truncated): the
kind of damage real PDF text extraction does, and more. For every input:

- ``read_document`` returns a ``Document`` or a ``ReadFailure``;
- every extractor returns an ``Extraction`` whose rows are of the right row type;
- after the pipeline's own row renumbering, ``validate_rows`` finds no failure in any table.

Runs are derandomized (the same examples every time) so the suite is deterministic and fast.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.content.base import ExtractContext, Extraction
from extractors.model.document import Document
from extractors.readers import ReadFailure, read_document
from pipeline.stages import default_extractors, renumber_rows
from schemas.tables import ROW_TYPE_BY_TABLE
from schemas.validation import validate_rows

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SAMPLES = {p.name: p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))}
EXTRACTORS = default_extractors()


def manifest_contexts() -> dict[str, ExtractContext]:
    with open(SEEDS / "manifest.csv", encoding="utf-8", newline="") as handle:
        return {
            r["file"]: ExtractContext(
                title=r["title"] or None,
                issuer=r["issuer"] or None,
                area=r["area"] or None,
                fiscal_year=r["fiscal_year"] or None,
            )
            for r in csv.DictReader(handle)
        }


CONTEXTS = manifest_contexts()
FAST = settings(max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])


# --- the property ----------------------------------------------------------------------------


def contract_problems(extraction: Extraction) -> list[str]:
    """Rows of the wrong type or that fail validation, as readable strings (empty: all good)."""
    problems = []
    extraction = renumber_rows(extraction)
    for name in extraction.table_names():
        rows = list(getattr(extraction, name))
        row_type = ROW_TYPE_BY_TABLE[name]
        problems += [f"{name}: row of type {type(r).__name__}" for r in rows if not isinstance(r, row_type)]
        if rows and not problems:
            _, failures = validate_rows(row_type, rows)
            problems += [f"{name}: [{q.code}] {q.message} ({q.location})" for q in failures]
    return problems


def check_bytes(data: bytes, name: str = "input.txt", context: ExtractContext | None = None) -> None:
    """The whole property for one input."""
    parsed = read_document(data, name)
    assert isinstance(parsed, Document | ReadFailure), type(parsed)
    if isinstance(parsed, ReadFailure):
        return
    blocks = parsed.tables
    for extractor in EXTRACTORS:
        extraction = extractor.extract(parsed, blocks, context or ExtractContext())
        assert isinstance(extraction, Extraction), (extractor.name, type(extraction))
        assert contract_problems(extraction) == [], extractor.name


# --- inputs ----------------------------------------------------------------------------------

# Words and marks the extractors look for, so random text reaches their interesting branches.
VOCABULARY = tuple(
    "● ○ ◎ △ ▲ × ① ② ⑥ No NO. 合計 計 小計 基準値 実績 目標値 指標 基本目標1 施策 令和5年度 平成26年 R6 H30 2024年"
    " FY2024 1,718千円 7億2217万円 △680 12.5% 813件 約 延べ 人 単位：人 御意見 考え方 №40 旭川市 当麻町 蒲河町 浦河町"
    " 南空知定住自立圏 連携地域 都市圏 圏域 市町村 大分類 中分類 小分類 政策分野 連携事業名 ページ 人口動態 出生数 自然動態"
    " 社会動態 0 1 46 - / ~ ( )".split()
) + ("▲ 680", "", " ", "<table><tr><td>1</td><td>2</td></tr></table>")
cells = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=6))
table_lines = st.lists(cells, min_size=1, max_size=14).map("\t".join)
table_text = st.lists(st.one_of(table_lines, st.sampled_from(VOCABULARY)), max_size=40).map("\n".join)


@st.composite
def damaged_samples(draw) -> tuple[str, str]:
    """(sample name, sample text with a few random kinds of extraction damage)."""
    name = draw(st.sampled_from(sorted(SAMPLES)))
    lines = SAMPLES[name].split("\n")
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(("delete-line", "insert-tab", "delete-tab", "substitute", "duplicate-line")))
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        j = draw(st.integers(0, len(line)))
        if kind == "delete-line" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate-line":
            lines.insert(i, line)
        elif kind == "insert-tab":
            lines[i] = line[:j] + "\t" + line[j:]
        elif kind == "delete-tab" and "\t" in line:
            k = draw(st.sampled_from([n for n, ch in enumerate(line) if ch == "\t"]))
            lines[i] = line[:k] + line[k + 1 :]
        elif kind == "substitute" and line:
            k = min(j, len(line) - 1)
            lines[i] = line[:k] + draw(st.one_of(st.sampled_from(VOCABULARY[:12]), st.characters())) + line[k + 1 :]
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]  # truncated
    return name, text


# --- tests -----------------------------------------------------------------------------------


@FAST
@given(st.text(max_size=300))
def test_random_unicode_text(text):
    check_bytes(text.encode("utf-8", "surrogatepass"))


@FAST
@given(table_text, st.sampled_from(sorted(CONTEXTS)))
def test_random_table_like_text(text, sample):
    check_bytes(text.encode("utf-8", "surrogatepass"), context=CONTEXTS[sample])


@settings(FAST, max_examples=40)
@given(damaged_samples())
def test_damaged_samples(sample):
    name, text = sample
    check_bytes(text.encode("utf-8", "surrogatepass"), name, CONTEXTS[name])


@FAST
@given(damaged_samples())
def test_damaged_samples_in_cp932(sample):
    name, text = sample
    check_bytes(text.encode("cp932", "replace"), name, CONTEXTS[name])


@FAST
@given(st.binary(max_size=600), st.sampled_from(("input.txt", "input.pdf", "input")))
def test_random_bytes(data, name):
    check_bytes(data, name)


@FAST
@given(st.binary(max_size=200))
def test_random_bytes_after_a_pdf_header(data):
    check_bytes(b"%PDF-1.4\n" + data, "input.pdf")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_themselves(name):
    check_bytes(SAMPLES[name].encode("utf-8"), name, CONTEXTS[name])

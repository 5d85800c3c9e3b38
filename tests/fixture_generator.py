"""Render tables of known truth as office PDFs for ``tests/fixtures/``.

Every fixture is one ``TableSpec``: title lines above a table, its rows in *canonical* form (the
form text extractions give: a merged label on the first row it covers, empty cells below and to
the right of it), the merges (row, column, rows spanned, columns spanned), which columns print
their header vertically, and the truth the extractors must find (participation states, KPI
texts, comment pairs, observations).

Ruled tables go through LibreOffice Calc (flat ODS -> ``soffice --headless --convert-to pdf``):
real merged cells, stacked (ttb) or rotated header text, header rows repeated on every page,
landscape pages with a page header and footer. Borderless and fake-bold cases use reportlab.

Regenerate (needs ``libreoffice-calc`` and ``fonts-ipafont-gothic``; CI only reads the output):

    make fixtures        # or: .venv/bin/python -m tests.fixture_generator
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).resolve().parent / "fixtures"

MUNICIPALITIES = ("旭川市", "鷹栖町", "東神楽町", "当麻町", "比布町", "愛別町", "上川町", "東川町", "美瑛町")
MARK = {"existing": "●", "new": "○", "none": ""}


@dataclass(frozen=True)
class TableSpec:
    name: str  # file stem, named after the problem it reproduces
    kind: str  # participation | kpi | comments | population
    title: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # canonical rows, header rows first
    header_rows: int = 1
    merges: tuple[tuple[int, int, int, int], ...] = ()  # (row, col, row_span, col_span)
    vertical: tuple[int, ...] = ()  # header columns printed vertically
    vertical_mode: str = "ttb"  # ttb (stacked characters) | rotate (90 degrees)
    column_cm: tuple[float, ...] = ()
    landscape: bool = True
    truth: dict = field(default_factory=dict)

    def text(self) -> str:
        """The text extraction of this table: titles, then tab-separated rows."""
        return "\n".join([*self.title, "", *("\t".join(r) for r in self.rows)]) + "\n"


# --- participation -------------------------------------------------------------------------------

CATEGORIES = (
    ("圏域全体の経済成長のけん引", (("産業クラスターの形成", 4), ("戦略的な観光施策", 3), ("その他の施策", 2))),
    ("高次の都市機能の集積・強化", (("広域的公共交通網の構築", 5),)),
    ("圏域全体の生活関連機能サービスの向上", (("地域医療", 4), ("福祉", 6), ("教育・文化・スポーツ", 7), ("地域振興", 5))),
    ("圏域マネジメント能力の強化", (("人材の育成", 3), ("職員の交流", 3))),
)
PROJECT_WORDS = (
    "創業支援事業", "地域の強みを生かした産業振興", "広域観光のネットワーク化", "就業マッチング促進事業",
    "地域公共交通確保維持改善事業", "空港の利用拡大", "鉄道の利用促進", "二次救急医療の連携", "子育て支援体制の充実",
    "消費生活相談事業", "無料法律相談事業", "成年後見制度の利用支援", "手話奉仕員の養成", "図書館相互のネットワーク化",
    "科学館における科学の普及活動", "スポーツ大会等の誘致", "企業誘致推進事業", "移住・定住の促進", "合同職員研修",
    "農産物の消費促進", "ごみ処理の広域化", "消防指令業務の共同運用", "ICT人材の育成",
)


def participation_spec(name: str, *, seed: int, categories=CATEGORIES, members=MUNICIPALITIES, vertical_mode: str = "ttb") -> TableSpec:
    rng = random.Random(seed)
    header = ("大分類", "中分類", "No", "事業名", *members, "合計")
    rows: list[tuple[str, ...]] = [header]
    merges: list[tuple[int, int, int, int]] = []
    projects = []
    number = 0
    for big, mids in categories:
        big_start = len(rows)
        for mid, count in mids:
            mid_start = len(rows)
            for k in range(count):
                number += 1
                states = [rng.choices(("existing", "new", "none"), (0.72, 0.08, 0.2))[0] for _ in members]
                states[0] = "existing"  # the centre city joins everything
                label_big = big if len(rows) == big_start else ""
                label_mid = mid if k == 0 else ""
                pname = f"{PROJECT_WORDS[(number - 1) % len(PROJECT_WORDS)]}{'' if number <= len(PROJECT_WORDS) else 'Ⅱ'}"
                total = sum(s != "none" for s in states)
                rows.append((label_big, label_mid, str(number), pname, *(MARK[s] for s in states), str(total)))
                projects.append({"number": number, "name": pname, "category_1": big, "category_2": mid, "states": states})
            if count > 1:
                merges.append((mid_start, 1, count, 1))
        span = len(rows) - big_start
        if span > 1:
            merges.append((big_start, 0, span, 1))
    for label, pick in (("●の数", "existing"), ("○の数", "new"), ("合計", None)):
        counts = [sum((p["states"][i] == pick) if pick else (p["states"][i] != "none") for p in projects) for i in range(len(members))]
        merges.append((len(rows), 0, 1, 4))
        rows.append((label, "", "", "", *(str(c) for c in counts), str(sum(counts))))
    widths = (3.2, 3.2, 0.9, 6.0, *([0.9] * len(members)), 1.1)
    return TableSpec(
        name=name,
        kind="participation",
        title=("連携中枢都市圏において連携する取組一覧",),
        rows=tuple(rows),
        merges=tuple(merges),
        vertical=tuple(range(4, 4 + len(members))),
        vertical_mode=vertical_mode,
        column_cm=widths,
        truth={"members": list(members), "projects": projects},
    )


# --- KPI, comments, population -------------------------------------------------------------------

KPI_ROWS = (
    ("転出超過数を抑制", "①転出超過数", "▲389人", "▲284人", "▲275人"),
    ("人口の社会増減率の改善", "②人口の社会増減率", "▲0.50%", "▲0.38%", "▲0.40%"),
    ("定住意向の向上", "③「住み続けたい」の回答割合", "67.5%", "60.7%", "70.0%"),
    ("農業の生産性の向上", "④農業産出額", "17,673百万円", "未公表", "17,800百万円"),
    ("子育て環境の充実", "⑤子育て支援センター利用者数", "12,345人", "13,002人", "14,000人"),
    ("健康寿命の延伸", "⑥特定健診受診率", "38.2%", "40.1%", "45.0%"),
)


def kpi_spec() -> TableSpec:
    rows = (("重要業績評価指標 (KPI)", "", "基準値", "R6実績", "R9目標値"), *KPI_ROWS)
    return TableSpec(
        name="kpi-header-merged-across-two-columns",
        kind="kpi",
        title=("基本目標 2 新しいひとの流れをつくる",),
        rows=rows,
        merges=((0, 0, 1, 2),),
        column_cm=(5.5, 6.5, 3.0, 3.0, 3.0),
        truth={"indicators": [list(r[1:]) for r in KPI_ROWS]},
    )


OPINIONS = (
    ("さとらんど30周年イベントとして、連携12市町村の特産物（農水産物、加工品、お酒等）を展示販売することを是非実現してもらいたい。時期は7月の連休あたりが望ましい。",
     "さとらんど及び圏域市町村の担当者と相談し、ニーズや実施可能時期などを把握した上で、№40「圏域内農産物の消費促進」の取組として展示販売の実施に向けて検討してまいりたい。"),
    ("市町村の枠組みを越えて、人材育成のカリキュラムを行っている取り組みにフォーカスしてみてはどうか。",
     "No53の職員研修については、技術職等のカリキュラムを合同で行っており、今後も圏域市町村と連携して充実を図ってまいります。"),
    ("圏域の観光情報を一元的に発信するウェブサイトを充実させてほしい。",
     "観光情報の発信については、各市町村の情報を集約し、多言語での発信を進めてまいります。"),
    ("公共交通の利便性向上のため、バス路線の維持に向けた支援を継続してほしい。",
     "地域公共交通の確保維持については、国の補助制度も活用しながら、圏域全体で取り組んでまいります。"),
    ("子育て世代の移住を促すため、圏域の子育て支援制度を比較できる情報をまとめてほしい。",
     "移住・定住の促進の取組の中で、各市町村の子育て支援制度を分かりやすく紹介する資料の作成を検討してまいります。"),
    ("災害時の広域的な応援体制について、市町村間の協定を見直すべきではないか。",
     "災害時の相互応援については、訓練の結果を踏まえ、協定の運用方法を定期的に確認してまいります。"),
    ("図書館の相互利用をさらに広げ、返却も最寄りの図書館でできるようにしてほしい。",
     "図書館相互のネットワーク化の取組として、返却方法の拡大について関係館と協議してまいります。"),
    ("若者の地元就職を支援するため、圏域の企業説明会を合同で開催してはどうか。",
     "就業マッチング促進事業の中で、圏域企業による合同説明会の開催に取り組んでまいります。"),
)


def comments_spec() -> TableSpec:
    many = [OPINIONS[i % len(OPINIONS)] for i in range(40)]
    rows = (("No", "御意見", "御意見に対する考え方"), *((str(i + 1), o, r) for i, (o, r) in enumerate(many)))
    return TableSpec(
        name="comments-two-columns-wrapped-over-pages",
        kind="comments",
        title=("令和6年度第2回 ビジョン懇談会の御意見等について",),
        rows=rows,
        column_cm=(1.2, 11.5, 12.5),
        truth={"pairs": [[o, r] for o, r in many]},
    )


POPULATION = (
    ("自然動態", "出生数", ("509", "491", "376", "372", "329", "287", "313", "275")),
    ("", "死亡", ("1,189", "1,080", "1,169", "1,089", "1,220", "1,257", "1,324", "1,309")),
    ("", "自然増減", ("▲ 680", "▲ 589", "▲ 793", "▲ 717", "▲ 891", "▲ 970", "▲ 1,011", "▲ 1,034")),
    ("社会動態", "転入", ("2,815", "2,739", "2,542", "2,450", "2,501", "2,406", "2,469", "2,404")),
    ("", "転出", ("3,365", "3,395", "3,117", "2,791", "2,850", "2,795", "2,689", "2,688")),
    ("", "社会増減", ("▲ 550", "▲ 656", "▲ 575", "▲ 341", "▲ 349", "▲ 389", "▲ 220", "▲ 284")),
)
PERIODS = ("H26 (2014)", "H27 (2015)", "R1 (2019)", "R2 (2020)", "R3 (2021)", "R4 (2022)", "R5 (2023)", "R6 (2024)")


def population_spec() -> TableSpec:
    rows = [("区分", "", *PERIODS)]
    rows += [(a, b, *v) for a, b, v in POPULATION]
    rows.append(("年末人口", "", "86,054", "84,809", "80,410", "79,352", "78,112", "76,868", "75,522", "74,204"))
    return TableSpec(
        name="population-row-groups-merged",
        kind="population",
        title=("(1) 自然動態と社会動態の概況 (各年12月末住民基本台帳)", "(単位：人)"),
        rows=tuple(rows),
        merges=((0, 0, 1, 2), (1, 0, 3, 1), (4, 0, 3, 1), (7, 0, 1, 2)),
        column_cm=(2.4, 2.4, *([2.3] * len(PERIODS))),
    )


# --- flat ODS ------------------------------------------------------------------------------------

FODS_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:font-face-decls><style:font-face style:name="IPAGothic" svg:font-family="IPAGothic" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"/></office:font-face-decls>
<office:styles><style:default-style style:family="table-cell"><style:text-properties style:font-name="IPAGothic" style:font-name-asian="IPAGothic" fo:font-size="9pt" style:font-size-asian="9pt"/></style:default-style></office:styles>
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="{w}" fo:page-height="{h}" style:print-orientation="{orient}" fo:margin-top="1cm" fo:margin-bottom="1cm" fo:margin-left="1.2cm" fo:margin-right="1.2cm" style:print="objects charts drawings" style:print-page-order="ttb"/>
<style:header-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-bottom="0.3cm"/></style:header-style>
<style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.3cm"/></style:footer-style></style:page-layout>
<style:style style:name="ta1" style:family="table" style:master-page-name="mp1"><style:table-properties table:display="true"/></style:style>
<style:style style:name="ro1" style:family="table-row"><style:table-row-properties style:row-height="0.7cm" style:use-optimal-row-height="false"/></style:style>
<style:style style:name="roa" style:family="table-row"><style:table-row-properties style:use-optimal-row-height="true"/></style:style>
<style:style style:name="rov" style:family="table-row"><style:table-row-properties style:row-height="2.2cm" style:use-optimal-row-height="false"/></style:style>
<style:style style:name="ce0" style:family="table-cell"><style:table-cell-properties fo:border="none"/><style:text-properties fo:font-size="11pt" style:font-size-asian="11pt"/></style:style>
<style:style style:name="ce1" style:family="table-cell"><style:table-cell-properties fo:border="0.5pt solid #000000" fo:wrap-option="wrap" style:vertical-align="middle"/></style:style>
<style:style style:name="cec" style:family="table-cell"><style:table-cell-properties fo:border="0.5pt solid #000000" style:vertical-align="middle"/><style:paragraph-properties fo:text-align="center"/></style:style>
<style:style style:name="cev" style:family="table-cell"><style:table-cell-properties fo:border="0.5pt solid #000000" style:vertical-align="middle" {vertical}/><style:paragraph-properties fo:text-align="center"/></style:style>
{columns}
</office:automatic-styles>
<office:master-styles><style:master-page style:name="mp1" style:page-layout-name="pm1">
<style:header><style:region-right><text:p>{running}</text:p></style:region-right></style:header>
<style:footer><text:p>- <text:page-number>1</text:page-number> -</text:p></style:footer>
</style:master-page></office:master-styles>
<office:body><office:spreadsheet><table:table table:name="Sheet1" table:style-name="ta1">
"""


def spec_to_fods(spec: TableSpec) -> str:
    """Flat ODS for LibreOffice: title rows, then the table with its header rows repeated."""
    vertical = 'style:direction="ttb"' if spec.vertical_mode == "ttb" else 'style:rotation-angle="90"'
    w, h = ("29.7cm", "21cm") if spec.landscape else ("21cm", "29.7cm")
    columns = "\n".join(
        f'<style:style style:name="co{i}" style:family="table-column"><style:table-column-properties style:column-width="{cm}cm"/></style:style>'
        for i, cm in enumerate(spec.column_cm)
    )
    out = [FODS_HEAD.format(w=w, h=h, orient="landscape" if spec.landscape else "portrait", vertical=vertical, columns=columns, running=escape(spec.title[0]))]
    out += [f'<table:table-column table:style-name="co{i}"/>' for i in range(len(spec.column_cm))]
    for line in spec.title:
        out.append(f'<table:table-row table:style-name="ro1"><table:table-cell table:style-name="ce0" office:value-type="string"><text:p>{escape(line)}</text:p></table:table-cell></table:table-row>')
    out.append('<table:table-row table:style-name="ro1"><table:table-cell/></table:table-row>')
    spans = {(r, c): (rs, cs) for r, c, rs, cs in spec.merges}
    covered = {(r + i, c + j) for (r, c), (rs, cs) in spans.items() for i in range(rs) for j in range(cs) if (i, j) != (0, 0)}
    for r, row in enumerate(spec.rows):
        if r == 0:
            out.append("<table:table-header-rows>")
        row_style = "rov" if r == 0 and spec.vertical else ("roa" if spec.kind == "comments" else "ro1")
        out.append(f'<table:table-row table:style-name="{row_style}">')
        for c, text in enumerate(row):
            if (r, c) in covered:
                out.append("<table:covered-table-cell/>")
                continue
            style = "cev" if r < spec.header_rows and c in spec.vertical else ("cec" if len(text) <= 2 or r < spec.header_rows else "ce1")
            rs, cs = spans.get((r, c), (1, 1))
            attrs = (f' table:number-rows-spanned="{rs}"' if rs > 1 else "") + (f' table:number-columns-spanned="{cs}"' if cs > 1 else "")
            body = f'<text:p>{escape(text)}</text:p>' if text else ""
            out.append(f'<table:table-cell table:style-name="{style}" office:value-type="string"{attrs}>{body}</table:table-cell>')
        out.append("</table:table-row>")
        if r == spec.header_rows - 1:
            out.append("</table:table-header-rows>")
    out.append("</table:table></office:spreadsheet></office:body></office:document>\n")
    return "\n".join(out)


def fods_to_pdf(fods: Path, out_dir: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install libreoffice-calc fonts-ipafont-gothic")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(out_dir), str(fods)],
            check=True, capture_output=True, timeout=180,
        )
    return out_dir / (fods.stem + ".pdf")


# --- reportlab: borderless and fake bold ---------------------------------------------------------


def spec_to_borderless_pdf(spec: TableSpec, path: Path, *, fake_bold: bool = False, pages: int = 1) -> Path:
    """Words on a grid without rules, the way a word processor prints tab-aligned tables;
    ``fake_bold`` overprints every glyph 0.3 pt to the right (duplicated characters)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    from .pdf_fixtures import FONT

    width, height = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(width, height))
    xs = [40.0]
    for cm in spec.column_cm[:-1]:
        xs.append(xs[-1] + cm * 28.35)
    body = spec.rows[spec.header_rows :]
    per_page = -(-len(body) // pages)

    def draw(x: float, y: float, text: str, size: float = 8) -> None:
        c.setFont(FONT, size)
        c.drawString(x, y, text)
        if fake_bold:
            c.drawString(x + 0.3, y, text)

    for p in range(pages):
        draw(40, height - 30, spec.title[0], 7)  # running header
        draw(width / 2 - 10, 20, f"- {p + 1} -", 7)  # footer
        y = height - 60
        if p == 0:
            for line in spec.title:
                draw(40, y, line, 11)
                y -= 18
        for row in (*spec.rows[: spec.header_rows], *body[p * per_page : (p + 1) * per_page]):
            for x, text in zip(xs, row, strict=False):
                if text:
                    draw(x, y, text)
            y -= 13
        c.showPage()
    c.save()
    return path


# --- writing -------------------------------------------------------------------------------------


def ruled_specs() -> list[TableSpec]:
    return [
        participation_spec("participation-merged-categories-stacked-header-three-pages", seed=3),
        participation_spec(
            "participation-rotated-header-one-page", seed=5, categories=CATEGORIES[:2], members=MUNICIPALITIES[:6], vertical_mode="rotate"
        ),
        kpi_spec(),
        comments_spec(),
        population_spec(),
    ]


def borderless_specs() -> list[tuple[TableSpec, dict]]:
    small = CATEGORIES[:2]
    return [
        (participation_spec("participation-borderless-two-pages", seed=7, categories=small), {"pages": 2}),
        (participation_spec("participation-borderless-fake-bold", seed=11, categories=small[:1]), {"fake_bold": True}),
    ]


def write_truth(spec: TableSpec, out: Path, strategy_hint: str) -> None:
    data = asdict(spec) | {"text": spec.text(), "layout": strategy_hint}
    out.with_suffix(".json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    out.with_suffix(".txt").write_text(spec.text(), encoding="utf-8")


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    for spec in ruled_specs():
        fods = FIXTURES / f"{spec.name}.fods"
        fods.write_text(spec_to_fods(spec), encoding="utf-8")
        fods_to_pdf(fods, FIXTURES)
        write_truth(spec, FIXTURES / spec.name, "ruled")
        print("wrote", spec.name)
    for spec, options in borderless_specs():
        spec = TableSpec(**{**asdict(spec), "column_cm": (4.4, 3.8, 0.8, 5.6, *([1.25] * (len(spec.rows[0]) - 5)), 1.0)})
        spec_to_borderless_pdf(spec, FIXTURES / f"{spec.name}.pdf", **options)
        write_truth(spec, FIXTURES / spec.name, "borderless")
        print("wrote", spec.name)


if __name__ == "__main__":
    main()

"""Project lists (事業一覧, 連携事業, 主要事業, 新規事業 …) -> ``projects``; their other cells -> ``cells``.

A catalog is a table whose header names a project-name column (事業名, 取組名, 名称, 連携事業 …).
It is read on the table's structure (``extractors.tables.structure``), column by column:

``structure_to_columns``  what each column is to a catalog: the project name, its number (No,
                          番号), its page (掲載ページ), its flags (新規), an organisation
                          (担当課, 主管課: an attribute, no category), and the category columns
                          (大分類 / 中分類 / 小分類, 分野 / 施策, 款・項・目 …): the other label
                          columns left of the name
``table_to_category_paths`` the categories of every row: the structure's row paths over the
                          category columns and the name column, where a project's own name is
                          no label (it is the row's entity), so a merged or printed-once label
                          belongs to every row it covers and a group row (a label alone on its
                          row, outline markers nesting) heads the projects below it
``rows_to_projects``      one ``ProjectRow`` per row with a name (a numbered list: per number);
                          categories outermost first, a fourth level and deeper joined into
                          ``category_3``; printed 計 / 小計 / 合計 rows are no projects
``leftover_cells``        the cells no project takes (amounts, 担当課, 概要, totals, the rows
                          continuing a project) in long form with their header paths

A catalog with budget columns of two years is still a catalog: its rows are projects, and
reading them as time series would make each project's name a series and lose its categories.
The amounts keep their periods and header paths in ``cells``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.model.document import Document
from extractors.model.provenance import table_cell_provenance
from extractors.model.table import Table
from extractors.tables.grid import is_placeholder_text
from extractors.tables.long_form import table_to_long_form
from extractors.tables.outline import outline_rank
from extractors.tables.structure import (
    NUMBER_HEADER_RE,
    PATH_SEPARATOR,
    Structure,
    is_aggregate_label,
    is_data_value,
    label_text,
    numbering_columns,
    slots_to_row_paths,
    table_to_printed_rows,
    table_to_slots,
    table_to_structure,
)
from schemas.quality import Code, Issue, Severity
from schemas.tables import CellRow, ProjectRow

TABLE = "projects"
FLAG_DUPLICATE = "duplicate-number"
FLAG_MISSING_NAME = "missing-name"
FLAG_NEW = "new"

# A heading that names the project column: 事業名, 事務事業名, 主要事業, 連携事業, 取組名, 具体的な取組,
# 名称, プロジェクト名 … (not 事業費, 事業概要, 事業主体名: those are attributes of the project).
NAME_HEADER_RE = re.compile(
    r"^(?:(?:主要|主な|連携|新規|継続|重点|具体的な?|個別|実施|関連|構成|対象)?"
    r"(?:事務事業|事業|取組|取り組み|取組み|プロジェクト)(?:名|名称|の名称|等)?|事業名等)$"
)
# 名称 names anything (a facility, a vehicle): a project column only under a title that lists projects.
GENERIC_NAME_HEADER_RE = re.compile(r"^(?:名称|名前)$")
PROJECT_TITLE_RE = re.compile(r"事業|取組|取り組み|施策|プロジェクト")
TITLE_LINES = 3
PAGE_HEADER_RE = re.compile(r"^(?:掲載|参照|関連)?(?:ページ|頁|page|p\.?)(?:番号)?$", re.IGNORECASE)
FLAG_HEADER_RE = re.compile(r"^(?:新規|新|新規事業|新規・?継続|新規/継続|新・継|区分|事業区分|新規拡充)$")
FLAG_WORDS = {"新": FLAG_NEW, "新規": FLAG_NEW, "○": FLAG_NEW, "〇": FLAG_NEW, "◯": FLAG_NEW, "●": FLAG_NEW,
              "拡充": "expanded", "拡": "expanded", "継続": "continuing", "継": "continuing"}
# An organisation column (who runs the project): an attribute, not a category.
ORGANISATION_HEADER_RE = re.compile(r"(?:担当|主管|所管|実施|事業)(?:課|部|部署|部局|部課|課等|機関|主体)|^担当$|^所管$|^課名$|^部署名?$")
BRACKET_NOTE_RE = re.compile(r"[(（][^()（）]*[)）]$")
NUMBER_RE = re.compile(r"^(?:no\.?|№|#)?\s*(\d{1,5})$", re.IGNORECASE)
MARKS_RE = re.compile(r"[●○◎◯〇△▲▽×✓✔■□◆◇☆★]+")
MAX_CATEGORY_LEVELS = 3


@dataclass(frozen=True)
class CatalogColumns:
    """What the columns of a catalog hold (grid column indexes)."""

    name: int
    number: int | None = None
    page: int | None = None
    flags: tuple[int, ...] = ()
    categories: tuple[int, ...] = ()  # label columns left of the name, outermost first
    attributes: tuple[int, ...] = ()  # organisation columns left of the name (担当課 …)

    @property
    def taken(self) -> frozenset[int]:
        """Columns whose cells become fields of the projects rows."""
        return frozenset((self.name, *self.flags, *self.categories, *(c for c in (self.number, self.page) if c is not None)))


# --- columns --------------------------------------------------------------------------------------------


def heading_of(path: Sequence[str]) -> str:
    """A column's innermost heading without spaces or a bracketed note (``事業費（千円）`` -> ``事業費``)."""
    if not path:
        return ""
    compact = path[-1].replace(" ", "")
    return BRACKET_NOTE_RE.sub("", compact) or compact


def is_name_heading(path: Sequence[str], projects_titled: bool = False) -> bool:
    """Any heading of the path names the project column (the innermost is tried first by the
    caller); 名称 only when the table's title says it lists projects (``projects_titled``)."""
    return any(NAME_HEADER_RE.match(h) or (projects_titled and GENERIC_NAME_HEADER_RE.match(h)) for h in (heading_of((part,)) for part in path))


def table_is_titled_as_projects(table: Table, structure: Structure) -> bool:
    """The title or the lines just above the table name projects (事業一覧, 連携事業, 取組)."""
    return any(PROJECT_TITLE_RE.search(line) for line in (structure.title or "", *table.context[-TITLE_LINES:]))


def column_flag_words(cells: Sequence[str]) -> bool:
    """A column whose filled cells are all status words (新規, 継続, 拡充, ○), or none filled."""
    return all(c.replace(" ", "") in FLAG_WORDS for c in cells if c)


def structure_to_columns(
    structure: Structure, slots: Sequence[Sequence[str]], printed: Sequence[Sequence[str]], projects_titled: bool = False
) -> CatalogColumns | None:
    """The catalog's columns, or None when no heading names a project column (no catalog).

    The name column is the rightmost one headed like 事業名 whose body holds names (政策 / 施策 /
    事業: 事業 is the project); columns left of it are its categories unless they number the
    rows, give a page, flag the project or name an organisation. ``slots``: merged cells in
    every slot they cover; ``printed``: on their first slot only (a total's label merged over
    several columns is no cell of the flag column it covers)."""
    body_rows = [r for r in range(structure.header_rows, len(slots)) if r not in structure.aggregate_rows]
    if not structure.header_rows or not body_rows:
        return None
    width = len(structure.column_paths)
    headings = [heading_of(path) for path in structure.column_paths]
    holding = [c for c in range(width) if column_holds_names([slots[r][c] for r in body_rows])]
    names = [c for c in holding if is_name_heading(structure.column_paths[c][-1:], projects_titled)] or [
        c for c in holding if is_name_heading(structure.column_paths[c], projects_titled)
    ]
    if not names:
        return None
    name = names[-1]
    numbering = numbering_columns(slots, structure.header_rows, structure.stub_columns)
    number = next((c for c in range(width) if c != name and (c in numbering or NUMBER_HEADER_RE.match(headings[c]))), None)
    page = next((c for c in range(width) if c not in (name, number) and PAGE_HEADER_RE.match(headings[c])), None)
    flags = tuple(
        c for c in range(width)
        if c not in (name, number, page) and FLAG_HEADER_RE.match(headings[c]) and column_flag_words([printed[r][c] for r in body_rows])
    )
    left = [c for c in range(min(name, structure.stub_columns)) if c not in (number, page, *flags)]
    attributes = tuple(c for c in left if ORGANISATION_HEADER_RE.search(headings[c]))
    categories = tuple(c for c in left if c not in attributes)
    return CatalogColumns(name=name, number=number, page=page, flags=flags, categories=categories, attributes=attributes)


def is_name_text(text: str) -> bool:
    """A name: text that is no amount, no mark (●, ○: a matrix's cells) and no placeholder."""
    return not is_data_value(text) and not is_placeholder_text(text) and not MARKS_RE.fullmatch(text.replace(" ", ""))


def column_holds_names(cells: Sequence[str]) -> bool:
    """Most filled cells are names."""
    filled = [c for c in cells if c]
    return bool(filled) and sum(1 for c in filled if is_name_text(c)) * 2 > len(filled)


# --- rows -----------------------------------------------------------------------------------------------


def cell_number(text: str) -> int | None:
    match = NUMBER_RE.match(text.replace(" ", ""))
    return int(match[1]) if match else None


def row_has_values(slots: Sequence[Sequence[str]], row: int, columns: CatalogColumns) -> bool:
    """Any filled cell besides the name, number, categories and attributes (an amount, a 担当課
    right of the name, a description)."""
    used = columns.taken | frozenset(columns.attributes)
    return any(text for c, text in enumerate(slots[row]) if c not in used)


def is_project_row(table: Table, slots: Sequence[Sequence[str]], structure: Structure, columns: CatalogColumns, row: int, numbered: bool, valued: bool) -> bool:
    """A row that is a project: no printed total, and in a numbered list, a row that prints its
    number (a group row, a label alone on its row, has none; a number without a name is a
    project whose name is missing, unless a name merged from above covers the row). In a list
    without numbers, a row whose own name cell starts on it; where the projects print values
    (``valued``), a row without any whose label is an outline heading (``(1) 農林業の振興``)
    or is printed across the row is a group row; in a bare list of names every name is a
    project."""
    name = name_cell_text(table, row, columns.name)
    if row in structure.aggregate_rows or is_aggregate_label(name):
        return False
    if numbered:
        covering = table.cell_at(row, columns.name)
        return printed_number(table, row, columns) is not None and (bool(name) or covering is None or covering.row == row)
    if not name:
        return False
    if row_has_values(slots, row, columns):
        return True
    return not is_group_label(slots, row) and not (valued and outline_rank(slots[row][columns.name]) is not None)


def printed_number(table: Table, row: int, columns: CatalogColumns) -> int | None:
    """The project number printed on this row (a number merged over several rows: its first)."""
    if columns.number is None:
        return None
    cell = table.cell_at(row, columns.number)
    return cell_number(label_text(cell.text)) if cell is not None and cell.row == row else None


def is_group_label(slots: Sequence[Sequence[str]], row: int) -> bool:
    """A label printed across the row (a merged group row: the same text in every filled slot)."""
    filled = [text for text in slots[row] if text]
    return len(set(filled)) == 1 and len(filled) > 1


def name_cell_text(table: Table, row: int, column: int) -> str:
    """The name printed in this row's slot: a name merged over several rows belongs to the row
    it starts on (the rows below continue that project)."""
    cell = table.cell_at(row, column)
    if cell is None or cell.row != row:
        return ""
    return label_text(cell.text)


def table_to_category_paths(slots: Sequence[Sequence[str]], structure: Structure, columns: CatalogColumns, projects: frozenset[int]) -> list[tuple[str, ...]]:
    """Every row's categories: the structure's row paths over the category columns and the name
    column, with the projects' names and every other column no label. A blank category cell
    carries the label above it (merged, or printed once for its group); a group row's label in
    the name column heads the projects below it until a label of an outer column changes."""
    stub = [*columns.categories, columns.name]
    order = {c: i for i, c in enumerate(stub)}
    narrowed = [[row[c] for c in stub] for row in slots]
    skip = frozenset((r, order[columns.name]) for r in projects)
    return slots_to_row_paths(narrowed, structure.header_rows, len(stub), frozenset(), skip)


def path_to_categories(path: Sequence[str]) -> tuple[str | None, str | None, str | None]:
    """Outermost first; a fourth level and deeper joined into the third."""
    parts = list(path)
    if len(parts) > MAX_CATEGORY_LEVELS:
        parts = [*parts[: MAX_CATEGORY_LEVELS - 1], PATH_SEPARATOR.join(parts[MAX_CATEGORY_LEVELS - 1 :])]
    parts += [None] * (MAX_CATEGORY_LEVELS - len(parts))
    return parts[0], parts[1], parts[2]


def row_flags(slots: Sequence[Sequence[str]], row: int, columns: CatalogColumns) -> list[str]:
    """Status flags this row prints in its own flag cells (a blank flag cell is no flag)."""
    return list(dict.fromkeys(FLAG_WORDS[text] for c in columns.flags if (text := slots[row][c].replace(" ", "")) in FLAG_WORDS))


@dataclass(frozen=True)
class CatalogReading:
    projects: list[ProjectRow]
    taken: frozenset[tuple[int, int]]  # (row, column) slots the projects rows hold
    issues: list[Issue]


def table_to_reading(doc_id: str, table: Table, structure: Structure, slots: Sequence[Sequence[str]], columns: CatalogColumns) -> CatalogReading:
    body = range(structure.header_rows, len(slots))
    named = [r for r in body if name_cell_text(table, r, columns.name)]
    numbers = [r for r in named if columns.number is not None and cell_number(slots[r][columns.number]) is not None]
    numbered = bool(named) and len(numbers) * 2 >= len(named)
    valued = any(row_has_values(slots, r, columns) for r in named)
    projects = [r for r in body if is_project_row(table, slots, structure, columns, r, numbered, valued)]
    paths = table_to_category_paths(slots, structure, columns, frozenset(projects))
    rows: list[ProjectRow] = []
    issues: list[Issue] = []
    seen: dict[int, int] = {}
    taken: set[tuple[int, int]] = set()
    for r in projects:
        number = cell_number(slots[r][columns.number]) if columns.number is not None else None
        name = name_cell_text(table, r, columns.name)
        flags = row_flags(slots, r, columns)
        mine: list[Issue] = []
        if not name:
            flags.append(FLAG_MISSING_NAME)
            mine.append(Issue(Code.MISSING_NAME, Severity.WARNING, f"project number {number} is printed without a name", TABLE, table.row_location(r)))
        if number is not None and number in seen:
            flags.append(FLAG_DUPLICATE)
            mine.append(Issue(Code.DUPLICATE_NUMBER, Severity.WARNING, f"project number {number} printed twice (rows {seen[number] + 1} and {r + 1})", TABLE, table.row_location(r)))
        if number is not None:
            seen.setdefault(number, r)
        page = cell_number(slots[r][columns.page]) if columns.page is not None else None
        c1, c2, c3 = path_to_categories(paths[r])
        source = table_cell_provenance(table, r, columns.name)  # its name cell, not the whole row
        project = ProjectRow(doc_id=doc_id, project_number=number, project_name=name or None, category_1=c1, category_2=c2, category_3=c3, page_ref=page, flags=";".join(flags) or None, **source.columns())
        rows.append(project)
        issues += [i.about(project) for i in mine]
        taken |= {(r, c) for c in columns.taken}
    return CatalogReading(rows, frozenset(taken), issues)


def leftover_cells(doc_id: str, table: Table, structure: Structure, columns: CatalogColumns, taken: frozenset[tuple[int, int]]) -> list[CellRow]:
    """The cells no project holds, in long form: every data cell outside the projects' fields
    (amounts with their periods and header paths, totals, rows continuing a project), and the
    label cells of columns that are no field of a project (担当課, 概要)."""
    fields = columns.taken
    rows = table_to_long_form(doc_id, table, structure, lambda d: (d.row, d.column) not in taken)
    return [r for r in rows if r.role == "data" or (r.role == "stub" and r.column not in fields)]


class CatalogExtractor(Extractor):
    """Project lists -> ``projects`` (categories from the table's structure); the cells the
    projects do not hold -> ``cells``."""

    name = "catalog"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        projects: list[ProjectRow] = []
        cells: list[CellRow] = []
        issues: list[Issue] = []
        claimed: list[int] = []
        for table in tables:
            structure = table_to_structure(table)
            slots = table_to_slots(table)
            columns = structure_to_columns(structure, slots, table_to_printed_rows(table), table_is_titled_as_projects(table, structure))
            if columns is None:
                continue
            reading = table_to_reading(document.doc_id, table, structure, slots, columns)
            if not reading.projects:
                continue
            projects += reading.projects
            cells += leftover_cells(document.doc_id, table, structure, columns, reading.taken)
            issues += reading.issues
            claimed.append(table.index)
        return Extraction(projects=tuple(projects), cells=tuple(cells), issues=tuple(issues), claimed=tuple(claimed))

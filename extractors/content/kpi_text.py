"""KPI values and headings as printed in text: a value with its unit and period (``Reading``),
the 基本目標 heading a table or line sits under (``items_to_goals``), and targets stated in a
line of running text rather than a table (``items_to_stated_targets``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from extractors.model.document import Line, TextBlock
from extractors.model.provenance import Provenance, lines_to_provenance, row_provenance
from extractors.model.table import Table
from extractors.normalize.amounts import parse_amount, split_value_note
from extractors.normalize.periods import parse_period
from extractors.normalize.textnorm import circled_to_int, rejoin_broken_lines, strip_spacing
from extractors.tables.grid import (
    cell_to_text,
    is_placeholder_text,
)
from schemas.tables import IndicatorRow

# --- values ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One value cell read: exact value, unit, period and the cell as printed."""

    value: Decimal | None = None
    unit: str | None = None
    period: str | None = None
    text: str | None = None


def cell_to_reading(printed: str, column_period: str | None, unit: str | None = None) -> tuple[Reading, str | None]:
    """(reading, problem). A note's period (``1件 (R4実績)``) beats the header's (``基準値``);
    a placeholder (``調査なし``) keeps its text and the column period but has no value; a unit
    column's unit is applied to bare numbers (so 千円 scales them)."""
    if not printed:
        return Reading(), None
    main, note = split_value_note(printed)
    amount = parse_amount(main)
    if amount is not None and amount.unit is None and unit:
        amount = parse_amount(main + unit) or amount
    if amount is None:
        problem = None if is_placeholder_text(printed) else f"'{printed}' is not a value keikaku can read"
        return Reading(period=column_period, text=printed), problem
    note_period = parse_period(note) if note else None
    return Reading(amount.value, amount.unit, note_period or column_period, printed), None


# --- goals: the 基本目標 heading a table sits under ------------------------------------------------------

GOAL_HEADING_RE = re.compile(
    r"^[\s\-・■□●◆◇▶▷]*【?\s*(?P<label>基本目標|政策目標|施策目標)\s*[:：]?\s*"
    r"(?P<number>\d{1,2}|[IVX]{1,4}|[一二三四五六七八九十]{1,3}|[\u2460-\u2473])\s*】?\s*[:：.．]?\s*(?P<title>.*)$"
)


def goal_number(text: str) -> str:
    number = circled_to_int(text)
    return str(number) if number is not None else text


def heading_continuations(lines: Sequence[str], most: int = 3) -> list[str]:
    """Lines that may continue a heading: up to the first note (単位, ※, a bracketed line)."""
    out = []
    for line in lines[:most]:
        if "単位" in line or line.startswith(("(", "（", "※", "[")):
            break
        out.append(line)
    return out


def lines_to_goal(lines: Sequence[str]) -> str | None:
    """The last goal heading among ``lines`` as ``基本目標1 安定した雇用を…``; a heading broken
    over several lines is joined (``…とともに、`` + ``経済を…``), and ``【基本目標1】…`` reads the
    same as ``基本目標 1 …``."""
    texts = [cell_to_text(t) for t in lines]
    goal = None
    for i, text in enumerate(texts):
        match = GOAL_HEADING_RE.match(text)
        if match is None or match["title"].startswith("【"):
            continue
        title = rejoin_broken_lines("\n".join([match["title"], *heading_continuations(texts[i + 1 :])])).split("\n")[0]
        if not title and i + 1 < len(texts):
            title = texts[i + 1]
        if title:
            goal = f"{match['label']}{goal_number(match['number'])} {title}"
    return goal


def items_to_goals(items: Sequence[TextBlock | Table]) -> dict[int, str | None]:
    """Goal in force at every table (by its index): the last heading of the text before it (or,
    when the text blocks are not at hand, of the table's own context)."""
    current: str | None = None
    goals: dict[int, str | None] = {}
    for item in items:
        if isinstance(item, TextBlock):
            current = lines_to_goal([line.text for line in item.lines]) or current
        else:
            goals[item.index] = current or lines_to_goal(item.context)
    return goals


# --- targets stated in a line: ``高校の入学者数40人（2014年度）→年40人（2019年度）`` ------------------------

_STATED_VALUE = r"(?:[年月週日]|約|毎年|\d{1,2}\s*(?:年間|か年|ヶ年)\s*(?:で|の合計|計)?)?[▲△\-]?\s*\d[\d,.]*[^\s()→⇒]{0,6}"
STATED_TARGET_RE = re.compile(
    rf"^[\s◇◆■□●○・◎]*(?P<name>[^\d０-９\s→⇒（(]{{2,40}}?)\s*(?P<base>{_STATED_VALUE})\s*[（(](?P<base_period>[^（()）]{{2,20}})[)）]"
    rf"\s*(?:→|⇒|➡)\s*(?P<target>{_STATED_VALUE})\s*[（(](?P<target_period>[^（()）]{{2,20}})[)）]\s*(?:[※*].*)?$"
)


def line_to_stated_target(line: str) -> tuple[str, Reading, Reading] | None:
    """(indicator, baseline, target) of a line stating a target as ``name value (period) → value
    (period)`` (the 数値目標 of a 総合戦略 under each goal); None for any other line."""
    text = cell_to_text(line)
    match = STATED_TARGET_RE.match(text)
    if match is None:
        return None
    readings = match_to_readings(match)
    if readings is None or readings[0].value is None:
        return None
    return strip_spacing(match["name"].strip()), *readings


def match_to_readings(match: re.Match[str]) -> tuple[Reading, Reading] | None:
    """The baseline and target a stated-target match names, each with its printed period; a
    target must be a value (a baseline may be printed as －)."""
    readings = []
    for value, period_text in ((match["base"], match["base_period"]), (match["target"], match["target_period"])):
        period = parse_period(period_text)
        reading, problem = cell_to_reading(value.strip(), period)
        if problem or period is None:
            return None
        readings.append(reading)
    return (readings[0], readings[1]) if readings[1].value is not None else None


# The same as a block of lines (a 広報 or report): the indicator named on its own line, then its
# values, then the value reached:
#   ◆数値指標：「高校入学者数」
#   …現状値（2014）40人／目標値（2019）40人
#   →【最終値40人】
NAMED_INDICATOR_RE = re.compile(r"(?:数値指標|数値目標|重要業績評価指標|KPI|指標)\s*[：:]?\s*[「『](?P<name>[^」』]{2,40})[」』]")
STATED_PAIR_RE = re.compile(
    rf"(?:現状値|基準値|策定時)\s*[（(](?P<base_period>[^（()）]{{2,20}})[)）]\s*[：:]?\s*(?P<base>{_STATED_VALUE}?|[－―ー\-]|なし)\s*[／/、,・]?\s*"
    rf"(?:目標値|目標)\s*[（(](?P<target_period>[^（()）]{{2,20}})[)）]\s*[：:]?\s*(?P<target>{_STATED_VALUE})"
)
FINAL_VALUE_RE = re.compile(rf"【\s*(?:最終値|実績値?)\s*[：:]?\s*(?P<actual>{_STATED_VALUE}?)\s*】")


def line_to_stated_pair(line: str) -> tuple[Reading, Reading] | None:
    """(baseline, target) of a line ``現状値（2014）40人／目標値（2019）40人``."""
    match = STATED_PAIR_RE.search(cell_to_text(line))
    if match is None:
        return None
    return match_to_readings(match)


def line_to_final_value(line: str) -> Reading | None:
    """The value reached, ``【最終値40人】`` (no period printed)."""
    match = FINAL_VALUE_RE.search(cell_to_text(line))
    if match is None:
        return None
    reading, problem = cell_to_reading(match["actual"].strip(), None)
    return replace(reading, text=match[0]) if problem is None and reading.value is not None else None


def items_to_stated_targets(doc_id: str, items: Sequence[TextBlock | Table], first_row: int) -> list[IndicatorRow]:
    """Targets stated in the text (not in a table), with the goal heading in force above them:
    one line each, or a block whose values follow the line naming the indicator."""
    rows: list[IndicatorRow] = []
    goal: str | None = None
    named: str | None = None  # the indicator named last, until its values are read
    reaching: int | None = None  # the row a 最終値 below still belongs to (until another indicator is named)
    named_on: Line | None = None  # the line that named it
    for line in (line for item in items if isinstance(item, TextBlock) for line in item.lines):
        goal = lines_to_goal([line.text]) or goal
        found = line_to_stated_target(line.text)
        if found is not None:
            name, base, target = found
            rows.append(stated_row(doc_id, first_row + len(rows), goal, name, base, target, lines_to_provenance([line])))
            reaching = None
            continue
        naming = NAMED_INDICATOR_RE.search(cell_to_text(line.text))
        if naming:
            named, reaching, named_on = strip_spacing(naming["name"]), None, line
        pair = line_to_stated_pair(line.text)
        if pair is not None and named:
            source = lines_to_provenance([named_on, line] if named_on is not None else [line])
            rows.append(stated_row(doc_id, first_row + len(rows), goal, named, *pair, source))
            named, reaching = None, len(rows) - 1
        final = line_to_final_value(line.text)
        if final is not None and reaching is not None:
            row = rows[reaching]
            source = row_provenance(row).union(lines_to_provenance([line]))
            rows[reaching] = replace(row, actual_value=final.value, actual_unit=final.unit, actual_text=final.text, **source.columns())
            reaching = None
    return rows


def stated_row(doc_id: str, row: int, goal: str | None, name: str, base: Reading, target: Reading, source: Provenance) -> IndicatorRow:
    return IndicatorRow(
        doc_id=doc_id, row=row, goal=goal, indicator=name,
        baseline_value=base.value, baseline_unit=base.unit, baseline_period=base.period, baseline_text=base.text,
        target_value=target.value, target_unit=target.unit, target_period=target.period, target_text=target.text,
        **source.columns(),
    )  # fmt: skip

"""Figure sections: periods and values, and paragraphs stating figures in municipal report
vocabulary, among distractors that hold digits but no figure.
"""

from __future__ import annotations

import random
from decimal import Decimal

from tests.text_corpus.words import (
    AMOUNT_METRICS,
    COUNT_METRICS,
    DESCRIPTIONS,
    DISTRACTORS,
    EVENTS,
    HANDLED_NOUNS,
    PARTICIPATION_VERBS,
    RATE_METRICS,
    RATIOS,
    SUBGROUPS,
    TrueFigure,
)

# --- periods and values -------------------------------------------------------------------------


def fiscal_text(rng: random.Random, year: int) -> str:
    """A fiscal year as printed: 令和4年度, R4, 平成30年度, H30, 2022年度 (all FY)."""
    forms = [f"{year}年度"]
    if year >= 2019:
        r = year - 2018
        forms += [f"令和{'元' if r == 1 else r}年度", f"R{r}", f"R{r}年度"]
    else:
        h = year - 1988
        forms += [f"平成{h}年度", f"H{h}", f"H{h}年度"]
    return rng.choice(forms)


def era_letter(year: int) -> str:
    return f"R{year - 2018}" if year >= 2019 else f"H{year - 1988}"


def range_text(rng: random.Random) -> tuple[str, str]:
    """A dotted date range (``R3.4.1～R5.3.31``) and its period."""
    start = rng.randint(2016, 2021)
    end = start + rng.randint(1, 2)
    return f"{era_letter(start)}.4.1～{era_letter(end + 1)}.3.31", f"{start}-04-01/{end + 1}-03-31"


def number_text(value: int) -> str:
    return f"{value:,}"


def count_value(rng: random.Random, unit: str) -> int:
    if unit in ("人", "名", "冊"):
        return rng.choice((rng.randint(5, 99), rng.randint(100, 999), rng.randint(1000, 25000)))
    return rng.choice((rng.randint(2, 99), rng.randint(100, 1500)))


def amount_text(rng: random.Random) -> tuple[str, Decimal]:
    """Printed amount with a scale word and its value in yen."""
    style = rng.randrange(4)
    if style == 0:
        n = rng.randint(1000, 99999)
        return f"{n:,}千円", Decimal(n * 1000)
    if style == 1:
        n = rng.randint(10, 9999)
        return f"{n:,}万円", Decimal(n * 10000)
    if style == 2:
        oku, man = rng.randint(1, 9), rng.randint(1000, 9999)
        return f"{oku}億{man}万円", Decimal(oku * 10**8 + man * 10**4)
    n = rng.randint(10000, 999999)
    return f"{n:,}円", Decimal(n)


# --- figure paragraphs --------------------------------------------------------------------------

Truths = list[tuple[str, Decimal, str | None, str | None, str | None]]  # metric, value, unit, period, qualifier


def para_predicate(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    value = count_value(rng, unit)
    qual = rng.choice(("", "", "約"))
    text = f"{fiscal_text(rng, year)}の{metric}は{qual}{number_text(value)}{unit}となった。"
    return [text], [(metric, Decimal(value), unit, f"FY{year}", qual or None)]


def para_paren_period(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    value = count_value(rng, unit)
    text = f"{metric}は{number_text(value)}{unit}（{fiscal_text(rng, year)}実績）で、前年度を上回った。"
    return [text], [(metric, Decimal(value), unit, f"FY{year}", None)]


def para_caption_list(rng: random.Random) -> tuple[list[str], Truths]:
    year = rng.randint(2016, 2024)
    caption = rng.choice(
        (f"【{fiscal_text(rng, year)}実績】", f"<{fiscal_text(rng, year)}実績>", f"【{fiscal_text(rng, year)} 取組状況】")
    )
    lines, truths = [caption, ""], []
    bullet = rng.choice(("- ", "・", "- ・"))
    colon = rng.choice((" ", "：", " : "))
    for metric, unit in rng.sample(COUNT_METRICS + RATE_METRICS, rng.randint(2, 3)):
        value = count_value(rng, unit) if unit != "%" else rng.randint(20, 99)
        lines.append(f"{bullet}{metric}{colon}{number_text(value)}{unit}")
        truths.append((metric, Decimal(value), unit, f"FY{year}", None))
    return lines, truths


def para_caption_line(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    value = count_value(rng, unit)
    spaced = value < 1000 and rng.random() < 0.4
    printed = " ".join(str(value)) if spaced else number_text(value)
    return [f"{fiscal_text(rng, year)}実績", f"{metric} {printed}{unit}"], [(metric, Decimal(value), unit, f"FY{year}", None)]


def para_event(rng: random.Random) -> tuple[list[str], Truths]:
    (event, verb), pverb = rng.choice(EVENTS), rng.choice(PARTICIPATION_VERBS)
    year = rng.randint(2016, 2024)
    times, people = rng.randint(2, 40), rng.randint(30, 3000)
    text = f"{fiscal_text(rng, year)}は{event}を{times}回{verb}し、延べ{number_text(people)}人が{pverb}した。"
    return [text], [(event + verb, Decimal(times), "回", f"FY{year}", None), (pverb, Decimal(people), "人", f"FY{year}", "延べ")]


def para_handled(rng: random.Random) -> tuple[list[str], Truths]:
    noun, verb = rng.choice(HANDLED_NOUNS)
    year = rng.randint(2016, 2024)
    value = rng.randint(10, 2000)
    text = (
        f"{fiscal_text(rng, year)}には{number_text(value)}件の{noun}に{verb}した。"
        if verb == "対応"
        else (f"{fiscal_text(rng, year)}には{number_text(value)}件の{noun}を{verb}した。")
    )
    return [text], [(noun, Decimal(value), "件", f"FY{year}", None)]


def para_colon_period(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    value = count_value(rng, unit)
    if rng.random() < 0.5:
        year = rng.randint(2016, 2024)
        period_text, period = fiscal_text(rng, year), f"FY{year}"
    else:
        period_text, period = range_text(rng)
    return [f"{metric}（{period_text}）：{number_text(value)}{unit}"], [(metric, Decimal(value), unit, period, None)]


def para_two_labels(rng: random.Random) -> tuple[list[str], Truths]:
    (m1, u1), (m2, u2) = rng.sample(COUNT_METRICS, 2)
    year = rng.randint(2016, 2024)
    v1, v2 = count_value(rng, u1), count_value(rng, u2)
    text = f"{fiscal_text(rng, year)}：{m1} {number_text(v1)}{u1}、{m2} {number_text(v2)}{u2}"
    return [text], [(m1, Decimal(v1), u1, f"FY{year}", None), (m2, Decimal(v2), u2, f"FY{year}", None)]


def para_reached(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    value = count_value(rng, unit)
    text = f"{metric}が{fiscal_text(rng, year)}末時点で{number_text(value)}{unit}に達した。"
    return [text], [(metric, Decimal(value), unit, f"FY{year}", None)]


def para_amount(rng: random.Random) -> tuple[list[str], Truths]:
    metric = rng.choice(AMOUNT_METRICS)
    year = rng.randint(2016, 2024)
    printed, value = amount_text(rng)
    text = rng.choice(
        (
            f"{fiscal_text(rng, year)}の{metric}は{printed}で、前年度から増加した。",
            f"{metric}として{fiscal_text(rng, year)}に{printed}を計上した。",
        )
    )
    return [text], [(metric, value, "円", f"FY{year}", None)]


def para_minimum(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(RATE_METRICS)
    year = rng.randint(2016, 2024)
    value = rng.randint(50, 95)
    suffix = rng.choice(("以上", "超"))
    text = f"{fiscal_text(rng, year)}も{metric}は{value}{unit}{suffix}を維持している。"
    return [text], [(metric, Decimal(value), unit, f"FY{year}", suffix)]


def para_target(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    actual = count_value(rng, unit)
    target = max(1, actual - rng.randint(1, max(1, actual // 5)))
    text = f"{fiscal_text(rng, year)}の{metric}は{number_text(actual)}{unit}で、目標の{number_text(target)}{unit}を上回った。"
    return [text], [(metric, Decimal(actual), unit, f"FY{year}", None), ("目標", Decimal(target), unit, f"FY{year}", None)]


def para_of_which(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice([(m, u) for m, u in COUNT_METRICS if u in ("人", "名")])
    year = rng.randint(2016, 2024)
    total = rng.randint(100, 5000)
    part = rng.randint(5, total // 2)
    sub = rng.choice(SUBGROUPS)
    text = f"{fiscal_text(rng, year)}の{metric} {number_text(total)}{unit}（うち{sub} {number_text(part)}{unit}）"
    return [text], [(metric, Decimal(total), unit, f"FY{year}", None), (sub, Decimal(part), unit, f"FY{year}", "うち")]


def para_ratio(rng: random.Random) -> tuple[list[str], Truths]:
    metric = rng.choice(RATIOS)
    year = rng.randint(2016, 2024)
    value = Decimal(rng.randint(30, 180)) / 100
    return [f"【{fiscal_text(rng, year)}】", f"{metric}：{value}"], [(metric, value, None, f"FY{year}", None)]


def para_about(rng: random.Random) -> tuple[list[str], Truths]:
    pverb = rng.choice(PARTICIPATION_VERBS)
    year = rng.randint(2016, 2024)
    value = rng.randint(1, 90) * 100
    text = f"{fiscal_text(rng, year)}は約{number_text(value)}人が{pverb}した。"
    return [text], [(pverb, Decimal(value), "人", f"FY{year}", "約")]


def para_two_subjects(rng: random.Random) -> tuple[list[str], Truths]:
    (m1, u1), (m2, u2) = rng.sample(COUNT_METRICS, 2)
    year = rng.randint(2016, 2024)
    v1, v2 = count_value(rng, u1), count_value(rng, u2)
    text = f"{fiscal_text(rng, year)}の実績は、{m1}が{number_text(v1)}{u1}、{m2}が{number_text(v2)}{u2}であった。"
    return [text], [(m1, Decimal(v1), u1, f"FY{year}", None), (m2, Decimal(v2), u2, f"FY{year}", None)]


def para_regarding(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2016, 2024)
    value = count_value(rng, unit)
    text = f"{metric}については、{fiscal_text(rng, year)}に{number_text(value)}{unit}を記録した。"
    return [text], [(metric, Decimal(value), unit, f"FY{year}", None)]


def para_trailing_period(rng: random.Random) -> tuple[list[str], Truths]:
    noun, verb = rng.choice(HANDLED_NOUNS)
    year = rng.randint(2016, 2024)
    value = rng.randint(10, 900)
    text = f"窓口では{number_text(value)}件の{noun}を受け付けた（{fiscal_text(rng, year)}）。"
    return [text], [(noun, Decimal(value), "件", f"FY{year}", None)]


def para_granted(rng: random.Random) -> tuple[list[str], Truths]:
    metric = rng.choice(("補助金", "奨励金", "助成金", "交付金"))
    year = rng.randint(2016, 2024)
    printed, value = amount_text(rng)
    text = f"{fiscal_text(rng, year)}は{metric}として{printed}を交付した。"
    return [text], [(metric, value, "円", f"FY{year}", None)]


def para_paren_count(rng: random.Random) -> tuple[list[str], Truths]:
    (event, verb) = rng.choice(EVENTS)
    year = rng.randint(2016, 2024)
    times = rng.randint(2, 30)
    text = f"{fiscal_text(rng, year)}は地域住民を対象とした{event}（{times}回）を{verb}した。"
    return [text], [(event, Decimal(times), "回", f"FY{year}", None)]


def para_named_count(rng: random.Random) -> tuple[list[str], Truths]:
    (event, verb) = rng.choice(EVENTS)
    year = rng.randint(2016, 2024)
    times = rng.randint(2, 30)
    text = f"{fiscal_text(rng, year)}の{event}の{verb}回数は{times}回であった。"
    return [text], [(f"{event}の{verb}回数", Decimal(times), "回", f"FY{year}", None)]


def para_range_values(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice([(m, u) for m, u in COUNT_METRICS if u in ("人", "件")])
    year = rng.randint(2016, 2024)
    low = rng.randint(10, 400)
    high = low + rng.randint(5, 200)
    text = f"{fiscal_text(rng, year)}の月ごとの{metric}は{low}～{high}{unit}で推移した。"
    return [text], [
        (f"月ごとの{metric}", Decimal(low), unit, f"FY{year}", None),
        (f"月ごとの{metric}", Decimal(high), unit, f"FY{year}", None),
    ]


def para_goal(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(COUNT_METRICS)
    year = rng.randint(2025, 2030)
    value = count_value(rng, unit)
    text = f"{year}年までに{metric}を{number_text(value)}{unit}に増やす目標を掲げた。"
    return [text], [(metric, Decimal(value), unit, str(year), None)]


def para_decimal_rate(rng: random.Random) -> tuple[list[str], Truths]:
    metric, unit = rng.choice(RATE_METRICS)
    year = rng.randint(2016, 2024)
    value = Decimal(rng.randint(100, 999)) / 10
    text = f"{metric}は{value}{unit}（{fiscal_text(rng, year)}）となり、前年度をやや下回った。"
    return [text], [(metric, value, unit, f"FY{year}", None)]


PARAGRAPHS_BLIND = (
    para_two_subjects, para_regarding, para_trailing_period, para_granted, para_paren_count,
    para_named_count, para_range_values, para_goal, para_decimal_rate,
)  # fmt: skip

PARAGRAPHS = (
    para_predicate, para_paren_period, para_caption_list, para_caption_line, para_event, para_handled,
    para_colon_period, para_two_labels, para_reached, para_amount, para_minimum, para_target,
    para_of_which, para_ratio, para_about, *PARAGRAPHS_BLIND,
)  # fmt: skip


def heading_line(rng: random.Random, program: str, number: int) -> str:
    style = rng.randrange(7)
    return (
        f"◆{program}",
        f"■ {program}",
        f"【{program}】",
        f"（{number}）{program}",
        f"{number}. {program}",
        f"○{program}",
        program,
    )[style]


def distractor(rng: random.Random) -> str:
    return rng.choice(DISTRACTORS).format(
        a=rng.randint(1, 9), b=rng.randint(1, 12), c=rng.randint(1, 28), d=rng.randint(1000, 9999)
    )


def figure_section(rng: random.Random, program: str, number: int) -> tuple[list[str], list[TrueFigure]]:
    lines = [heading_line(rng, program, number), ""]
    if rng.random() < 0.6:
        lines += [rng.choice(DESCRIPTIONS), ""]
    figures: list[TrueFigure] = []
    for make in rng.sample(PARAGRAPHS, rng.randint(2, 4)):
        para, truths = make(rng)
        lines += [*para, ""]
        figures += [TrueFigure(program, *t) for t in truths]
    if rng.random() < 0.4:
        lines += [distractor(rng), ""]
    return lines, figures

"""Text normalization of SPEC v1: NFKC that keeps marks, broken-line repair, letter-spacing removal.

Typical order for running text: ``nfkc_keep_marks`` -> ``rejoin_broken_lines`` (on a whole page
or text, not on blank-line-separated paragraphs: its evidence is the width of many lines) ->
``strip_spacing`` (running text only: it glues space-aligned table columns together).
"""

from __future__ import annotations

import re
import unicodedata

# --- marks and circled numbers -----------------------------------------------------------------

# (first code point, last code point, number of the first); NFKC turns the first three into digits.
CIRCLED_RANGES: tuple[tuple[int, int, int], ...] = (
    (0x2460, 0x2473, 1),  # ① .. ⑳
    (0x3251, 0x325F, 21),  # ㉑ .. ㉟
    (0x32B1, 0x32BF, 36),  # ㊱ .. ㊿
    (0x2776, 0x277F, 1),  # ❶ .. ❿
    (0x24EB, 0x24F4, 11),  # ⓫ .. ⓴
    (0x2780, 0x2789, 1),  # ➀ .. ➉
    (0x278A, 0x2793, 1),  # ➊ .. ➓
)

# Marks carry meaning in matrices and lists (● joined, ○ joining, ① priority measure 1), so
# they are kept as written. Of these only the circled numbers are changed by plain NFKC.
MARKS: frozenset[str] = frozenset("●○◎◯〇△×▲") | frozenset(
    chr(cp) for first, last, _ in CIRCLED_RANGES[:3] for cp in range(first, last + 1)
)

# Code points that one decoder of Shift_JIS/cp932 bytes produces where another produces a
# different one (0x8160 is 〜 U+301C in shift_jis, ～ U+FF5E in cp932; NFKC maps ～ to ~).
# Folding them makes the same printed text normalize the same, whichever decoder read it.
CODEC_VARIANTS: dict[str, str] = {
    "\u301c": "~",  # 〜 WAVE DASH -> ~ (what NFKC gives for ～ FULLWIDTH TILDE)
    "\u2212": "-",  # − MINUS SIGN -> - (what NFKC gives for － FULLWIDTH HYPHEN-MINUS)
    "\u2014": "\u2015",  # — EM DASH -> ― HORIZONTAL BAR
    "\u2016": "\u2225",  # ‖ DOUBLE VERTICAL LINE -> ∥ PARALLEL TO
}

_MARK_SPLIT_RE = re.compile("([" + "".join(sorted(MARKS)) + "])")


def nfkc_keep_marks(text: str) -> str:
    """NFKC, except that ``MARKS`` stay as written and ``CODEC_VARIANTS`` are folded.

    Full-width digits and letters become ASCII, half-width katakana full-width, U+3000 a space;
    ``～`` and ``〜`` both become ``~``. Idempotent.
    """
    parts = _MARK_SPLIT_RE.split(text)
    out = [part if part in MARKS else unicodedata.normalize("NFKC", part) for part in parts]
    return "".join(out).translate(_CODEC_TABLE)


_CODEC_TABLE = str.maketrans(CODEC_VARIANTS)


def circled_to_int(ch: str) -> int | None:
    """``①`` -> 1 … ``⑳`` -> 20, ``㉑`` … ``㊿`` -> 21 … 50 (also ❶, ⓫, ➀, ➊ styles); else None."""
    if len(ch) != 1:
        return None
    cp = ord(ch)
    for first, last, number in CIRCLED_RANGES:
        if first <= cp <= last:
            return number + cp - first
    return None


def circled_numbers_in(text: str) -> list[int]:
    """Every circled number of ``text`` in order, repeats kept: ``①②⑥`` -> [1, 2, 6]."""
    return [n for n in map(circled_to_int, text) if n is not None]


# --- character classes ---------------------------------------------------------------------------


def is_japanese(ch: str) -> bool:
    """Kana, kanji, CJK punctuation (、。「」々〆ー) and full-width forms."""
    cp = ord(ch)
    return (
        0x3000 < cp <= 0x30FF  # CJK symbols and punctuation, hiragana, katakana (not U+3000 space)
        or 0x31F0 <= cp <= 0x31FF  # katakana phonetic extensions
        or 0x3400 <= cp <= 0x4DBF  # CJK extension A
        or 0x4E00 <= cp <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= cp <= 0xFAFF  # CJK compatibility ideographs
        or 0xFF01 <= cp <= 0xFFEF  # full-width and half-width forms
        or 0x20000 <= cp <= 0x3FFFF  # CJK extensions B and later
    )


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced rendering: wide (kanji, kana) 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_latin_or_digit(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# --- rejoining broken lines ----------------------------------------------------------------------

SENTENCE_ENDS = "。．.!?！？"
CLOSING_BRACKETS = ")）」』】〕］]｝}〉》>"
LABEL_ENDS = ":："
# A line ending with one of these cannot end a paragraph: the sentence goes on.
CONTINUATION_ENDS = "、，,・(（「『【〔［[~～〜"

# Lines that start a new item whatever precedes them: bullets, list numbers, headings, markup.
_ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹ"
_KANJI_DIGITS = "〇一二三四五六七八九十百"
ITEM_START_RE = re.compile(
    r"""^(?:
      [・\-‐–―•‣◦●○◎◯〇■□◆◇▲△▼▽▶▷►▸★☆※→⇒➢+*#|<\u2014]
    | [\u2460-\u2473\u3251-\u325F\u32B1-\u32BF\u2776-\u2793\u24EB-\u24F4\u2474-\u249B"""
    + _ROMAN
    + r"""]
    | 【
    | [(（]\s*(?:\d{1,2}|[A-Za-zア-ンｱ-ﾝ]|[ivxIVX]{1,4}|["""
    + _KANJI_DIGITS
    + r"""]{1,3})\s*[)）]
    | \d{1,2}\s*[.．)）](?![\d.．])
    | \d{1,2}\s+(?=[^\d\s])
    | [A-Za-zア-ン]\s*[.．)）]\s
    | [A-Za-zア-ン]\s+(?=[^\x00-\x7f])
    | [IVX]{1,4}\s+(?=[^\x00-\x7f])
    | 第\s*[\d"""
    + _KANJI_DIGITS
    + r"""]+\s*[章節部編款]
    )""",
    re.VERBOSE,
)
# Characters Japanese typesetting never puts at the start of a line (kinsoku): a line starting
# with one was cut from the previous line.
LINE_START_FORBIDDEN = "、。，．,」』）)］】〕ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶー々ゝゞ"
# A line starting with a case particle continues a sentence (が評価…, を実施…), unless the
# word is one of the few that open a sentence (はじめに, では, ところで, もちろん …).
PARTICLE_START_RE = re.compile(
    r"^(?!はじめ|では|でも|ところ|とく|とりわけ|とはいえ|ともに|もし|もっとも|もちろん|もう|やはり|やっぱり)"
    r"[をがはにのへとでもや]"
)
# A line framed by wave dashes (～ 副題 ～) is a subtitle, not a sentence cut at its ～.
DECORATED_RE = re.compile(r"^[~～〜].*[~～〜]$")
HEADING_RE = re.compile(r"^(?:第\s*[\d" + _KANJI_DIGITS + r"]+\s*[章節部編]|#)")

FRAGMENT_LINES = 4  # a text this short is one fragment (a cell, a sentence): lines join freely
MIN_WRAP_WIDTH = 8  # narrower lines are no evidence of a wrap width
MIN_WRAP_LINES = 4  # fewer lines at one width are a coincidence, not a wrap width
WRAP_SHARE = 0.3  # share of the lines that must end near the wrap width


def rejoin_broken_lines(text: str) -> str:
    """Remove line breaks that extraction inserted inside a sentence; keep the real ones.

    A break is kept when the next line starts an item (bullet, list number, heading, 【),
    the line ends a sentence (。!?), a bracket or a label (:), or when either line holds a tab
    (a table row). A line ending in 、 or an opening bracket always continues. Otherwise the
    line continues when it is as wide as the text's wrap width (the width most lines end at),
    or when the text is a fragment of at most ``FRAGMENT_LINES`` lines. Blank lines inside a
    sentence are dropped; a kept break after blank lines becomes one ``\\n\\n``. Latin or digit
    tokens on both sides of a join get a space; Japanese gets none.
    """
    lines = text_to_lines(text)
    content = [line for line in lines if line and "\t" not in line]
    fragment = len([line for line in lines if line]) <= FRAGMENT_LINES
    wrap = wrap_width([display_width(line) for line in content])
    out: list[str] = []
    prev = ""
    gap = False
    for line in lines:
        if not line:
            gap = bool(out)
            continue
        if out and lines_continue(prev, line, wrap, fragment):
            out[-1] = join_lines(out[-1], line)
        elif out:
            out.append("\n\n" if gap else "\n")
            out.append(line)
        else:
            out.append(line)
        prev, gap = line, False
    return "".join(out)


def text_to_lines(text: str) -> list[str]:
    """Split into lines; text lines are stripped, table rows (with tabs) kept as they are."""
    return [line if "\t" in line else line.strip() for line in text.splitlines()]


def wrap_width(widths: list[int]) -> int | None:
    """The display width lines were wrapped at, or None when no width is shared by enough lines.

    Wrapped text has many lines ending within a few columns of the same width; text with one
    paragraph per line has widths spread out and no such cluster.
    """
    if len(widths) <= FRAGMENT_LINES:
        return None
    best: int | None = None
    best_count = 0
    for width in sorted(set(widths)):
        if width < MIN_WRAP_WIDTH:
            continue
        count = sum(1 for w in widths if width - _wrap_tolerance(width) <= w <= width)
        if count >= best_count:
            best, best_count = width, count
    if best is None or best_count < max(MIN_WRAP_LINES, WRAP_SHARE * len(widths)):
        return None
    return best


def _wrap_tolerance(width: int) -> int:
    return max(3, width // 12)


def line_is_full(line: str, wrap: int) -> bool:
    """True when the line reaches the wrap width (allowing for kinsoku and Latin word wrap)."""
    return display_width(line) >= wrap - max(4, wrap // 6)


def lines_continue(prev: str, line: str, wrap: int | None, fragment: bool) -> bool:
    """Whether ``line`` continues the sentence of the physical line ``prev``."""
    if "\t" in prev or "\t" in line:
        return False
    if line[0] in LINE_START_FORBIDDEN:
        return True
    last = prev[-1]
    if last in SENTENCE_ENDS:
        return False
    if PARTICLE_START_RE.match(line):
        return True
    if ITEM_START_RE.match(line) or HEADING_RE.match(prev):
        return False
    if last in CLOSING_BRACKETS or last in LABEL_ENDS or DECORATED_RE.match(prev):
        return False
    if last in CONTINUATION_ENDS:
        return True
    if wrap is not None:
        return line_is_full(prev, wrap)
    return fragment


def join_lines(left: str, right: str) -> str:
    """Join two pieces of one sentence: a space between Latin/digit tokens, none otherwise."""
    a, b = left[-1], right[0]
    latin_pair = _is_latin_or_digit(a) and _is_latin_or_digit(b)
    after_comma = a in ",;" and b.isascii() and b.isalpha()
    return left + (" " if latin_pair or after_comma else "") + right


# --- letter-spacing ------------------------------------------------------------------------------

_SPACE_SPLIT_RE = re.compile(r"([ \u3000\u00a0]+)")


def strip_spacing(text: str) -> str:
    """Remove letter-spacing: ``1 1 地域 4 5 市町村`` -> ``11地域45市町村``, ``P D C A`` -> ``PDCA``.

    A run of spaces goes between two Japanese characters, between a Japanese character and a
    digit, and between single letters or digits (spaced-out letters: ``P D C Aサイクル``).
    Spaces between Latin words, next to Latin words (``GX 金融``) or symbols (``- 自然動態``,
    ``▲ 680``) stay, and so do tabs and line breaks.
    """
    return "\n".join(_strip_line_spacing(line) for line in text.split("\n"))


def _strip_line_spacing(line: str) -> str:
    parts = _SPACE_SPLIT_RE.split(line)  # token, space, token, space, ..., token
    out = [parts[0]]
    for i in range(1, len(parts) - 1, 2):
        left, space, right = parts[i - 1], parts[i], parts[i + 1]
        out.append("" if is_letter_spacing(left, right) else space)
        out.append(right)
    return "".join(out)


_TRAILING_ALNUM_RE = re.compile(r"[A-Za-z0-9]+$")
_LEADING_ALNUM_RE = re.compile(r"^[A-Za-z0-9]+")


def is_letter_spacing(left: str, right: str) -> bool:
    """Whether the spaces between tokens ``left`` and ``right`` are letter-spacing."""
    if not left or not right:
        return False
    a, b = left[-1], right[0]
    if (is_japanese(a) and (is_japanese(b) or b.isascii() and b.isdigit())) or (a.isascii() and a.isdigit() and is_japanese(b)):
        return True
    left_run, right_run = _TRAILING_ALNUM_RE.search(left), _LEADING_ALNUM_RE.match(right)
    return bool(left_run and right_run and len(left_run.group()) == 1 and len(right_run.group()) == 1)

"""Text sized for a fixed box on a static image: widths estimated from font metrics, words
wrapped to a width, lists cut to a number of lines with "... and N more". Plotly draws
annotation text on one line unless told where to break, so a slide must break it itself.

Widths are Arial's (Helvetica's) advance widths, in thousandths of the font size: Chromium
draws the house font stack (Source Sans Pro, Arial, sans-serif) with Source Sans where it is
installed (narrower) or Arial / its metric twin Liberation Sans, so Arial's widths are an upper
bound there. DejaVu Sans, the last fallback, is wider: WIDTH_MARGIN leaves room for it.
"""

from __future__ import annotations

import re

_ARIAL = {  # character -> advance width [1/1000 em], printable ASCII
    " ": 278, "!": 278, '"': 355, "#": 556, "$": 556, "%": 889, "&": 667, "'": 191,
    "(": 333, ")": 333, "*": 389, "+": 584, ",": 278, "-": 333, ".": 278, "/": 278,
    ":": 278, ";": 278, "<": 584, "=": 584, ">": 584, "?": 556, "@": 1015,
    "A": 667, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 722,
    "I": 278, "J": 500, "K": 667, "L": 556, "M": 833, "N": 722, "O": 778, "P": 667,
    "Q": 778, "R": 722, "S": 667, "T": 611, "U": 722, "V": 667, "W": 944, "X": 667,
    "Y": 667, "Z": 611, "[": 278, "\\": 278, "]": 278, "^": 469, "_": 556, "`": 333,
    "a": 556, "b": 556, "c": 500, "d": 556, "e": 556, "f": 278, "g": 556, "h": 556,
    "i": 222, "j": 222, "k": 500, "l": 222, "m": 833, "n": 556, "o": 556, "p": 556,
    "q": 556, "r": 333, "s": 500, "t": 278, "u": 556, "v": 500, "w": 722, "x": 500,
    "y": 500, "z": 500, "{": 334, "|": 260, "}": 334, "~": 584,
    **{digit: 556 for digit in "0123456789"},
}
OTHER_WIDTH = 1000  # any other character (arrows, dashes, CJK): as wide as the widest
BOLD_FACTOR = 1.1  # Arial Bold runs ~6-10% wider than regular
WIDTH_MARGIN = 1.13  # DejaVu Sans, the last fallback, runs ~13% wider than Arial
LINE_HEIGHT = 1.3  # Plotly's line spacing for multi-line text [em]
ELLIPSIS = "..."


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width [px] of plain `text` at font `size` [px]."""
    thousandths = sum(_ARIAL.get(ch, OTHER_WIDTH) for ch in text)
    return thousandths / 1000 * size * (BOLD_FACTOR if bold else 1) * WIDTH_MARGIN


def lines_height(n_lines: int, size: float) -> float:
    """Height [px] of `n_lines` lines at font `size` [px]."""
    return n_lines * LINE_HEIGHT * size


def _words(text: str) -> list[list[tuple[str, bool]]]:
    """Each space-separated word as runs of (text, bold); '**' toggles bold (markdown-ish)
    and may fall inside a word: '**12%**,' -> [('12%', True), (',', False)]."""
    words, bold = [], False
    for word in text.split():
        runs = []
        for part in re.split(r"(\*\*)", word):
            if part == "**":
                bold = not bold
            elif part:
                runs.append((part, bold))
        if runs:
            words.append(runs)
    return words


def _run_width(runs: list[tuple[str, bool]], size: float) -> float:
    return sum(text_width(part, size, bold) for part, bold in runs)


def _markup(runs: list[tuple[str, bool]]) -> str:
    """Runs as Plotly text: bold as <b>, each line closing its own tags."""
    merged: list[list] = []
    for part, bold in runs:
        if merged and merged[-1][1] == bold:
            merged[-1][0] += part
        else:
            merged.append([part, bold])
    out = []
    for part, bold in merged:
        escaped = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out.append(f"<b>{escaped}</b>" if bold else escaped)
    return "".join(out)


def wrap(text: str, width: float, size: float) -> list[str]:
    """`text` broken into lines no wider than `width` [px] at font `size` [px], as Plotly
    text (**bold** becomes <b>bold</b>, closed on each line). A word wider than the box is
    cut with an ellipsis rather than allowed to overflow."""
    space = text_width(" ", size)
    lines: list[list[tuple[str, bool]]] = []
    used = 0.0
    for word in _words(text):
        word = _fit_word(word, width, size)
        w = _run_width(word, size)
        if lines and used + space + w <= width:
            lines[-1] += [(" ", lines[-1][-1][1] and word[0][1])] + word
            used += space + w
        else:
            lines.append(list(word))
            used = w
    return [_markup(line) for line in lines]


def _fit_word(word: list[tuple[str, bool]], width: float, size: float):
    if _run_width(word, size) <= width:
        return word
    text = "".join(part for part, _ in word)
    bold = word[0][1]
    while text and text_width(text + ELLIPSIS, size, bold) > width:
        text = text[:-1]
    return [(text + ELLIPSIS, bold)]


def truncate_line(text: str, width: float, size: float, bold: bool = False) -> str:
    """One line of plain `text`, cut at a word with an ellipsis if it is wider than `width`."""
    if text_width(text, size, bold) <= width:
        return text
    words = text.split(" ")
    while len(words) > 1 and text_width(" ".join(words) + ELLIPSIS, size, bold) > width:
        words.pop()
    line = " ".join(words)
    while line and text_width(line + ELLIPSIS, size, bold) > width:
        line = line[:-1]
    return line.rstrip(" ,;:") + ELLIPSIS


def fit_items(items: list[str], width: float, size: float, max_lines: float,
              gap_lines: float = 0.0) -> tuple[list[list[str]], str]:
    """Each item wrapped to `width`, as many whole items as fit in `max_lines` lines (each
    item after the first also costing `gap_lines`, the space drawn between items). Returns
    (the lines of each item shown, a note): the note is "" when all fit, else
    "... and N more" (N items left out), and one line is kept free for it."""
    wrapped = [wrap(item, width, size) for item in items]
    if sum(len(lines) + gap_lines for lines in wrapped) - gap_lines <= max_lines:
        return wrapped, ""
    shown: list[list[str]] = []
    used = 0.0
    for lines in wrapped:
        if used + len(lines) + gap_lines > max_lines - 1:
            break
        shown.append(lines)
        used += len(lines) + gap_lines
    return shown, f"{ELLIPSIS} and {len(items) - len(shown)} more"


def clamp(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """`text` wrapped to `width` in at most `max_lines` lines, the last cut with an ellipsis
    if the text runs longer (plain text: any **bold** markers are dropped from that line)."""
    lines = wrap(text, width, size)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines - 1]
    words = text.replace("**", "").split()
    done = len(re.sub(r"<[^>]+>", "", " ".join(kept)).split())
    last = truncate_line(" ".join(words[done:]) + " " + ELLIPSIS, width, size)
    return kept + [last.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")]

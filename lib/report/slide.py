"""The Briefing as one 16:9 slide (1920x1080): what it holds (BriefingSlide) and one Plotly
figure drawing all of it - title, headline cards, the two charts side by side, takeaways, the
changes from the baseline, the key to the numbered events and the sources - exported to PNG
and PDF through kaleido. Every text is wrapped or cut to its box (lib/report/textfit.py), so
nothing overlaps or runs off the slide whatever the scenario's name or number of changes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import plotly.graph_objects as go

from lib.report import textfit
from lib.report.export import figures_to_images
from lib.report.style import FONT

WIDTH, HEIGHT = 1920, 1080  # [px]; PNG at scale 1, and the PDF page (20 x 11.25 in)
PAD = 40  # [px] slide margin
INK, MUTED, RULE, CARD_FILL = "#1a1a1a", "#555555", "#D0D5DD", "#F4F6F9"
SLIDE_FORMATS = ("png", "pdf")


@dataclass(frozen=True)
class Card:
    """A headline number: label, value text, change from the baseline, 5-95% range text."""
    label: str
    value: str
    delta: str = ""
    range: str = ""


@dataclass(frozen=True)
class EventKey:
    """A numbered marker on the compute chart."""
    number: int
    label: str
    date: dt.date


@dataclass(frozen=True)
class BriefingSlide:
    title: str
    scenario_name: str
    baseline_name: str
    year: int
    cards: tuple[Card, ...]
    charts: tuple[go.Figure, go.Figure]  # compute race (numbered events), China by channel
    takeaways: tuple[str, ...]  # sentences with **bold**
    changes: tuple[str, ...]  # one line per parameter that differs from the baseline
    events: tuple[EventKey, ...]
    sources: tuple[str, ...]
    data_date: dt.date

    @property
    def subtitle(self) -> str:
        return (f"Scenario: {self.scenario_name}  |  Baseline: {self.baseline_name}  |  "
                f"End {self.year}  |  Data as of {self.data_date:%d %b %Y}")


@dataclass(frozen=True)
class Box:
    """A rectangle on the slide [px from the top left]."""
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left


# the slide's regions [px]; the charts take what the text rows leave
TITLE_TOP, SUBTITLE_TOP, CARDS = 20, 70, Box(PAD, 106, WIDTH - PAD, 264)
CHARTS = Box(PAD, 282, WIDTH - PAD, 716)
TAKEAWAYS = Box(PAD, 734, 1000, 1030)
SIDE = Box(1040, 734, WIDTH - PAD, 1030)  # the changes, and below them the event key
MAX_EVENT_LINES, EVENT_SIZE = 5, 15
HEADING_SIZE = 19  # [px] a column's heading
HEADING_HEIGHT = HEADING_SIZE * textfit.LINE_HEIGHT + 6  # [px] with the space below it
FOOTER = Box(PAD, 1040, WIDTH - PAD, HEIGHT - 6)


def _x(px: float) -> float:
    return px / WIDTH


def _y(px: float) -> float:
    return 1 - px / HEIGHT


def _text(left: float, top: float, text: str, size: float, colour: str = INK,
          **extra) -> dict:
    return dict(xref="paper", yref="paper", x=_x(left), y=_y(top), xanchor="left",
                yanchor="top", align="left", showarrow=False, text=text, borderpad=0,
                font=dict(family=FONT, size=size, color=colour), **extra)


def _block(left: float, top: float, lines: list[str], size: float,
           colour: str = INK) -> tuple[dict, float]:
    """Lines as one annotation; returns it and the height it takes [px]."""
    return _text(left, top, "<br>".join(lines), size, colour), textfit.lines_height(
        len(lines), size)


def render(slide: BriefingSlide) -> go.Figure:
    """The whole slide as one figure, WIDTH x HEIGHT, no margins (paper = slide)."""
    annotations, shapes = [], []
    inner = WIDTH - 2 * PAD
    annotations.append(_text(PAD, TITLE_TOP, "<b>" + _escape(textfit.truncate_line(
        slide.title, inner, 36, bold=True)) + "</b>", 36))
    annotations.append(_text(PAD, SUBTITLE_TOP, _escape(textfit.truncate_line(
        slide.subtitle, inner, 20)), 20, MUTED))
    _cards(slide.cards, annotations, shapes)
    fig_data, axes = [], {}
    half = (CHARTS.width - 40) / 2
    for i, chart in enumerate(slide.charts):
        left = CHARTS.left + i * (half + 40)
        box = Box(left, CHARTS.top, left + half, CHARTS.bottom)
        traces, layout_axes, more_shapes, more_notes = _chart(chart, box, i + 1)
        fig_data += traces
        axes |= layout_axes
        shapes += more_shapes
        annotations += more_notes
    _column(TAKEAWAYS, "Takeaways", list(slide.takeaways), 17, annotations,
            markers=["•"] * len(slide.takeaways), gap_lines=0.35)
    # the event key sits at the bottom of the side column, as tall as it needs; the changes
    # take the rest
    events = [f"{e.label} ({e.date:%d %b %Y})" for e in slide.events]
    numbers = [f"<b>{e.number}</b>" for e in slide.events]
    events_top = SIDE.bottom - _column_height(events, numbers, SIDE.width, EVENT_SIZE,
                                              MAX_EVENT_LINES)
    n = len(slide.changes)
    _column(Box(SIDE.left, SIDE.top, SIDE.right, events_top - 12),
            f"Changes vs {slide.baseline_name} ({n})",
            list(slide.changes) or ["None: this is the baseline."], 15, annotations,
            markers=["–"] * n or None)
    if events:
        _column(Box(SIDE.left, events_top, SIDE.right, SIDE.bottom),
                "Events on the compute chart", events, EVENT_SIZE, annotations, numbers)
    annotations.append(_block(FOOTER.left, FOOTER.top, textfit.clamp(
        " ".join(slide.sources), FOOTER.width, 13, 2), 13, MUTED)[0])
    shapes.append(dict(type="line", xref="paper", yref="paper", x0=_x(PAD),
                       x1=_x(WIDTH - PAD), y0=_y(FOOTER.top - 5), y1=_y(FOOTER.top - 5),
                       line=dict(color=RULE, width=1)))
    layout = dict(width=WIDTH, height=HEIGHT, margin=dict(l=0, r=0, t=0, b=0, pad=0),
                  paper_bgcolor="white", plot_bgcolor="white", showlegend=False,
                  font=dict(family=FONT, size=15, color=INK), annotations=annotations,
                  shapes=shapes, **axes)
    return go.Figure(data=fig_data, layout=layout, _validate=False)


def slide_images(slide: BriefingSlide, formats=SLIDE_FORMATS) -> dict[str, bytes]:
    """The slide rendered once per format: {format: bytes} (raises ExportUnavailable)."""
    images = figures_to_images({"briefing_slide": render(slide)}, formats,
                               width=WIDTH, height=HEIGHT)
    return {fmt: images[("briefing_slide", fmt)] for fmt in formats}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cards(cards: tuple[Card, ...], annotations: list, shapes: list) -> None:
    """One row of equal cards; each field wrapped to the card, the value shrunk to fit."""
    if not cards:
        return
    gap, pad = 16, 14
    width = (CARDS.width - gap * (len(cards) - 1)) / len(cards)
    for i, card in enumerate(cards):
        left = CARDS.left + i * (width + gap)
        shapes.append(dict(type="rect", xref="paper", yref="paper", x0=_x(left),
                           x1=_x(left + width), y0=_y(CARDS.bottom), y1=_y(CARDS.top),
                           fillcolor=CARD_FILL, line=dict(color=RULE, width=1), layer="below"))
        text_width = width - 2 * pad
        value_size = 34
        while value_size > 18 and textfit.text_width(card.value, value_size, True) > text_width:
            value_size -= 2
        top = CARDS.top + pad - 2
        fields = [(card.label, 17, MUTED, 1), (f"**{card.value}**", value_size, INK, 1),
                  (card.delta, 15, INK, 2), (card.range, 15, MUTED, 2)]
        for text, size, colour, most in fields:
            room = int((CARDS.bottom - pad + 4 - top) // textfit.lines_height(1, size))
            if not text or room < 1:
                continue
            note, height = _block(left + pad, top, textfit.clamp(
                text, text_width, size, min(most, room)), size, colour)
            annotations.append(note)
            top += height


def _indent(markers: list[str] | None, size: float) -> float:
    """Room [px] for the markers (bullets, numbers) before the hanging text."""
    if not markers:
        return 0
    return max(textfit.text_width(re.sub(r"<[^>]+>", "", m), size, True) for m in markers) + 12


def _column_height(items: list[str], markers: list[str] | None, width: float, size: float,
                   max_lines: int) -> float:
    """Height [px] of a column (heading and items) cut to `max_lines` lines of items."""
    if not items:
        return 0
    shown, note = textfit.fit_items(items, width - _indent(markers, size), size, max_lines)
    lines = sum(len(item) for item in shown) + bool(note)
    return HEADING_HEIGHT + textfit.lines_height(lines, size) + 2  # 2 px for rounding


def _column(box: Box, heading: str, items: list[str], size: float, annotations: list,
            markers: list[str] | None = None, gap_lines: float = 0.0) -> None:
    """A heading and a list cut to the box ("... and N more" when it runs over); each item's
    marker (a bullet, a number) in a column of its own, the text hanging beside it."""
    annotations.append(_text(box.left, box.top, "<b>" + _escape(textfit.truncate_line(
        heading, box.width, HEADING_SIZE, bold=True)) + "</b>", HEADING_SIZE))
    top = box.top + HEADING_HEIGHT
    indent = _indent(markers, size)
    room = (box.bottom - top) / textfit.lines_height(1, size)
    shown, note = textfit.fit_items(items, box.width - indent, size, room, gap_lines)
    step = gap_lines * textfit.lines_height(1, size)
    for i, lines in enumerate(shown):
        if markers:
            annotations.append(_text(box.left, top, markers[i], size, MUTED))
        block, height = _block(box.left + indent, top, lines, size)
        annotations.append(block)
        top += height + step
    if note:
        annotations.append(_text(box.left + indent, top, note, size, MUTED))


CHART_TITLE, LEGEND_SIZE, AXIS_SIZE = 22, 15, 15  # [px] font sizes inside a chart's box
PLOT_LEFT, PLOT_RIGHT, PLOT_BELOW = 104, 78, 64  # [px] room for ticks, axis titles, end labels
_AXIS = re.compile(r"^([xy])axis(\d*)$")


def _chart(fig: go.Figure, box: Box, first: int) -> tuple[list, dict, list, list]:
    """A chart's traces, axes, shapes and annotations moved into `box` of the slide: its
    axes renamed from number `first` on (so two charts keep their own, log or not), 'paper'
    references turned into the plot area's, its title and legend drawn above the plot (the
    legend as swatches and wrapped labels, so it cannot run into the next chart) and its
    source line dropped (the slide's footer carries the sources)."""
    source = fig.to_plotly_json()
    layout, traces = source["layout"], source["data"]
    names = _axis_names(layout, first)
    annotations = [_text(box.left, box.top, "<b>" + _escape(textfit.truncate_line(
        layout.get("meta", {}).get("title") or layout.get("title", {}).get("text", ""),
        box.width, CHART_TITLE, bold=True)) + "</b>", CHART_TITLE)]
    shapes: list[dict] = []
    legend_top = box.top + textfit.lines_height(1, CHART_TITLE) + 4
    plot_top = _legend(traces, box, legend_top, annotations, shapes) + 14
    plot = Box(box.left + PLOT_LEFT, plot_top, box.right - PLOT_RIGHT, box.bottom - PLOT_BELOW)
    axes = {}
    for key, props in layout.items():
        found = _AXIS.match(key)
        if not found:
            continue
        letter, old = found.group(1), found.group(1) + found.group(2)
        axis = {k: v for k, v in props.items() if k not in ("automargin", "domain")}
        axis["domain"] = [_x(plot.left), _x(plot.right)] if letter == "x" else \
            [_y(plot.bottom), _y(plot.top)]
        axis["anchor"] = names["y" if letter == "x" else "x"]
        if "overlaying" in axis:
            axis["overlaying"] = names[axis["overlaying"]]
        axis["tickfont"] = dict(size=AXIS_SIZE - 1)
        title = axis.get("title", {}).get("text", "")
        if title:  # a y title longer than the plot is tall takes a second line
            span = plot.width if letter == "x" else plot.bottom - plot.top
            axis["title"] = dict(text="<br>".join(textfit.clamp(title, span, AXIS_SIZE, 2)),
                                 font=dict(size=AXIS_SIZE, color=INK), standoff=6)
        axes[_layout_key(names[old])] = axis
    moved = []
    for trace in traces:
        trace = dict(trace, showlegend=False)
        trace["xaxis"] = names[trace.get("xaxis", "x")]
        trace["yaxis"] = names[trace.get("yaxis", "y")]
        moved.append(trace)
    for shape in layout.get("shapes", []):
        shapes.append(_moved(shape, names))
    for note in layout.get("annotations", []):
        if note.get("name") != "source":
            annotations.append(_moved(note, names))
    return moved, axes, shapes, annotations


def _axis_names(layout: dict, first: int) -> dict[str, str]:
    """'x' -> 'x3', 'y2' -> 'y4', ...: each of the chart's axes gets a fresh number."""
    names = {}
    for letter in "xy":
        olds = sorted((k for k in layout if _AXIS.match(k) and k[0] == letter),
                      key=lambda k: int(k[5:] or 1)) or [f"{letter}axis"]
        start = 1 + (first - 1) * 2  # room for two axes of each letter per chart
        for i, key in enumerate(olds):
            n = start + i
            names[letter + key[5:]] = f"{letter}{n if n > 1 else ''}"
    return names


def _layout_key(name: str) -> str:
    return f"{name[0]}axis{name[1:]}"


def _moved(item: dict, names: dict[str, str]) -> dict:
    item = dict(item)
    for ref, letter in (("xref", "x"), ("yref", "y")):
        old = item.get(ref, letter)  # Plotly's default: the first data axis
        if old == "paper":
            item[ref] = f"{names[letter]} domain"
        else:
            axis, _, domain = old.partition(" ")
            item[ref] = names[axis] + (f" {domain}" if domain else "")
    return item


def _legend(traces: list[dict], box: Box, top: float, annotations: list,
            shapes: list) -> float:
    """Legend entries (swatch + label) in rows that wrap at the box's width; returns the
    bottom of the last row [px]."""
    entries = [t for t in traces if t.get("showlegend") is not False and t.get("name")]
    row_height, swatch, gap = textfit.lines_height(1, LEGEND_SIZE) + 4, 26, 22
    x, y = box.left, top
    for trace in entries:
        label = _escape(textfit.truncate_line(trace["name"], box.width - swatch - 6,
                                              LEGEND_SIZE))
        width = swatch + 6 + textfit.text_width(trace["name"], LEGEND_SIZE)
        if x > box.left and x + width > box.right:
            x, y = box.left, y + row_height
        shapes.append(_swatch(trace, x, y + row_height / 2 - 2, swatch))
        annotations.append(_text(x + swatch + 6, y, label, LEGEND_SIZE))
        x += min(width, box.width) + gap
    return y + row_height if entries else top


def _swatch(trace: dict, left: float, middle: float, width: float) -> dict:
    line = trace.get("line", {})
    colour = trace.get("fillcolor") or line.get("color") or \
        trace.get("marker", {}).get("color") or MUTED
    if isinstance(colour, (list, tuple)):  # per-point colours (numbered events): the first
        colour = colour[0] if colour else MUTED
    if trace.get("stackgroup") or trace.get("fill") or trace.get("type") == "bar":
        return dict(type="rect", xref="paper", yref="paper", x0=_x(left), x1=_x(left + width),
                    y0=_y(middle + 7), y1=_y(middle - 7), fillcolor=colour,
                    line=dict(width=0))
    return dict(type="line", xref="paper", yref="paper", x0=_x(left), x1=_x(left + width),
                y0=_y(middle), y1=_y(middle),
                line=dict(color=colour, width=min(line.get("width", 3), 4),
                          dash=line.get("dash", "solid")))

"""The Briefing slide: text fitted to its boxes (hand-worked widths), the one-figure layout
(nothing overlaps or leaves the slide, long lists cut with "... and N more"), the PNG and PDF
through Chromium, and the export controls on the page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from lib.core.scenario import Scenario
from lib.report import export, textfit
from lib.report.briefing_slide import briefing_slide
from lib.report.slide import HEIGHT, PAD, WIDTH, Card, render, slide_images
from tests.helpers import export_controls_app, finish_renders, no_exception

needs_chromium = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                                    reason="/usr/bin/chromium is not installed")

# at size 10: 'a' is 556/1000 em -> 5.56 px x 1.13 (WIDTH_MARGIN) = 6.2828 px; ' ' 3.1414 px
A, SPACE = 6.2828, 3.1414
LONG_NAME = ("Rollback with tighter enforcement, location verification and a remote-access "
             "rule as proposed in the spring 2026 hearings (team draft v3)")
MANY_CHANGES = Scenario.build("rollback", {
    "smuggling_interdiction_share": 0.3, "location_verification": True,
    "remote_access_rule": True, "smuggling_attempted_per_year": {2024: 300000, 2025: 600000},
    "h20_reversal": False, "packaging_yield": 0.81})


def test_text_width_follows_the_font_metrics():
    assert textfit.text_width("aaa", 10) == pytest.approx(3 * A)
    assert textfit.text_width("a a", 10) == pytest.approx(2 * A + SPACE)
    assert textfit.text_width("aaa", 20) == pytest.approx(6 * A)
    assert textfit.text_width("aaa", 10, bold=True) == pytest.approx(3 * A * 1.1)
    assert textfit.text_width("iii", 10) < textfit.text_width("mmm", 10)


def test_wrap_breaks_at_the_width():
    # a, b and d are all A wide: 'aaa bbb' is 3A + space + 3A = 40.84 px; with ' ddd' 62.83
    assert textfit.wrap("aaa bbb ddd", 45, 10) == ["aaa bbb", "ddd"]
    assert textfit.wrap("aaa bbb ddd", 40, 10) == ["aaa", "bbb", "ddd"]
    assert textfit.wrap("aaa bbb ddd", 63, 10) == ["aaa bbb ddd"]
    assert textfit.wrap("aaa bbb ddd", 62.8, 10) == ["aaa bbb", "ddd"]
    assert textfit.wrap("  aaa   bbb ", 45, 10) == ["aaa bbb"]


def test_wrap_turns_bold_into_tags_closed_on_each_line():
    assert textfit.wrap("**aaa** bbb", 45, 10) == ["<b>aaa</b> bbb"]  # 20.73 + 3.14 + 18.85
    assert textfit.wrap("**aaa bbb ddd**", 45, 10) == ["<b>aaa bbb</b>", "<b>ddd</b>"]
    assert textfit.wrap("**12%**, of", 100, 10) == ["<b>12%</b>, of"]
    assert textfit.wrap("a<b & c", 100, 10) == ["a&lt;b &amp; c"]


def test_a_word_wider_than_the_box_is_cut():
    # 'aaa...' is 18.85 + 3 x 3.14 = 28.27 px; 'aaaa...' 34.6 px
    assert textfit.wrap("aaaaaaaaaa", 30, 10) == ["aaa..."]


def test_truncate_and_clamp():
    assert textfit.truncate_line("aaa bbb", 45, 10) == "aaa bbb"
    assert textfit.truncate_line("aaa bbb ccc ddd", 45, 10) == "aaa..."  # 'aaa bbb...' 50.3
    assert textfit.clamp("aaa bbb ccc ddd", 45, 10, 2) == ["aaa bbb", "ccc ddd"]
    assert textfit.clamp("aaa bbb ccc ddd eee", 45, 10, 2) == ["aaa bbb", "ccc..."]
    assert textfit.clamp("aaa bbb ccc ddd", 45, 10, 1) == ["aaa..."]


def test_fit_items_cuts_whole_items_and_counts_the_rest():
    items = ["aaa bbb ccc", "aaa", "bbb", "ccc"]  # 2 + 1 + 1 + 1 lines at 45 px
    assert textfit.fit_items(items, 45, 10, 5) == (
        [["aaa bbb", "ccc"], ["aaa"], ["bbb"], ["ccc"]], "")
    # 4 lines: the first two items (3 lines) and the note
    assert textfit.fit_items(items, 45, 10, 4) == (
        [["aaa bbb", "ccc"], ["aaa"]], "... and 2 more")
    assert textfit.fit_items(items, 45, 10, 1) == ([], "... and 4 more")
    # half a line between items: three one-line items take 4 lines
    assert textfit.fit_items(["a", "b", "c"], 45, 10, 4, gap_lines=0.5)[1] == ""
    assert textfit.fit_items(["a", "b", "c"], 45, 10, 3.9, gap_lines=0.5) == (
        [["a"]], "... and 2 more")


def _line_width(line: str, size: float) -> float:
    """A line of Plotly text measured as textfit does, bold runs as bold."""
    width, bold = 0.0, False
    for part in re.split(r"(</?b>)", line):
        if part in ("<b>", "</b>"):
            bold = part == "<b>"
        else:
            width += textfit.text_width(re.sub(r"&\w+;", "x", part), size, bold)
    return width


def _boxes(fig) -> list[tuple[str, float, float, float, float]]:
    """Every slide-level text as (text, left, top, right, bottom) [px], sized as textfit
    measures it (tags dropped, entities counted as one character)."""
    out = []
    for note in fig.layout.annotations:
        if note.xref != "paper" or note.yref != "paper":
            continue  # inside a chart, placed by its data
        lines = note.text.split("<br>")
        size = note.font.size
        width = max(_line_width(line, size) for line in lines)
        left, top = note.x * WIDTH, (1 - note.y) * HEIGHT
        out.append((note.text, left, top, left + width,
                    top + textfit.lines_height(len(lines), size)))
    return out


def case_slide(case: str):
    """The slide of the status quo, or of a scenario with many changes and a long name."""
    if case == "status_quo":
        return briefing_slide(Scenario(), 2027)
    return briefing_slide(MANY_CHANGES, 2027, name=LONG_NAME)


@pytest.mark.parametrize("case", ["status_quo", "many_changes"])
def test_slide_text_stays_on_the_slide_and_apart(case):
    slide = case_slide(case)
    boxes = _boxes(render(slide))
    assert len(boxes) > 20
    for text, left, top, right, bottom in boxes:
        assert PAD - 1 <= left and right <= WIDTH - PAD + 1, text
        assert 0 <= top and bottom <= HEIGHT, text
    for i, (text, left, top, right, bottom) in enumerate(boxes):
        for other, left2, top2, right2, bottom2 in boxes[i + 1:]:
            overlap = min(right, right2) - max(left, left2) > 1 and \
                min(bottom, bottom2) - max(top, top2) > 1
            assert not overlap, (text, other)


def test_long_lists_and_names_are_cut_to_fit():
    slide = briefing_slide(MANY_CHANGES, 2027, name=LONG_NAME)
    assert len(slide.changes) == 14  # 8 from the preset, 6 overrides
    texts = [note.text for note in render(slide).layout.annotations]
    more = [int(t.split()[2]) for t in texts if re.fullmatch(r"\.\.\. and \d+ more", t)]
    shown = sum(1 for t in texts if any(c.split(":")[0] in t for c in slide.changes))
    assert len(slide.changes) - shown in more  # the changes' list says how many it left off
    title = next(t for t in texts if "Briefing:" in t)
    assert title.endswith("...</b>") and LONG_NAME not in title
    # the takeaways box: 296 px less a 31 px heading = 12 lines of 22.1 px (17 px font);
    # each point costs 1.35 lines with the gap, and the note a line: 8 points fit
    many = briefing_slide(Scenario(), 2027, takeaways=[f"Point number {i}." for i in range(40)])
    texts = [n.text for n in render(many).layout.annotations]
    assert "... and 32 more" in texts and "Point number 7." in texts
    assert "Point number 8." not in texts


def test_slide_keeps_both_charts_with_their_axes():
    slide = briefing_slide(Scenario(), 2027)
    fig = render(slide)
    assert len(fig.data) == sum(len(chart.data) for chart in slide.charts)
    compute_y = {t.yaxis for t in fig.data[:3]}
    assert compute_y == {"y"} and fig.layout.yaxis.type == "log"
    channels = [t for t in fig.data if t.stackgroup]
    assert {t.xaxis for t in channels} == {"x3"} and fig.layout.yaxis3.type != "log"
    assert fig.layout.xaxis.domain[1] < fig.layout.xaxis3.domain[0]  # side by side
    markers = [t for t in fig.data if t.yaxis == "y2"]  # the numbered events
    assert list(markers[0].text) == [str(e.number) for e in slide.events]
    assert fig.layout.yaxis2.overlaying == "y"
    texts = " ".join(note.text for note in fig.layout.annotations)
    assert "Source:" in texts and texts.count("Source: Chokepoint model") == 1


def test_cards_are_data():
    cards = [Card("Race gap", "20.8 months", "+4.4 months vs Now", "5-95%: 9 to 31")]
    slide = briefing_slide(Scenario(), 2027, cards=cards)
    texts = [note.text for note in render(slide).layout.annotations]
    for text in ("Race gap", "<b>20.8 months</b>", "+4.4 months vs Now", "5-95%: 9 to 31"):
        assert text in texts


@needs_chromium
@pytest.mark.parametrize("case", ["status_quo", "many_changes"])
def test_slide_exports_as_16_9_png_and_pdf(case):
    slide = case_slide(case)
    files = slide_images(slide)
    assert export.png_size(files["png"]) == (1920, 1080)
    page = PdfReader(io.BytesIO(files["pdf"])).pages[0]
    assert float(page.mediabox.width) / float(page.mediabox.height) == pytest.approx(16 / 9)
    text = " ".join(page.extract_text().split())
    assert slide.title[:40] in text
    assert slide.cards[0].value in text
    assert "what Chinese labs can use" in text  # the U.S. takeaway
    assert "Source: Chokepoint model" in text
    if case == "many_changes":
        assert re.search(r"\.\.\. and \d+ more", text)


def test_export_controls_say_plainly_when_chromium_is_missing(monkeypatch):
    monkeypatch.setattr("lib.report.export.images_available", lambda: False)
    at = export_controls_app()
    at.run()
    no_exception(at)
    assert at.button(key="export_slide").disabled
    assert any("needs Chromium" in c.value for c in at.caption)
    at.button(key="briefing_build_pack").click().run()
    finish_renders(at)
    no_exception(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download briefing pack"]
    assert any("no slide" in w.value for w in at.warning)


@needs_chromium
def test_export_slide_offers_png_and_pdf():
    at = export_controls_app()
    at.run()
    assert not at.get("download_button")
    at.button(key="export_slide").click().run()
    finish_renders(at)
    no_exception(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Slide PNG", "Slide PDF"]

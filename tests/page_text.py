"""What a page shows a visitor, read from an AppTest run: the text that names things (headings,
labels, chart titles and axes, table headers) apart from all the text there is to read
(captions, Markdown, hovers, expander contents, table cells)."""

from __future__ import annotations

import json

from google.protobuf.json_format import MessageToDict

from tests.helpers import plain

NAMING_KEYS = ("label", "title")  # proto fields that name an element


def _chart_names(spec: str) -> list[str]:
    """A chart's title, axis titles and legend entries."""
    figure = json.loads(spec)
    layout = figure.get("layout", {})
    names = [layout.get("title", {}).get("text", "")]
    for axis in ("xaxis", "yaxis"):
        names.append(layout.get(axis, {}).get("title", {}).get("text", ""))
    names += [trace.get("name", "") for trace in figure.get("data", [])
              if trace.get("showlegend", True)]
    return names


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def page_text(root) -> tuple[str, str]:
    """(naming text, all text) of everything under `root` (at.main or at.sidebar)."""
    naming, everything = [], []
    for node in _walk(root):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        fields = MessageToDict(proto, preserving_proto_field_name=True)
        kind = getattr(node, "type", "")
        for key in NAMING_KEYS:
            if isinstance(fields.get(key), str):
                naming.append(fields[key])
        if kind in ("title", "header", "subheader"):
            naming.append(fields.get("body", ""))
        if kind == "plotly_chart":
            naming += _chart_names(fields.get("spec", "{}"))
        if kind in ("table", "dataframe"):
            frame = node.value
            naming += [str(c) for c in frame.columns]
            everything += [str(v) for v in frame.to_numpy().ravel()]
        for value in fields.values():
            if isinstance(value, str) and len(value) < 20000:
                everything.append(value)
        if isinstance(fields.get("options"), list):
            everything += [str(o) for o in fields["options"]]
    join = lambda parts: plain(" ".join(parts)).replace("**", "")  # noqa: E731
    return join(naming), join(naming + everything)

"""Text from visitors or files made literal inside Markdown.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=^])")


_LEADING_BLANKS = re.compile(r"^[ \t]+", re.MULTILINE)
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=(?i:www))(?=\.)|(?<=@)")  # where to break autolinks


def problem_list(problems) -> str:
    """(key, message) pairs as a Markdown list; both may come from a visitor, so escaped."""
    return "\n".join(f"- **{md_escape(key)}**: {md_escape(message)}" for key, message in problems)


def md_escape(text: object) -> str:
    """User or file text made literal inside Markdown (no links, emphasis, HTML, directives
    or LaTeX); line breaks are kept. Bare URLs and e-mail addresses get an invisible word
    joiner, since GitHub-flavoured autolinks are found after backslash escapes are read."""
    text = _AUTOLINK.sub("\u2060", str(text))
    # leading blanks would make an indented code block, which shows escapes as backslashes
    text = _LEADING_BLANKS.sub(lambda m: "\u00a0" * len(m.group(0).expandtabs(4)), text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")

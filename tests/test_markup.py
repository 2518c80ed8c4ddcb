"""lib/app/markup.py: text from visitors and files (scenario names, notes, share-link keys, file
names) shown literally inside Markdown. Checked two ways: the exact escaped strings, and the
escaped text rendered by a CommonMark parser (markdown-it-py, which Streamlit's own dependencies
bring), which must give plain text equal to the input and no link, emphasis, HTML or block."""

from __future__ import annotations

import re

import pytest

from lib.app.markup import md_escape, problem_list

WJ = "\u2060"  # word joiner: breaks GitHub-flavoured autolinks, invisible to the reader


@pytest.mark.parametrize("text, escaped", [
    ("[click](http://evil.example)", rf"\[click\]\(http\:{WJ}//evil\.example\)"),
    ("![t](x.png)", r"\!\[t\]\(x\.png\)"),
    ("*em* _u_ **b** ~~s~~", r"\*em\* \_u\_ \*\*b\*\* \~\~s\~\~"),
    ("<b>x</b>", r"\<b\>x\</b\>"),
    ("&lt;b&gt;", r"\&lt;b\&gt;"),
    ("# Head", r"\# Head"),
    ("- item", r"\- item"),
    ("1. one", r"1\. one"),
    ("> quote", r"\> quote"),
    ("`code`", r"\`code\`"),
    ("$x^2$", r"\$x\^2\$"),  # Streamlit renders $...$ as LaTeX
    (":red[y]", r"\:red\[y\]"),  # Streamlit's colour directive
    ("a|b", r"a\|b"),
    (r"back\slash", r"back\\slash"),
    ("see https://a.b/c", rf"see https\:{WJ}//a\.b/c"),
    ("HTTP://X", rf"HTTP\:{WJ}//X"),
    ("www.evil.com", rf"www{WJ}\.evil\.com"),
    ("WWW.X.COM", rf"WWW{WJ}\.X\.COM"),
    ("mail me@host.org", rf"mail me@{WJ}host\.org"),
    ("a\nb", "a  \nb"),  # a Markdown hard line break: the line break is kept
    ("plain words 123", "plain words 123"),
    ("", ""),
])
def test_exact_escapes(text, escaped):
    assert md_escape(text) == escaped


def test_non_strings_are_shown_as_their_text():
    assert md_escape(3.5) == r"3\.5"
    assert md_escape(None) == "None"


NASTY = [
    "Leak *bold* [click](http://evil.example) <b>x</b> :red[y] $z$",
    "![img](http://evil.example/p.png) [ref]\n\n[ref]: http://evil.example",
    "# heading\n## two\n- item\n* star\n+ plus\n1. one\n2) two\n> quote",
    "Setext\n===\nand\n---\n***\n___",
    "`code` ``more`` ~~struck~~ ~one~ **strong** __too__",
    "```\nfenced\n```\n~~~\ntilde\n~~~",
    "<script>alert(1)</script> <!-- comment --> <div>\nblock\n</div>",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "&lt;b&gt; &amp; &#x3C; &copy;",
    "<http://evil.example> <me@evil.example>",
    "see https://evil.example/x and www.evil.com or me@evil.example, mailto:me@evil.example",
    r"back\slash \* \[not\]",
    "line one\nline two\nline three",
]
FORBIDDEN = {"link_open", "image", "em_open", "strong_open", "s_open", "html_inline",
             "html_block", "heading_open", "bullet_list_open", "ordered_list_open",
             "blockquote_open", "code_inline", "code_block", "fence", "hr", "table_open",
             "softbreak"}
AUTOLINK = re.compile(r"(?i)https?://|www\.|[\w.+-]@[\w-]")  # GFM's autolinks (mailto: has @)


def render(text: str):
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)


def read_text(tokens) -> tuple[set[str], str]:
    """(every token type, the text a reader sees: line breaks as newlines, paragraphs apart
    by a blank line)."""
    types, paragraphs = set(), []
    for token in tokens:
        types.add(token.type)
        if token.type == "inline":
            parts = []
            for child in token.children:
                types.add(child.type)
                parts.append("\n" if child.type in ("hardbreak", "softbreak") else child.content)
            paragraphs.append("".join(parts))
    return types, "\n\n".join(paragraphs)


@pytest.mark.parametrize("text", NASTY)
def test_rendered_escapes_are_plain_text_equal_to_the_input(text):
    types, shown = read_text(render(md_escape(text)))
    assert not types & FORBIDDEN, (types & FORBIDDEN, md_escape(text))
    assert shown.replace(WJ, "") == text  # every character shown, line breaks kept
    assert not AUTOLINK.search(shown), shown  # nothing left for GFM to link


def test_the_renderer_check_sees_markdown_when_it_is_not_escaped():
    """The check above can fail: the same texts unescaped give links, emphasis, HTML, lists,
    headings, code and soft breaks."""
    seen = set().union(*(read_text(render(text))[0] for text in [*NASTY, INDENTED]))
    assert FORBIDDEN <= seen


INDENTED = "    four spaces *in*\n[x](y)"


def test_an_indented_line_is_shown_as_typed():
    types, shown = read_text(render(md_escape(INDENTED)))
    assert "code_block" not in types
    assert shown.replace(WJ, "").lstrip() == INDENTED.lstrip()


def test_problem_list_is_a_list_of_escaped_pairs():
    problems = [("[k](http://evil.example)", "**bold** <b>x</b>"), ("plain_key", "out of range")]
    text = problem_list(problems)
    assert text == (rf"- **\[k\]\(http\:{WJ}//evil\.example\)**: \*\*bold\*\* \<b\>x\</b\>"
                    "\n- **plain\\_key**: out of range")
    tokens = render(text)
    assert [t.type for t in tokens].count("list_item_open") == 2
    types, shown = read_text(tokens)
    assert "link_open" not in types and "html_inline" not in types
    assert [t.type for t in tokens[3].children].count("strong_open") == 1  # only the key
    assert shown.replace(WJ, "").split("\n\n") == ["[k](http://evil.example): **bold** <b>x</b>",
                                                "plain_key: out of range"]

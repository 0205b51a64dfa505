"""Markdown without guessing: the author's structure is explicit, so no NLP classifier is needed.

Python-Markdown (with the ``tables`` and ``fenced_code`` extensions, as unstructured's ``partition_md``
uses) turns the text into HTML; the tags map to Elements one to one: ``#``..``######`` → title levels
1-6, paragraphs → text, list items (nested too) → list_item, pipe tables → table, code blocks → text.
unstructured would hand that HTML to ``partition_html``, which runs a spaCy pipeline over every
paragraph to guess whether it is a title: about 90% of the parse time, and only ever a guess where
Markdown already says.
"""

from __future__ import annotations

from typing import Any

from loraforge.ingest.structured import table_element
from loraforge.records import Element

_EXTENSIONS = ["tables", "fenced_code"]
_CONTAINERS = frozenset({"div", "blockquote", "section", "article", "details"})


def markdown_elements(text: str) -> list[Element]:
    """Elements of a Markdown document, in reading order."""
    import lxml.html
    import markdown

    html = markdown.markdown(text, extensions=_EXTENSIONS)
    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    out: list[Element] = []
    _walk(root, out)
    return [e for e in out if e.text]


def _walk(parent: Any, out: list[Element]) -> None:
    if parent.text and parent.text.strip() and parent.tag in _CONTAINERS:
        out.append(Element(kind="text", text=_words(parent.text)))
    for node in parent:
        tag = node.tag if isinstance(node.tag, str) else ""
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            out.append(Element(kind="title", text=_words(node.text_content()), level=int(tag[1])))
        elif tag in ("ul", "ol"):
            _list_items(node, out)
        elif tag == "table":
            rows = [[_words(c.text_content()) for c in tr if c.tag in ("td", "th")] for tr in node.iter("tr")]
            rows = [r for r in rows if any(r)]
            if rows:
                out.append(table_element(rows, {}))
        elif tag == "pre":
            out.append(Element(kind="text", text=node.text_content().strip("\n")))
        elif tag in _CONTAINERS:
            _walk(node, out)
        elif tag and tag != "hr":
            out.append(Element(kind="text", text=_words(node.text_content())))
        if node.tail and node.tail.strip():
            out.append(Element(kind="text", text=_words(node.tail)))


def _list_items(list_node: Any, out: list[Element]) -> None:
    """One list_item per <li>, its nested lists as items of their own (after it, in order)."""
    for li in list_node:
        if li.tag != "li":
            continue
        nested = [child for child in li if child.tag in ("ul", "ol")]
        for child in nested:
            li.remove(child)  # a private tree: detaching keeps the item's own text only
        out.append(Element(kind="list_item", text=_words(li.text_content())))
        for child in nested:
            _list_items(child, out)


def _words(text: str) -> str:
    return " ".join(text.split())

"""Reading a quarterly report back, as a reader's tools would: the stdlib HTML parser for the
document, ElementTree for each inline SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser

NBSP = "\u00a0"
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


@dataclass
class ParsedReport:
    """What the tests look at: tags, attributes, texts per figure cell and per account."""

    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    #: (account id, measure, month) -> the cell's text
    cells: dict[tuple[str, str, str], str] = field(default_factory=dict)
    #: (account id, measure, month) -> the cell's "k av n konton" note (totals tables)
    coverage: dict[tuple[str, str, str], str] = field(default_factory=dict)
    #: account id -> the article's whole text
    accounts: dict[str, str] = field(default_factory=dict)
    #: the department headings (h2 inside section.department), in order
    departments: list[str] = field(default_factory=list)
    text: str = ""
    ids: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = ParsedReport()
        self._account = ""
        self._cell: tuple[str, str, str] | None = None
        self._small = False
        self._section = ""
        self._heading: list[str] | None = None
        self._texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.result.tags.append((tag, values))
        if "id" in values:
            self.result.ids.append(values["id"])
        if tag == "section":
            self._section = values.get("class", "")
        elif tag == "article" and "data-account" in values:
            self._account = values["data-account"]
            self.result.accounts[self._account] = ""
        elif tag == "td" and "data-measure" in values:
            self._cell = (self._account, values["data-measure"], values["data-month"])
            self.result.cells[self._cell] = ""
        elif tag == "small" and self._cell is not None:
            self._small = True
            self.result.coverage[self._cell] = ""
        elif tag == "h2" and self._section == "department":
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._account = ""
        elif tag == "td":
            self._cell = None
        elif tag == "small":
            self._small = False
        elif tag == "h2" and self._heading is not None:
            self.result.departments.append("".join(self._heading))
            self._heading = None

    def handle_data(self, data: str) -> None:
        self._texts.append(data)
        if self._account:
            self.result.accounts[self._account] += data
        if self._cell is not None and self._small:
            self.result.coverage[self._cell] += data
        elif self._cell is not None:
            self.result.cells[self._cell] += data
        if self._heading is not None:
            self._heading.append(data)


def parse_report(html: str) -> ParsedReport:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.result.text = "".join(reader._texts)
    return reader.result


def svgs(html: str) -> list[ET.Element]:
    """Every inline SVG, parsed as XML: a malformed one raises here."""
    return [ET.fromstring(chunk) for chunk in _SVG.findall(html)]


def number(text: str) -> int | None:
    """A whole figure as the Swedish report writes it (``925 288``); None for "okänt"."""
    cleaned = text.replace(NBSP, "").replace(" ", "").strip()
    return None if cleaned in ("okänt", "unknown") else int(cleaned)


def percent(text: str) -> float | None:
    """A Swedish percentage (``8,07 %``) as a fraction; None for "okänt"."""
    cleaned = text.replace(NBSP, "").replace(" ", "").strip()
    if cleaned in ("okänt", "unknown"):
        return None
    return float(cleaned.rstrip("%").replace(",", ".")) / 100

"""HTML report → lines: paragraphs and headings as text, each table row as its cells."""

from __future__ import annotations

from html.parser import HTMLParser

from opendata.report.lines import Line

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "title", "section", "article"}
_SKIP = {"script", "style", "head"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self._text: list[str] = []
        self._start = 1
        self._cells: list[str] | None = None
        self._cell: list[str] | None = None
        self._row_start = 1
        self._skip = 0

    def _flush_text(self) -> None:
        text = "".join(self._text).strip()
        if text:
            self.lines.append(Line(self._start, text))
        self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "tr":
            self._flush_text()
            self._cells, self._row_start = [], self.getpos()[0]
        elif tag in ("td", "th") and self._cells is not None:
            self._cell = []
        elif (tag in _BLOCKS or tag == "br") and self._cell is None:
            self._flush_text()
            self._start = self.getpos()[0]

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cells is not None and self._cell is not None:
            self._cells.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._cells is not None:
            cells = tuple(self._cells)
            if any(cells):
                self.lines.append(Line(self._row_start, " ".join(c for c in cells if c), cells))
            self._cells = None
        elif tag in _BLOCKS and self._cell is None:
            self._flush_text()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._cells is None:
            if not self._text:
                self._start = self.getpos()[0]
            self._text.append(data)


def html_lines(html: str) -> list[Line]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    collector._flush_text()
    return collector.lines

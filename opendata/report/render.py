"""The annual report as a file: HTML (the portal page and print), DOCX (what offices submit) and
PDF (WeasyPrint from the same HTML).

``render(report, fmt)`` is the one entry point. Every output is drawn from ``layout.layout`` and
carries no clock: HTML bytes are identical when built twice from the same report, and DOCX and PDF
take their document dates from the report's own date, so their content is identical too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from opendata.report.layout import DocumentLayout, layout
from opendata.report.model import Report

FORMATS = ("html", "docx", "pdf")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
TEMPLATES = Path(__file__).parent / "templates"


@cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )


@cache
def stylesheet() -> str:
    """The report's A4 stylesheet (also linked by the portal page, scoped under ``.report``)."""
    return (TEMPLATES / "report.css").read_text("utf-8")


def html_fragment(report: Report) -> Markup:
    """The ``<article class="report">`` alone, for embedding in the portal's own layout."""
    return _fragment(layout(report))


def _fragment(doc: DocumentLayout) -> Markup:
    return Markup(_env().get_template("report_body.html").render(doc=doc))


def render_html(report: Report) -> bytes:
    """A standalone HTML document with its stylesheet inline (it prints as an A4 report)."""
    doc = layout(report)
    page = (
        _env()
        .get_template("report_document.html")
        .render(doc=doc, css=Markup(stylesheet()), body=_fragment(doc))
    )
    return page.encode("utf-8")


def render_pdf(report: Report) -> bytes:
    """The HTML document through WeasyPrint (imported here: it loads pango, and the portal page
    and the JSON API should not pay for it)."""
    from weasyprint import HTML

    pdf = HTML(string=render_html(report).decode("utf-8"), base_url=str(TEMPLATES)).write_pdf()
    return bytes(pdf or b"")


def render(report: Report, fmt: str) -> bytes:
    """``report`` as ``fmt``: "html", "docx" or "pdf"."""
    if fmt == "html":
        return render_html(report)
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "docx":
        from opendata.report.render_docx import render_docx

        return render_docx(layout(report), report.year)
    raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")

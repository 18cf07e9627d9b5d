"""The office's own paragraphs of an annual report, read from the folder the operator keeps.

The tables come from the published data; the prose that only the office can write (what it did,
its problems and plans) comes from ``<reports.paragraphs_path>/<year>/<section>.md``, one
Markdown file per section key (``overview.md``, ``problems.md``, …). A section without a file is
marked :data:`MISSING` and never invented: a report must not say what the office did not write.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from opendata.personal_data import find_personal_data

#: What stands in a section the office has not written yet.
MISSING = "（本节内容待填写）"
#: What stands in a section whose file cannot be published as it is (the log says why).
WITHHELD = "（本节内容未能发布，请管理员查看服务器日志）"

#: Files larger than this are refused: a section is a few paragraphs, not a document dump.
MAX_BYTES = 256 * 1024


class ParagraphError(Exception):
    """A paragraph file exists but cannot be used (not UTF-8, too large); names the file."""


@dataclass(frozen=True)
class Paragraph:
    """One section's own text: the Markdown as written, or ``MISSING`` with ``present`` false."""

    section: str
    text: str
    present: bool
    #: The file it came from, relative to the paragraphs folder (``2018/overview.md``).
    file: str | None


def read_paragraph(root: str | Path | None, year: int, section: str) -> Paragraph:
    """The paragraph of ``section`` for ``year``, or ``MISSING`` when there is none."""
    if root is None:
        return Paragraph(section, MISSING, False, None)
    relative = f"{year}/{section}.md"
    path = Path(root) / relative
    if not path.is_file():
        return Paragraph(section, MISSING, False, None)
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise ParagraphError(f"{relative}: {len(data)} bytes, more than {MAX_BYTES} for a section")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParagraphError(
            f"{relative}: not UTF-8 (byte {exc.start}); save it as UTF-8 and build again"
        ) from None
    # NFC and \n line ends: the same words in another editor give the same report bytes.
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        return Paragraph(section, MISSING, False, relative)
    _refuse_personal_data(relative, text)
    return Paragraph(section, text, True, relative)


def _refuse_personal_data(relative: str, text: str) -> None:
    """The office's text is published as written: personal data in it stops the build. An
    office's own phone and mailbox are its public contacts and may stand there."""
    for number, line in enumerate(text.split("\n"), 1):
        kind = find_personal_data(line, contact_allowed=True)
        if kind:
            raise ParagraphError(
                f"{relative}, line {number}: holds a {kind}; personal data may not be "
                "published. Remove it and build again"
            )


def read_paragraphs(
    root: str | Path | None, year: int, sections: tuple[str, ...]
) -> dict[str, Paragraph]:
    """Every section's paragraph for ``year``, keyed by section."""
    return {key: read_paragraph(root, year, key) for key in sections}

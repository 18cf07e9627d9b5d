"""Which text encoding a resource is read with: frictionless 5.21's rules, ported.

frictionless reads the first 100,000 bytes of a file. A declared encoding is taken as declared,
except that a UTF-8 file starting with a byte-order mark is read as ``utf-8-sig`` (so the BOM
does not end up in the first label: Excel and our own ``?bom=1`` downloads write one) and a
UTF-16 file with its mark as ``utf-16``. An undeclared encoding is detected with chardet over that
buffer, falling back to UTF-8 when chardet is unsure and the buffer decodes as UTF-8.
"""

from __future__ import annotations

import codecs
from pathlib import Path

BUFFER_SIZE = 100_000  # frictionless's settings.DEFAULT_BUFFER_SIZE
CONFIDENCE = 0.5  # frictionless's settings.DEFAULT_ENCODING_CONFIDENCE
DEFAULT = "utf-8"

# What a Chinese office's files are when they are not UTF-8; tried in this order when a file
# fails to decode, so the error can name the declaration that fixes it.
CANDIDATES = ("gb18030", "big5")


def detect(buffer: bytes, declared: str | None) -> str:
    """The encoding frictionless reads a file with, given its first ``BUFFER_SIZE`` bytes."""
    encoding = declared
    if not encoding:
        encoding = _chardet(buffer)
    name = codecs.lookup(encoding).name
    if name == "utf-8" and buffer.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if name == "utf-16-be" and buffer.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if name == "utf-16-le" and buffer.startswith(codecs.BOM_UTF16_LE):
        return "utf-16"
    return name


def _chardet(buffer: bytes) -> str:
    # Imported here: chardet is only needed for packages that leave "encoding" out, and ours
    # always declare it.
    import chardet

    detector = chardet.UniversalDetector()
    for line in buffer.splitlines():
        detector.feed(line)
    detector.close()
    encoding = detector.result["encoding"] or DEFAULT
    confidence = detector.result["confidence"] or 0
    if confidence < CONFIDENCE:
        # unsure: UTF-8 if the buffer decodes as UTF-8, else chardet's guess after all
        try:
            buffer.decode(DEFAULT)
            encoding = DEFAULT
        except UnicodeDecodeError:
            pass
    if encoding == "ascii":
        encoding = DEFAULT
    return str(encoding)


def read_buffer(path: Path) -> bytes:
    """The bytes frictionless detects the encoding from."""
    with open(path, "rb") as fh:
        return fh.read(BUFFER_SIZE)


def suggest(path: Path, failed: str) -> str | None:
    """An encoding the whole file decodes with, when ``failed`` did not; None if none does."""
    for candidate in CANDIDATES:
        if codecs.lookup(candidate).name == codecs.lookup(failed).name:
            continue
        decoder = codecs.getincrementaldecoder(candidate)()
        try:
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except (UnicodeDecodeError, OSError):
            continue
        return candidate
    return None

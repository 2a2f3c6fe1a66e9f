"""Readers: a file's bytes in, one `Document` out (see flows/document.py), one reader per format.

The format is recognised from the content (magic bytes, then a look at the text), the file name
only telling Markdown from plain text. Anything that is not a PDF, HTML, Markdown or text file
is rejected with its reason (``UnsupportedFormat``).

``sniff_format`` is cheap and runs while raw/ is scanned; ``read_document`` does the real work
(decoding, parsing a PDF) and runs where documents are processed (a worker process).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from flows.document import (
    BinaryReport,
    Document,
    EmptyReport,
    NotUTF8,
    ReportInfo,
    UnsupportedFormat,
    check_document,
)

TEXT_SUFFIXES = {"": "txt", ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".mdown": "md",
                 ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf"}

# Magic bytes of formats that are not reports we read, and what to do with each.
_NOT_READABLE = (
    (b"PK\x03\x04", "a ZIP container (a Word, Excel or PowerPoint file, or an archive); save the "
                    "report as PDF, HTML or text"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office document; save the report as PDF, HTML or text"),
    (b"{\\rtf", "an RTF document; save the report as PDF, HTML or text"),
    (b"\x89PNG", "a PNG image, which has no text layer; OCR it first"),
    (b"\xff\xd8\xff", "a JPEG image, which has no text layer; OCR it first"),
    (b"GIF8", "a GIF image, which has no text layer; OCR it first"),
    (b"II*\x00", "a TIFF image, which has no text layer; OCR it first"),
    (b"MM\x00*", "a TIFF image, which has no text layer; OCR it first"),
    (b"\x1f\x8b", "a gzip archive; unpack it first"),
)
_BOMS = (  # longest first: a UTF-32 LE BOM starts like a UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HTML_START = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_HTML_TAGS = re.compile(r"<(?:p|div|h[1-6]|table|span|a|br|section|article)\b[^>]*>", re.I)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.M)
_MD_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$", re.M)


@dataclass(frozen=True)
class SourceFile:
    """A file from raw/ as the scan found it: its bytes, their sha256 and its sniffed format."""

    source_path: str
    sha256: str
    data: bytes = field(repr=False)
    format: str
    info: ReportInfo = field(default_factory=ReportInfo)  # what a sidecar or raw/manifest.csv says

    @property
    def document_id(self) -> str:
        return self.sha256[:16]


def decode_text(source_path: str, data: bytes) -> str:
    """Bytes as text: UTF-8 (a BOM dropped), or UTF-16/UTF-32 when a BOM says so.

    Text without a BOM must be UTF-8: it is never decoded with a guessed encoding, so no text
    is silently mis-decoded.
    """
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom):], name
            break
    else:
        nul = data.find(b"\x00")
        if nul != -1:
            raise BinaryReport(source_path, f"binary content (NUL byte at byte {nul:,}); export the "
                                            "report as PDF, HTML, Markdown or UTF-8 text")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        if encoding != "utf-8":
            raise NotUTF8(source_path, f"starts with a {encoding.upper()} byte-order mark but is not "
                                       f"{encoding.upper()} at byte {err.start:,}; re-save the file as UTF-8") from None
        line = data.count(b"\n", 0, err.start) + 1
        raise NotUTF8(source_path, f"not UTF-8 at byte {err.start:,} (line {line}, 0x{data[err.start]:02x}); "
                                   "re-save the file as UTF-8") from None
    if not text.strip():
        raise EmptyReport(source_path, "the file is empty (or only whitespace); add the report text or remove the file")
    return text


def sniff_format(source_path: str, data: bytes) -> str:
    """The format of a file (txt, md, html or pdf), from its content; raise a ReportError if none."""
    if not data.strip(b" \t\r\n\x0b\x0c" + codecs.BOM_UTF8):
        raise EmptyReport(source_path, "the file is empty (or only whitespace); add the report text or remove the file")
    if b"%PDF-" in data[:1024]:
        return "pdf"
    for magic, what in _NOT_READABLE:
        if data.startswith(magic):
            raise UnsupportedFormat(source_path, f"{what}")
    suffix = PurePosixPath(source_path).suffix.lower()
    head = decode_text(source_path, data[:4096] if _starts_with_bom(data) else _utf8_prefix(data))
    if _HTML_START.match(head) or (suffix in (".html", ".htm", ".xhtml") and _HTML_TAGS.search(head)):
        return "html"
    if suffix == ".pdf":
        raise UnsupportedFormat(source_path, "named .pdf but not a PDF (no %PDF- header); the download "
                                             "may have failed: fetch the file again")
    if suffix not in TEXT_SUFFIXES:
        raise UnsupportedFormat(source_path, f"{suffix} files are not reports esg reads; give it a .pdf, "
                                             ".html, .md or .txt name if it is one, or move it out of raw/")
    if TEXT_SUFFIXES[suffix] == "md":
        return "md"
    if len(_MD_HEADING.findall(head)) >= 2 or (_MD_HEADING.search(head) and _MD_TABLE_RULE.search(head)):
        return "md"  # Markdown saved as .txt: its headings and tables are Markdown's
    return "txt"


def _starts_with_bom(data: bytes) -> bool:
    return any(data.startswith(bom) for bom, _ in _BOMS)


def _utf8_prefix(data: bytes, size: int = 4096) -> bytes:
    """The first size bytes, cut back to a whole UTF-8 character."""
    prefix = data[:size]
    if len(data) > size:
        while prefix and (prefix[-1] & 0xC0) == 0x80:
            prefix = prefix[:-1]
        if prefix and prefix[-1] >= 0xC0:
            prefix = prefix[:-1]
    return prefix


def read_document(source: SourceFile) -> Document:
    """The Document of a source file, read by the reader of its format; raise a ReportError if unreadable."""
    if source.format == "pdf":
        from flows.readers.pdf import read_pdf

        doc = read_pdf(source.source_path, source.sha256, source.data)
    else:
        text = decode_text(source.source_path, source.data)
        if source.format == "html":
            from flows.readers.html import read_html

            doc = read_html(source.source_path, source.sha256, text)
        elif source.format == "md":
            from flows.readers.markdown import read_markdown

            doc = read_markdown(source.source_path, source.sha256, text)
        else:
            from flows.readers.text import read_text

            doc = read_text(source.source_path, source.sha256, text)
    check_document(doc)
    return doc

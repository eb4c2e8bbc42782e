"""Loaders for .md, .txt, .html and .pdf: text, title and sections, or a reason to skip."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import DocsError
from .acl import ACL_FILE, split_front_matter

SUPPORTED = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_NOISE = re.compile(r"(\*\*|__|`{1,3}|!\[[^\]]*\]\([^)]*\))")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


@dataclass
class Section:
    heading: str
    text: str


@dataclass
class Document:
    doc_id: str
    title: str
    format: str
    sha256: str
    sections: list[Section] = field(default_factory=list)
    # Markdown front matter's allowed_groups (None: the document names none; ingest/acl.py)
    allowed_groups: tuple[str, ...] | None = None

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.sections)


class SkipDocument(Exception):
    """The file cannot be indexed; the message is the reason shown to the user."""


def doc_id_for(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipDocument(
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save it as UTF-8"
        ) from None


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize()


def sections_from_markdown(text: str, fallback_title: str) -> tuple[str, list[Section]]:
    """Split Markdown-like text at headings. Returns (title, sections)."""
    title = ""
    sections: list[Section] = []
    heading = ""
    buffer: list[str] = []
    in_code = False

    def flush() -> None:
        body = "\n".join(buffer).strip()
        if body:
            sections.append(Section(heading or title or fallback_title, body))
        buffer.clear()

    for raw in text.splitlines():
        if raw.strip().startswith("```"):
            in_code = not in_code
            continue
        match = None if in_code else _HEADING.match(raw)
        if match:
            flush()
            heading = _MD_NOISE.sub("", match.group(2)).strip()
            if len(match.group(1)) == 1 and not title:
                title = heading
            continue
        line = _MD_LINK.sub(r"\1", _BULLET.sub("", raw))
        line = _MD_NOISE.sub("", line)
        if re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", line) and "-" in line:
            continue  # table separator row
        buffer.append(line.strip().strip("|").replace(" | ", "; ").strip())
    flush()
    return title or fallback_title, sections


def _looks_like_heading(paragraph: str) -> bool:
    return (
        "\n" not in paragraph
        and len(paragraph) <= 80
        and not paragraph.rstrip().endswith((".", ":", ";", ",", "?", "!"))
        and len(paragraph.split()) <= 10
    )


def sections_from_plain(text: str, fallback_title: str) -> tuple[str, list[Section]]:
    """Plain text: the first line is the title; short unpunctuated lines start sections."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paragraphs:
        return fallback_title, []
    first_line, _, rest = paragraphs[0].partition("\n")
    title = first_line.strip() if len(first_line.strip()) <= 120 else fallback_title
    if rest.strip():
        paragraphs[0] = rest.strip()
    else:
        paragraphs = paragraphs[1:]
    sections: list[Section] = []
    heading = title
    buffer: list[str] = []
    for paragraph in paragraphs:
        lines = paragraph.splitlines()
        if _looks_like_heading(paragraph):
            if buffer:
                sections.append(Section(heading, "\n".join(buffer)))
                buffer = []
            heading = paragraph.strip()
        elif len(lines) > 1 and _looks_like_heading(lines[0]) and not lines[0].startswith("-"):
            if buffer:
                sections.append(Section(heading, "\n".join(buffer)))
                buffer = []
            heading = lines[0].strip()
            buffer.append("\n".join(lines[1:]))
        else:
            buffer.append(paragraph)
    if buffer:
        sections.append(Section(heading, "\n".join(buffer)))
    return title, sections


def load_markdown(data: bytes, path: Path) -> tuple[str, list[Section]]:
    return sections_from_markdown(_decode(data), _title_from_name(path))


def load_text(data: bytes, path: Path) -> tuple[str, list[Section]]:
    return sections_from_plain(_decode(data), _title_from_name(path))


def load_html(data: bytes, path: Path) -> tuple[str, list[Section]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data), "html.parser")
    html_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["head", "script", "style", "noscript", "template"]):
        tag.decompose()
    for level in range(1, 7):
        for heading in soup.find_all(f"h{level}"):
            text = heading.get_text(" ", strip=True)
            heading.replace_with(soup.new_string(f"\n\n{'#' * max(level, 2)} {text}\n\n"))
    for row in soup.find_all("tr"):
        cells = [c.get_text(" ", strip=True) for c in row.find_all(["td", "th"])]
        row.replace_with(soup.new_string("\n" + "; ".join(c for c in cells if c) + "\n"))
    for block in soup.find_all(["p", "li", "pre", "div", "dt", "dd", "blockquote", "br"]):
        block.insert_after(soup.new_string("\n"))
    text = soup.get_text()
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    title, sections = sections_from_markdown(text, _title_from_name(path))
    return (html_title or title), sections


def load_pdf(data: bytes, path: Path) -> tuple[str, list[Section]]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise SkipDocument("PDF is encrypted; save an unencrypted copy")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except SkipDocument:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise SkipDocument(
            f"unreadable PDF ({type(exc).__name__}: {exc})".splitlines()[0]
        ) from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise SkipDocument("PDF has no text layer (scanned?); run OCR first")
    title, sections = sections_from_plain(text, _title_from_name(path))
    return (str(meta_title).strip() or title), sections


FORMATS = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
LOADERS = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
}


def load_document(path: Path, root: Path) -> Document:
    """Load one file; raise SkipDocument with a reason when it cannot be indexed."""
    suffix = path.suffix.lower()
    if suffix not in LOADERS:
        raise SkipDocument(f"unsupported file type '{suffix or path.name}'")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SkipDocument(f"cannot read file ({exc.strerror})") from None
    if not data.strip():
        raise SkipDocument("empty file")
    allowed = None
    if suffix in (".md", ".markdown"):
        try:
            data, allowed = split_front_matter(data, doc_id_for(path, root))
        except DocsError as exc:
            raise SkipDocument(str(exc)) from None
    title, sections = LOADERS[suffix](data, path)
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise SkipDocument("no text found")
    return Document(
        doc_id=doc_id_for(path, root),
        title=title.strip(),
        format=FORMATS[suffix],
        # The content's hash (front matter left out): a change of permissions alone is not a
        # change of content and re-embeds nothing.
        sha256=hashlib.sha256(data).hexdigest(),
        sections=sections,
        allowed_groups=allowed,
    )


def discover(root: Path) -> list[Path]:
    """All files under ``root`` (hidden files and folders excluded), sorted for stable ids."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
        and p.relative_to(root).as_posix() != ACL_FILE  # permissions, not a document
    )

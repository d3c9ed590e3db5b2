"""Ingest and clean: raw input (text, Markdown, HTML, files, bytes) -> ``Document``.

The document keeps the input byte-for-byte as ``text``. Markup and web boilerplate are
not deleted: their character ranges go to ``Document.dropped`` with a kind, and the
later stages only look at what is left (the *visible*, *kept* text), always through
offsets into the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as _date
from html.parser import HTMLParser
from pathlib import Path

from .config import Config
from .document import Document
from .errors import InputError


@dataclass
class Article:
    """One input article. ``text`` may be str or bytes; or give ``path``."""

    text: str | bytes | None = None
    title: str | None = None
    source: str | None = None  # outlet name; defaults to the file name
    date: str | None = None  # ISO date (YYYY-MM-DD) if known
    path: str | Path | None = None
    language: str | None = None  # force the language instead of detecting it
    # The original (source-language) text when the user has it: enables bilingual
    # evidence in detection. Aligned to this article's sentences by the translate stage.
    source_text: str | None = None

    @classmethod
    def from_file(cls, path: str | Path, **kwargs) -> "Article":
        return cls(path=Path(path), **kwargs)

    def display_name(self, index: int) -> str:
        if self.path:
            return str(self.path)
        return self.title or self.source or f"article {index}"


# --- decoding ----------------------------------------------------------------------

def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Bytes -> (text, encoding). UTF-8 first, then charset detection; binary refused."""
    if not data.strip():
        raise InputError(name, "is empty")
    sample = data[:8192]
    if b"\x00" in sample and not (sample.startswith(b"\xff\xfe") or sample.startswith(b"\xfe\xff")):
        raise InputError(name, "looks like a binary file (it contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(name, "is not valid UTF-8 and its encoding could not be detected")
    text = str(best)
    if _control_ratio(text) > 0.05:
        raise InputError(name, f"looks like a binary file (decoded as {best.encoding} it is mostly control characters)")
    return text, best.encoding


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / min(len(text), 8192)


def load_article(article: Article, doc_id: str, config: Config) -> Document:
    """Read, validate, clean. Raises ``InputError`` naming the input on bad input."""
    name = article.display_name(int(doc_id[1:]) if doc_id[1:].isdigit() else 0)
    encoding = None
    if article.text is None and article.path is None:
        raise InputError(name, "has no text and no file")
    if article.text is None:
        path = Path(article.path)
        if not path.is_file():
            raise InputError(name, "file not found")
        size = path.stat().st_size
        if size > config.max_article_bytes:
            raise InputError(name, f"is too large: {size:,} bytes, the limit is {config.max_article_bytes:,} "
                                   "(setting max_article_bytes)")
        raw: str | bytes = path.read_bytes()
    else:
        raw = article.text
    if isinstance(raw, bytes):
        if len(raw) > config.max_article_bytes:
            raise InputError(name, f"is too large: {len(raw):,} bytes, the limit is {config.max_article_bytes:,} "
                                   "(setting max_article_bytes)")
        text, encoding = decode_bytes(raw, name)
    else:
        text = raw
        if len(text.encode("utf-8", errors="replace")) > config.max_article_bytes:
            raise InputError(name, f"is too large: over {config.max_article_bytes:,} bytes "
                                   "(setting max_article_bytes)")
        if "\x00" in text[:8192] or _control_ratio(text) > 0.05:
            raise InputError(name, "looks like binary data, not text")
    if not text.strip():
        raise InputError(name, "is empty (only whitespace)")

    doc = Document(id=doc_id, text=text, title=article.title,
                   source=article.source or (Path(article.path).name if article.path else None),
                   date=normalise_date(article.date) if article.date else None, language=article.language)
    if encoding and encoding != "utf-8":
        doc.notes.append(f"decoded as {encoding} (not valid UTF-8)")
    if article.date and doc.date is None:
        doc.notes.append(f"date {article.date!r} not understood; expected YYYY-MM-DD")
    clean(doc, source_text=article.source_text)
    if not doc_kept_spans(doc):
        raise InputError(name, "has no article text left after removing markup and boilerplate")
    return doc


# --- visible text: markup removed, offsets kept ----------------------------------------

_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
               "section", "article", "blockquote", "header", "footer", "figcaption", "pre", "hr"}
_SKIP_TAGS = {"script", "style", "noscript", "nav", "aside", "form", "button", "svg", "template", "iframe"}


class _HTMLSpans(HTMLParser):
    """Collects the character ranges of the original HTML that hold visible text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.visible: list[tuple[int, int, str]] = []  # (start, end, visible text)
        self._skip = 0
        self.title: str | None = None
        self._in_title = False
        self.block_breaks: list[int] = []

    def _pos(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip += 1
        if tag == "title":
            self._in_title = True
        if tag in _BLOCK_TAGS:
            self.block_breaks.append(self._pos())

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False
        if tag in _BLOCK_TAGS:
            self.block_breaks.append(self._pos())

    def handle_data(self, data):
        start = self._pos()
        if self._in_title:
            self.title = (self.title or "") + data
            return
        if not self._skip:
            self.visible.append((start, start + len(data), data))

    def handle_entityref(self, name):
        from html import unescape

        start = self._pos()
        raw = f"&{name};"
        if not self._skip and not self._in_title:
            self.visible.append((start, start + len(raw), unescape(raw)))

    def handle_charref(self, name):
        self.handle_entityref("#" + name)


def looks_like_html(text: str) -> bool:
    head = text[:4096].lower()
    return bool(re.search(r"<(html|body|p|div|article|h[1-6]|span|br)\b[^>]*>", head))


@dataclass
class VisibleText:
    """The text later stages read, with ``offsets[i]`` = original offset of char i.

    For plain text it is the original itself (identity map). For HTML, markup is gone
    and entities are decoded; a decoded entity maps all its characters to the entity's
    start.
    """

    text: str
    offsets: list[int] | None = None  # None = identity
    original_length: int = 0

    def to_original(self, i: int) -> int:
        if self.offsets is None:
            return i
        if i >= len(self.offsets):
            return self.original_length
        return self.offsets[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Visible [start, end) -> original [start, end)."""
        if self.offsets is None:
            return start, end
        if end <= start:
            s = self.to_original(start)
            return s, s
        return self.to_original(start), self.ends[end - 1]

    ends: list[int] | None = None  # original end offset of each visible char (HTML only)


def html_visible(text: str) -> tuple[VisibleText, str | None, list[tuple[int, int]]]:
    parser = _HTMLSpans(text)
    parser.feed(text)
    parser.close()
    chars: list[str] = []
    offsets: list[int] = []
    ends: list[int] = []
    breaks = sorted(set(parser.block_breaks))
    bi = 0
    for start, end, data in parser.visible:
        while bi < len(breaks) and breaks[bi] <= start:
            if chars and chars[-1] != "\n":
                chars.append("\n")
                offsets.append(breaks[bi])
                ends.append(breaks[bi])
            bi += 1
        if end - start == len(data):
            for k, ch in enumerate(data):
                # HTML whitespace (including newlines) is not significant
                chars.append(" " if ch in "\r\n\t\f" else ch)
                offsets.append(start + k)
                ends.append(start + k + 1)
        else:  # decoded entity: its characters map to the whole entity
            for ch in data:
                chars.append(ch)
                offsets.append(start)
                ends.append(end)
    # collapse runs of spaces (HTML whitespace is not significant)
    out_chars, out_offsets, out_ends = [], [], []
    for ch, off, end in zip(chars, offsets, ends):
        if ch == " " and out_chars and out_chars[-1] in " \n":
            continue
        if ch == "\n" and out_chars and out_chars[-1] == " ":
            out_chars.pop(), out_offsets.pop(), out_ends.pop()
        out_chars.append(ch)
        out_offsets.append(off)
        out_ends.append(end)
    visible = VisibleText("".join(out_chars), out_offsets, len(text), out_ends)
    # markup ranges = complement of visible source ranges
    covered = sorted((s, e) for s, e, _ in parser.visible)
    markup, pos = [], 0
    for s, e in covered:
        if s > pos:
            markup.append((pos, s))
        pos = max(pos, e)
    if pos < len(text):
        markup.append((pos, len(text)))
    title = parser.title.strip() if parser.title else None
    return visible, title, markup


# --- boilerplate ------------------------------------------------------------------

# Lines that are web furniture, not article text. Checked against a whole stripped line.
_BOILERPLATE_LINE = [
    (re.compile(r"^(loading|please wait)\W*$", re.I), "boilerplate"),
    (re.compile(r"^(read more|also read|see also|related|recommended|watch|listen)\s*[:\-–]", re.I), "boilerplate"),
    (re.compile(r"^source\s*(link|:)", re.I), "boilerplate"),
    (re.compile(r"^leave a (reply|comment)\b", re.I), "boilerplate"),
    (re.compile(r"^your email address will not be published", re.I), "boilerplate"),
    (re.compile(r"^(share|share this|share on \w+|tweet|email|print|subscribe|sign up|follow us)\b.{0,40}$", re.I),
     "boilerplate"),
    (re.compile(r"^(advertisement|sponsored|cookie|accept cookies)\b.{0,40}$", re.I), "boilerplate"),
    (re.compile(r"^(tags?|topics?|filed under|categories)\s*:", re.I), "tags"),
    (re.compile(r"^(photo|image|picture|credit|file photo)\s*[:\-–(].{0,60}$", re.I), "photo credit"),
    (re.compile(r"^\(?(AP|AFP|Reuters|EPA|Getty( Images)?|Shutterstock|dpa|TASS|ANP|Xinhua|Sputnik|RIA Novosti)"
                r"\)?\.?$"), "credit"),
    (re.compile(r"^[\W_]+$"), "punctuation"),
]
_DATE_LINE = re.compile(r"^\s*(date|published|updated|posted)\s*[:\-]?\s*(.+?)\s*$", re.I)
_MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                        "september", "october", "november", "december"], 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_TEXT_DATE = re.compile(r"\b(?:(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})|([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4}))\b")


def normalise_date(value: str) -> str | None:
    """'2022-01-30', '30 January 2022', 'Jan 30, 2022' -> '2022-01-30'; else None."""
    value = value.strip()
    m = _ISO_DATE.search(value)
    try:
        if m:
            return _date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        m = _TEXT_DATE.search(value)
        if m:
            if m.group(1):
                day, month, year = int(m.group(1)), _MONTHS.get(m.group(2).lower()), int(m.group(3))
            else:
                month, day, year = _MONTHS.get(m.group(4).lower()), int(m.group(5)), int(m.group(6))
            if month:
                return _date(year, month, day).isoformat()
    except ValueError:
        return None
    return None


def _is_tag_item(line: str) -> bool:
    """A line of a tag list: short, few words, no sentence punctuation."""
    return 0 < len(line) <= 40 and len(line.split()) <= 4 and not re.search(r"[.!?,;:\"“”]", line)


def _is_nav_line(line: str, is_last_lines: bool) -> bool:
    """Short navigation crumbs at the end of a page ("Route 6", "Home", "Next")."""
    return is_last_lines and len(line) <= 20 and len(line.split()) <= 3 and not re.search(r"[.!?\"“”]", line)


def clean(doc: Document, source_text: str | None = None) -> None:
    """Find markup, boilerplate, title and date; record dropped spans with offsets."""
    text = doc.text
    markup: list[tuple[int, int]] = []
    if looks_like_html(text):
        visible, html_title, markup = html_visible(text)
        doc.title = doc.title or html_title
        doc.notes.append("HTML input: markup removed for analysis (kept in the original text)")
    else:
        visible = VisibleText(text, None, len(text))
    doc._visible = visible  # type: ignore[attr-defined]  # used by segment; not serialised
    for s, e in markup:
        if text[s:e].strip():
            doc.dropped.append([s, e, "markup"])

    vt = visible.text
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", vt)]
    nonblank = [(s, e) for s, e in lines if vt[s:e].strip()]
    kept: list[tuple[int, int]] = []
    in_tags = False
    first_content_seen = False
    for idx, (s, e) in enumerate(nonblank):
        raw = vt[s:e]
        line = raw.strip()
        # trim the span to the stripped line
        ls = s + (len(raw) - len(raw.lstrip()))
        le = ls + len(line)
        kind = None
        if in_tags and _is_tag_item(line):
            kind = "tags"
        else:
            in_tags = False
            for pattern, k in _BOILERPLATE_LINE:
                if pattern.search(line):
                    kind = k
                    break
            if kind == "tags":
                in_tags = True
            if kind is None:
                m = _DATE_LINE.match(line)
                if m and normalise_date(m.group(2)) and len(line) < 60:
                    kind = "date"
                    doc.date = doc.date or normalise_date(m.group(2))
            if kind is None and _is_nav_line(line, idx >= len(nonblank) - 2) and first_content_seen:
                # a short crumb after the article's last sentence
                if all(_is_nav_line(vt[a:b].strip(), True) for a, b in nonblank[idx:]):
                    kind = "navigation"
        if kind:
            os_, oe = visible.span(ls, le)
            doc.dropped.append([os_, oe, kind])
        else:
            kept.append((ls, le))
            first_content_seen = True
    doc.dropped.sort(key=lambda d: d[0])
    doc._kept = kept  # type: ignore[attr-defined]  # visible-text line spans for segment

    # title: first kept line if it reads like a headline (no final period, not too long)
    if kept and doc.title is None:
        s, e = kept[0]
        first = vt[s:e]
        if len(first) <= 160 and not re.search(r"[.!?\"”’]$", first) and len(kept) > 1:
            doc.title = first
    if doc.date is None:
        head = vt[:600]
        for m in _ISO_DATE.finditer(head):
            if normalise_date(m.group(0)):
                doc.date = normalise_date(m.group(0))
                break
        else:
            m = _TEXT_DATE.search(head)
            if m and normalise_date(m.group(0)):
                doc.date = normalise_date(m.group(0))
    if source_text is not None and source_text.strip():
        doc.source_text = source_text


def doc_kept_spans(doc: Document) -> list[tuple[int, int]]:
    return getattr(doc, "_kept", [])


def dropped_text(doc: Document) -> list[tuple[str, str]]:
    """[(kind, text)] of what cleaning dropped (markup excluded), for reports."""
    return [(kind, doc.text[s:e]) for s, e, kind in doc.dropped if kind != "markup"]

"""The body's structure: header, title, numbered parts and sections, paragraphs, closing, signature.

Lines come from `extractors.body_text` (plain printed lines with page, bold and position) or
from plain text (`lines_from_text`, no font or position). Headings are "I. MỤC TIÊU" (a
part: Roman numeral, capitals) and "2. Cải cách thủ tục hành chính" (a section: Arabic
number; set in bold when the document has bold at all, else the next number in turn);
a heading may wrap onto a second line. Paragraphs are joined from their wrapped lines and
across page breaks; a new one starts at a clause marker ("a)", "đ)"), a bullet ("-", "+"),
a first-line indent, a wider gap above the line, or (where the layout says nothing) after
a line that ends a sentence when the next one starts with a capital.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from core.records import BodyLine
from core.text import clean, fold, is_lower_start

VN_LOWER = "a-zàáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
VN_UPPER = "A-ZÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"

_ROMAN = re.compile(r"^(?P<num>[IVXL]{1,6})\s*[.:]\s*(?P<title>\S.*)$")
_ARABIC = re.compile(r"^(?P<num>\d{1,2})\s*\.\s*(?P<title>[^\d\s].*)$")
_SUB = re.compile(r"^(?P<num>\d{1,2}\s*\.\s*\d{1,2})\s*\.?\s+(?P<title>[^\d\s].*)$")
CLAUSE = re.compile(r"^(?P<letter>[a-zđ])\s*\)\s*(?=\S)")
_BULLET = re.compile(r"^(?P<mark>[-–+•*])\s+(?=\S)")
_DOC_TYPES = ("kế hoạch", "quyết định", "chương trình", "đề án", "chỉ thị", "báo cáo", "hướng dẫn", "thông báo")
_TITLE_STOP = re.compile(r"^(Căn cứ|Thực hiện|Nhằm|Để|Triển khai|Theo)\b")
_CONNECTIVE_END = re.compile(r"(?:\b(?:các|và|của|cho|về|với|thuộc|trong|tại|theo|đến|những)|[,;\-–])$")
_SENTENCE_END = re.compile(r"[.:!?…]\)?[\"”]?$")
_ABBR = re.compile(r"^(?P<title>.*\S)\s*\((?P<abbr>[A-ZĐ][A-ZĐ0-9&\- ]{0,15})\)$")
# The plan's closing words, after its last section ("Ủy ban nhân dân tỉnh yêu cầu …").
_CLOSING = re.compile(
    r"^(?:Trên đây là\b|(?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND)\s+(?:tỉnh|huyện|thành phố|thị xã)?[^.;]{0,40}?\b(?:yêu cầu|đề nghị)\b"
    r"|Yêu cầu (?:Thủ trưởng )?các\b|Đề nghị (?:Thủ trưởng )?các\b|(?:Trong )?[Qq]uá trình (?:tổ chức )?(?:triển khai )?thực hiện,? nếu\b)")
_SIGNATURE = re.compile(r"(?:^|\s)(?:TM|KT|TL|TUQ|Q)\s*\.\s*[" + VN_UPPER + r"]")


@dataclass
class Paragraph:
    text: str  # as printed, lines joined with one space (clause marker kept)
    page_start: int
    page_end: int
    marker: str | None = None  # "a)", "đ)", "-", "+"
    clause: str | None = None  # "a", "đ" for a lettered clause
    line_starts: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page)

    @property
    def body(self) -> str:
        """The text without its clause marker or bullet."""
        m = CLAUSE.match(self.text) or _BULLET.match(self.text)
        return self.text[m.end():].strip() if m else self.text

    @property
    def body_offset(self) -> int:
        m = CLAUSE.match(self.text) or _BULLET.match(self.text)
        return m.end() if m else 0

    def page_at(self, offset: int) -> int:
        page = self.page_start
        for off, p in self.line_starts:
            if off > offset:
                break
            page = p
        return page


@dataclass
class ParsedSection:
    seq: int  # 1-based, document order (unique even when a numeral is printed twice)
    kind: str  # preamble | part | section | subsection | closing
    path: str  # "preamble", "I", "I.1", "II.3.2", "closing"
    level: int  # 0 preamble/closing, 1 part, 2 section, 3 subsection
    number: str | None  # as printed ("II", "3", "1.2")
    title: str | None
    page_start: int
    page_end: int
    parent_seq: int | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


@dataclass
class ParsedBody:
    header: list[BodyLine]  # above the title: issuing body, number, place and date
    title: list[BodyLine]  # "KẾ HOẠCH" and the lines under it
    sections: list[ParsedSection]
    tail: list[BodyLine]  # "Nơi nhận:" … and the signature block
    has_bold: bool
    warnings: list[str] = field(default_factory=list)

    def find_part(self, *words: str) -> ParsedSection | None:
        """The first part (else section) whose folded title contains one of `words`."""
        for level in (1, 2):
            for s in self.sections:
                if s.level == level and s.title and any(w in fold(s.title) for w in words):
                    return s
        return None

    def children(self, parent: ParsedSection) -> list[ParsedSection]:
        return [s for s in self.sections if s.parent_seq == parent.seq]


def clause_groups(paragraphs: list[Paragraph]) -> list[tuple[str | None, list[Paragraph]]]:
    """Lettered clauses with the unlettered paragraphs that follow them (a clause's bullets or
    its second paragraph); paragraphs before the first letter stand alone, one group each."""
    out: list[tuple[str | None, list[Paragraph]]] = []
    for p in paragraphs:
        if p.clause is not None or not out or out[-1][0] is None:
            out.append((p.clause, [p]))
        else:
            out[-1][1].append(p)
    return out


def split_abbreviation(title: str) -> tuple[str, str | None]:
    """"Cải cách thủ tục hành chính (TTHC)" → ("Cải cách thủ tục hành chính", "TTHC")."""
    m = _ABBR.match(clean(title))
    if m and not m.group("abbr").strip().isdigit():
        return m.group("title").strip(), m.group("abbr").strip()
    return clean(title), None


def _upper_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def _starts_upper(text: str) -> bool:
    t = text.lstrip("\"“(‘'")
    return bool(t) and (t[0].isupper() or t[0].isdigit())


class _Layout:
    """Per-document measures: text margins and the usual distance between lines."""

    def __init__(self, lines: list[BodyLine]):
        xs0 = [ln.x0 for ln in lines if ln.x0 is not None]
        xs1 = [ln.x1 for ln in lines if ln.x1 is not None]
        self.geo = bool(xs0) and bool(xs1)
        self.left = statistics.median_low(sorted(xs0)[: max(1, len(xs0) // 2)]) if xs0 else None
        self.right = sorted(xs1)[int(len(xs1) * 0.9)] if xs1 else None
        pitches = []
        for a, b in zip(lines, lines[1:]):
            if a.page == b.page and a.baseline is not None and b.baseline is not None:
                d = a.baseline - b.baseline
                if 0 < d < 3 * (a.size or 12):
                    pitches.append(d)
        self.pitch = statistics.median(pitches) if pitches else None
        sizes = [ln.size for ln in lines if ln.size]
        self.size = statistics.median(sizes) if sizes else 12.0

    def indented(self, ln: BodyLine) -> bool:
        return self.geo and ln.x0 is not None and ln.x0 > self.left + max(6.0, 0.5 * self.size)

    def short(self, ln: BodyLine) -> bool:
        """The line stops well before the right margin (the last line of a paragraph)."""
        return self.geo and ln.x1 is not None and ln.x1 < self.right - max(40.0, 3 * self.size)

    def gap_above(self, prev: BodyLine, cur: BodyLine) -> float | None:
        if prev.page != cur.page or prev.baseline is None or cur.baseline is None or not self.pitch:
            return None
        return (prev.baseline - cur.baseline) / self.pitch


def starts_new_paragraph(prev: BodyLine | None, cur: BodyLine, layout: _Layout) -> bool:
    if prev is None or CLAUSE.match(cur.text) or _BULLET.match(cur.text):
        return True
    gap = layout.gap_above(prev, cur)
    if gap is not None and gap > 1.25:
        return True
    if layout.indented(cur) and not layout.indented(prev):
        return True
    ends = bool(_SENTENCE_END.search(prev.text))
    if gap is not None:  # same page, nothing but line spacing: a short sentence-ending line
        return ends and layout.short(prev) and _starts_upper(cur.text)
    if layout.geo and not layout.short(prev):
        return False  # across a page break, a full last line runs on
    return ends and _starts_upper(cur.text)


def _is_doc_type_line(text: str) -> bool:
    return len(text) < 20 and fold(text) in _DOC_TYPES


class _Builder:
    def __init__(self, layout: _Layout, has_bold: bool):
        self.layout = layout
        self.has_bold = has_bold
        self.sections: list[ParsedSection] = []
        self.part: ParsedSection | None = None
        self.section: ParsedSection | None = None
        self.prev_line: BodyLine | None = None

    @property
    def current(self) -> ParsedSection | None:
        return self.sections[-1] if self.sections else None

    def open(self, kind: str, level: int, number: str | None, title: str | None, page: int) -> ParsedSection:
        if kind == "part":
            path, parent = number, None
        elif kind == "section":
            parent = self.part
            path = f"{parent.path}.{number}" if parent else number
        elif kind == "subsection":
            parent = self.section or self.part
            sub = number.split(".")[-1]
            path = f"{parent.path}.{sub}" if parent else number
        else:
            path, parent = kind, None
        sec = ParsedSection(len(self.sections) + 1, kind, path, level, number, title, page, page,
                            parent.seq if parent else None)
        self.sections.append(sec)
        if kind == "part":
            self.part, self.section = sec, None
        elif kind == "section":
            self.section = sec
        self.prev_line = None
        return sec

    def add_line(self, ln: BodyLine) -> None:
        sec = self.current
        if sec is None:
            sec = self.open("preamble", 0, None, None, ln.page)
        paras = sec.paragraphs
        if not paras or starts_new_paragraph(self.prev_line, ln, self.layout):
            m = CLAUSE.match(ln.text)
            b = _BULLET.match(ln.text)
            marker = (ln.text[:m.end()].strip() if m else b.group("mark") if b else None)
            paras.append(Paragraph(ln.text, ln.page, ln.page, marker, m.group("letter") if m else None, [(0, ln.page)]))
        else:
            p = paras[-1]
            joiner = "" if p.text.endswith("-") and is_lower_start(ln.text) and not p.text.endswith(" -") else " "
            p.line_starts.append((len(p.text) + len(joiner), ln.page))
            p.text += joiner + ln.text
            p.page_end = ln.page
        sec.page_end = ln.page
        self.prev_line = ln


# The parts every plan has, for headings whose numeral was lost (OCR) or not printed.
_PART_TITLES = frozenset(fold(t) for t in ("MỤC ĐÍCH, YÊU CẦU", "MỤC ĐÍCH VÀ YÊU CẦU", "MỤC TIÊU",
                                             "NHIỆM VỤ, GIẢI PHÁP", "NHIỆM VỤ VÀ GIẢI PHÁP", "NHIỆM VỤ TRỌNG TÂM",
                                             "TỔ CHỨC THỰC HIỆN", "KINH PHÍ THỰC HIỆN"))
_ROMANS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _heading(ln: BodyLine, has_bold: bool, expected_arabic: int | None) -> tuple[str, str, str] | None:
    """(kind, number, title) when the line is a part or section heading. `has_bold`: numbered
    headings of this document are set in bold (then a plain "2. …" line is not a heading)."""
    text = ln.text
    if CLAUSE.match(text):
        return None
    m = _ROMAN.match(text)
    if m and (_upper_ratio(m.group("title")) >= 0.7 or (has_bold and ln.bold)):
        return "part", m.group("num"), m.group("title")
    # OCR loses or garbles a bold "II." at the margin ("H. MỤC TIÊU"): a known part title, with or
    # without a short unreadable mark before it, is a part; the caller gives it the next numeral.
    bare = re.sub(r"^\S{1,4}\s*[.:]\s*", "", text)
    for candidate in (text, bare):
        if _upper_ratio(candidate) >= 0.9 and fold(candidate) in _PART_TITLES:
            return "part", "", candidate
    m = _SUB.match(text)
    if m and (ln.bold if has_bold else len(text) < 160):
        return "subsection", re.sub(r"\s+", "", m.group("num")), m.group("title")
    m = _ARABIC.match(text)
    if m:
        n = int(m.group("num"))
        if has_bold:
            ok = bool(ln.bold)
        else:
            ok = (expected_arabic is None or n == expected_arabic or n == 1) and len(m.group("title")) < 160
        if ok:
            return "section", m.group("num"), m.group("title")
    return None


def _continues_heading(title: str, prev: BodyLine, nxt: BodyLine, layout: _Layout, has_bold: bool) -> bool:
    if CLAUSE.match(nxt.text) or _BULLET.match(nxt.text) or _ROMAN.match(nxt.text) or _ARABIC.match(nxt.text):
        return False
    if has_bold and prev.bold:
        return bool(nxt.bold) and nxt.page == prev.page
    if not is_lower_start(nxt.text):
        return False
    return bool(_CONNECTIVE_END.search(title)) or (layout.geo and not layout.short(prev))


def parse_body(lines: list[BodyLine]) -> ParsedBody:
    lines = [ln for ln in lines if ln.text]
    bolds = [ln.bold for ln in lines if ln.bold is not None]
    has_bold = any(bolds) and not all(bolds)
    layout = _Layout(lines)
    warnings: list[str] = []
    # Numbered headings are bold in this document (else they are told by their numbering alone).
    bold_numbers = has_bold and any(ln.bold for ln in lines if _ARABIC.match(ln.text) or _SUB.match(ln.text))

    # The title: "KẾ HOẠCH" and the lines under it; above it, the header block.
    t0 = next((i for i, ln in enumerate(lines[:40]) if _is_doc_type_line(ln.text)), None)
    header, title = ([], []) if t0 is None else (lines[:t0], [lines[t0]])
    i = 0 if t0 is None else t0 + 1
    if t0 is not None:
        while i < len(lines) and len(title) < 4:
            ln = lines[i]
            if _TITLE_STOP.match(ln.text) or _ROMAN.match(ln.text) or CLAUSE.match(ln.text):
                break
            if has_bold and not ln.bold:
                break
            title.append(ln)
            i += 1
            if not has_bold and len(title) >= 2 and _SENTENCE_END.search(ln.text) is None and layout.short(ln):
                break
    else:
        warnings.append("no title line (KẾ HOẠCH) found on the first page")

    # The tail: "Nơi nhận:" and the signature block (from the first of them).
    end = len(lines)
    for j in range(i, len(lines)):
        head = lines[j].text[:3].lower()
        recipients = head in ("nơi", "noi") and fold(lines[j].text).startswith(("nơi nhận", "noi nhan"))
        if recipients or (j > i and _SIGNATURE.search(lines[j].text) and _upper_ratio(lines[j].text) > 0.6):
            end = j
            break
    tail = lines[end:]

    b = _Builder(layout, has_bold)
    expected: int | None = None
    seen_parts: dict[str, int] = {}
    k = i
    while k < end:
        ln = lines[k]
        h = _heading(ln, bold_numbers, expected)
        if h is None:
            b.add_line(ln)
            k += 1
            continue
        kind, num, htitle = h
        if kind == "part" and not num:  # unnumbered known part: the numeral that would come next
            num = _ROMANS[min(len(seen_parts), len(_ROMANS) - 1)]
        last = ln
        while k + 1 < end and _continues_heading(htitle, last, lines[k + 1], layout, has_bold):
            k += 1
            last = lines[k]
            htitle = f"{htitle} {last.text}"
        level = {"part": 1, "section": 2, "subsection": 3}[kind]
        sec = b.open(kind, level, num, clean(htitle), ln.page)
        sec.page_end = last.page
        if kind == "part":
            if num in seen_parts:
                warnings.append(f"part numeral {num} printed twice (sections {seen_parts[num]} and {sec.seq}, "
                                f"\"{sec.title}\"); paths repeat, seq tells them apart")
            seen_parts[num] = sec.seq
            expected = 1
        elif kind == "section":
            expected = int(num) + 1
        k += 1

    # The closing words after the last section ("Ủy ban nhân dân tỉnh yêu cầu …").
    sections = b.sections
    if sections and sections[-1].kind != "preamble":
        last = sections[-1]
        for pi, p in enumerate(last.paragraphs):
            if pi > 0 and p.marker is None and _CLOSING.match(p.text):
                closing = ParsedSection(len(sections) + 1, "closing", "closing", 0, None, None,
                                        p.page_start, last.paragraphs[-1].page_end, None, last.paragraphs[pi:])
                last.paragraphs = last.paragraphs[:pi]
                last.page_end = last.paragraphs[-1].page_end if last.paragraphs else last.page_start
                sections.append(closing)
                break
    return ParsedBody(header, title, sections, tail, has_bold, warnings)

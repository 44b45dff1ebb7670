"""The body's structure: header, title, numbered parts and sections, paragraphs, closing, signature.

Lines come from `extractors.body_text` (plain printed lines with page, bold and position) or
from plain text (`lines_from_text`, no font or position). Headings are "I. MỤC TIÊU" (a
part: Roman numeral, capitals) and "2. Cải cách thủ tục hành chính" (a section: Arabic
number; set in bold when the document has bold at all, else the next number in turn);
a heading may wrap onto a second line. Paragraphs are joined from their wrapped lines and
across page breaks; a new one starts at a clause marker ("a)", "đ)"), a bullet ("-", "+"),
a first-line indent, a wider gap above the line, or (where the layout says nothing) after
a line that ends a sentence when the next one starts with a capital.

The title is the type line ("KẾ HOẠCH", "QUYẾT ĐỊNH", "CHƯƠNG TRÌNH HÀNH ĐỘNG", …) and the lines
under it; a Công văn has none, its subject ("V/v …") stands under its number. A Quyết định or
Nghị quyết has articles ("Điều 1. Ban hành kèm theo …") and, after its signature, the plan it
issues: that plan's header, title and note "(Ban hành kèm theo …)" are kept apart
(`attached_header`, `attached_title`) and its parts follow the articles. Page numbers (a lone
number at the top of pages from page 2) are left out of the text.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from core.numbering import roman_value
from core.records import BodyLine
from core.text import clean, fold, is_lower_start, join_line_end_hyphens

VN_LOWER = "a-zàáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
VN_UPPER = "A-ZÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"

_ROMAN = re.compile(r"^(?P<num>[IVXL]{1,6})\s*[.:]\s*(?P<title>\S.*)$")
_ARABIC = re.compile(r"^(?P<num>\d{1,2})\s*\.\s*(?P<title>[^\d\s].*)$")
_SUB = re.compile(r"^(?P<num>\d{1,2}\s*\.\s*\d{1,2})\s*\.?\s+(?P<title>[^\d\s].*)$")
CLAUSE = re.compile(r"^(?P<letter>[a-zđ])\s*\)\s*(?=\S)")
_BULLET = re.compile(r"^(?P<mark>[-–+•*])\s+(?=\S)")
# Type lines of the documents that carry task tables (and of the plans they issue).
_DOC_TYPES = ("kế hoạch", "quyết định", "chương trình", "chương trình hành động", "đề án", "chỉ thị", "báo cáo",
              "hướng dẫn", "thông báo", "nghị quyết", "công văn", "kết luận", "quy chế", "quy định")
_TITLE_STOP = re.compile(r"^(Căn cứ|Thực hiện|Nhằm|Để|Triển khai|Theo|Kính gửi)\b")
_SUBJECT = re.compile(r"^(?:V/v|V/V|v/v|Về việc|VỀ VIỆC)\b")  # a Công văn's subject under its number
_KINH_GUI = re.compile(r"^K[íi]nh\s+g[ửu]i\b", re.IGNORECASE)
_ARTICLE = re.compile(r"^Điều\s+(?P<num>\d{1,2})\s*[.:]\s*(?P<rest>.*)$")
# Page numbers (Decree 30/2020: centred in the top margin from page 2), "- 2 -", "Trang 2".
_PAGE_NUMBER = re.compile(r"^(?:[-–]\s*)?(?:(?i:trang)\s+)?(?P<n>\d{1,3})(?:\s*[-–])?(?:\s*/\s*\d{1,3})?$")
_HEADER_LIKE = re.compile(r"C[ỘO]NG\s*H[ÒÓO]A|Đ[ộo]c\s*l[ậa]p|Đ[ẢA]NG\s+C[ỘO]NG\s+S[ẢA]N|^S[ốo]\s*[:.]|,\s*ngày\b|^[-_*=\s]+$",
                          re.IGNORECASE)
_CONNECTIVE_END = re.compile(r"(?:\b(?:các|và|của|cho|về|với|thuộc|trong|tại|theo|đến|những)|[,;\-–])$")
_SENTENCE_END = re.compile(r"[.:!?…]\)?[\"”]?$")
_ABBR = re.compile(r"^(?P<title>.*\S)\s*\((?P<abbr>[A-ZĐ][A-ZĐ0-9&\- ]{0,15})\)$")
# The plan's closing words, after its last section ("Ủy ban nhân dân tỉnh yêu cầu …").
_CLOSING = re.compile(
    r"^(?:Trên đây là\b|(?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND)\s+(?:tỉnh|huyện|thành phố|thị xã)?[^.;]{0,40}?\b(?:yêu cầu|đề nghị)\b"
    r"|Yêu cầu (?:Thủ trưởng )?các\b|Đề nghị (?:Thủ trưởng )?các\b|(?:Trong )?[Qq]uá trình (?:tổ chức )?(?:triển khai )?thực hiện,? nếu\b)")
_SIGNATURE = re.compile(r"(?:^|\s)(?:(?:TM|KT|TL|TUQ|Q)\s*\.|T/M|T/L|K/T)\s*[" + VN_UPPER + r"]")


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
    kind: str  # preamble | article | attachment | part | section | subsection | closing
    path: str  # "preamble", "Điều 1", "attachment", "I", "I.1", "II.3.2", "closing"
    level: int  # 0 preamble/attachment/closing, 1 part or article, 2 section, 3 subsection
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
    attached_header: list[BodyLine] = field(default_factory=list)  # the issued plan's own header block
    attached_title: list[BodyLine] = field(default_factory=list)  # its type line, title and "(Ban hành kèm theo …)"
    page_numbers: list[BodyLine] = field(default_factory=list)  # page-number lines left out of the text

    def find_part(self, *words: str) -> ParsedSection | None:
        """The first part (else section) whose folded title contains one of `words`; failing that,
        one whose title contains them with a mark or two misread (OCR: "MỤC TIỂU")."""
        def near(w: str, title: str) -> bool:
            return len(w) >= 6 and fuzz.partial_ratio(w, title) >= 85

        for test in (str.__contains__, lambda title, w: near(w, title)):
            for level in (1, 2):
                for s in self.sections:
                    if s.level == level and s.title and any(test(fold(s.title), w) for w in words):
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
        return (self.geo and ln.x0 is not None and self.left is not None
                and ln.x0 > self.left + max(6.0, 0.5 * self.size))

    def short(self, ln: BodyLine) -> bool:
        """The line stops well before the right margin (the last line of a paragraph)."""
        return (self.geo and ln.x1 is not None and self.right is not None
                and ln.x1 < self.right - max(40.0, 3 * self.size))

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
    return len(text) < 40 and fold(text) in _DOC_TYPES


def drop_page_numbers(lines: list[BodyLine]) -> tuple[list[BodyLine], list[BodyLine]]:
    """(lines without page numbers, the page-number lines). A page number is a lone number (or
    "- 2 -", "Trang 2") that is the first or last line of a page after the first, or the topmost
    line by position; it is never content."""
    by_page: dict[int, list[int]] = {}
    for i, ln in enumerate(lines):
        by_page.setdefault(ln.page, []).append(i)
    drop: set[int] = set()
    first_page = min(by_page) if by_page else 1
    for page, idx in by_page.items():
        if page == first_page:
            continue
        ends = {idx[0], idx[-1]}
        with_base = [i for i in idx if lines[i].baseline is not None]
        if with_base:
            ends.add(max(with_base, key=lambda i: lines[i].baseline or 0.0))
        for i in ends:
            m = _PAGE_NUMBER.match(lines[i].text)
            if m and 1 <= int(m.group("n")) <= page + 50:
                drop.add(i)
    return [ln for i, ln in enumerate(lines) if i not in drop], [lines[i] for i in sorted(drop)]


def _title_end(lines: list[BodyLine], i: int, has_bold: bool, layout: _Layout) -> int:
    """Index after the title lines that start at `i` (the type line already taken)."""
    n = 1
    prev_upper = True
    while i < len(lines) and n < 4:
        ln = lines[i]
        if _TITLE_STOP.match(ln.text) or _ROMAN.match(ln.text) or CLAUSE.match(ln.text) or ln.text.startswith("("):
            break
        if has_bold and not ln.bold:
            break
        upper = _upper_ratio(ln.text) > 0.9
        if upper and not prev_upper:  # "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …" after a sentence-case title
            break
        prev_upper = upper
        n += 1
        i += 1
        if not has_bold and n >= 2 and _SENTENCE_END.search(ln.text) is None and layout.short(ln):
            break
    return i


def _subject_block(lines: list[BodyLine], s: int, layout: _Layout) -> tuple[list[int], int]:
    """A Công văn's "V/v …" lines from `s` (the subject may wrap) and the index where its body
    starts (after the rest of the header block, which may be read after the subject)."""
    subj = [s]
    left_x1 = lines[s].x1
    j = s + 1
    while j < len(lines) and len(subj) < 4:
        ln = lines[j]
        if _HEADER_LIKE.search(ln.text) or _KINH_GUI.match(ln.text) or _TITLE_STOP.match(ln.text):
            break
        if layout.geo and ln.x0 is not None and left_x1 is not None and lines[s].x0 is not None \
                and ln.x0 > left_x1:  # a line of the right-hand column
            break
        subj.append(j)
        j += 1
    end = j
    while end < min(len(lines), j + 6) and (_HEADER_LIKE.search(lines[end].text) or _upper_ratio(lines[end].text) > 0.9
                                            and len(lines[end].text) < 60):
        end += 1
    return subj, end


def _tail_start(lines: list[BodyLine], i: int, stop: int) -> int:
    """Index of "Nơi nhận:" or the signature block ("TM. ỦY BAN NHÂN DÂN") in lines[i:stop]; `stop` if none."""
    for j in range(i, stop):
        head = lines[j].text[:3].lower()
        recipients = head in ("nơi", "noi") and fold(lines[j].text).startswith(("nơi nhận", "noi nhan"))
        if recipients or (j > i and _SIGNATURE.search(lines[j].text) and _upper_ratio(lines[j].text) > 0.6):
            return j
    return stop


def _attachment_start(lines: list[BodyLine], after: int) -> int | None:
    """The type line of a document attached to the one that ends at `after` ("KẾ HOẠCH" / … /
    "(Ban hành kèm theo Quyết định số …)"), or None."""
    for j in range(after + 1, len(lines)):
        if _is_doc_type_line(lines[j].text):
            if any("kèm theo" in fold(ln.text) for ln in lines[j + 1:j + 8]):
                return j
            if any(_ROMAN.match(ln.text) for ln in lines[j + 1:j + 10]):
                return j
    return None


def _attached_header_start(lines: list[BodyLine], a0: int, floor: int) -> int:
    """Walk back from the attached type line over its own header block (issuer, motto, number, date)."""
    k = a0
    while k - 1 > floor:
        t = lines[k - 1].text
        if _HEADER_LIKE.search(t) or (_upper_ratio(t) > 0.9 and not _SIGNATURE.search(t) and len(t) < 60
                                      and not re.search(r"CHỦ TỊCH|GIÁM ĐỐC|BỘ TRƯỞNG|THỦ TƯỚNG|BÍ THƯ|TRƯỞNG", t)):
            k -= 1
            continue
        break
    return k


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
        parent: ParsedSection | None
        path: str
        if kind == "part":
            path, parent = number or "", None
        elif kind == "section":
            parent = self.part
            path = f"{parent.path}.{number}" if parent else number or ""
        elif kind == "subsection":
            parent = self.section or self.part
            sub = (number or "").split(".")[-1]
            path = f"{parent.path}.{sub}" if parent else number or ""
        elif kind == "article":
            path, parent = f"Điều {number}", None
        elif kind == "attachment":  # the text of an issued plan before its first part
            path, parent = "attachment", None
        else:
            path, parent = kind, None
        sec = ParsedSection(len(self.sections) + 1, kind, path, level, number, title, page, page,
                            parent.seq if parent else None)
        self.sections.append(sec)
        if kind == "part":
            self.part, self.section = sec, None
        elif kind in ("article", "attachment"):
            self.part, self.section = None, None
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
            # "QĐ-" | "UBND", "18-" | "NQ/TW": a hyphen inside a token (Vietnamese has no word hyphenation)
            joiner = "" if join_line_end_hyphens(f"{p.text}\n{ln.text}") == p.text + ln.text else " "
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
# A Roman numeral as OCR garbles it: strokes read as H (two I's whose serifs touch), l, 1, | or !;
# at least one letter, so "1." (an Arabic section number) is not taken for one.
_ROMAN_GARBLED = re.compile(r"^(?P<num>(?=[^.:,\s]*[IVXHL])[IVXLHil1|!]{1,5})\s*[.:,]\s*(?P<title>\S.*)$")


def _is_part_title(text: str) -> bool:
    """One of the usual part titles, allowing one or two wrong marks (an OCR reading)."""
    folded = fold(text)
    return folded in _PART_TITLES or (len(folded) >= 6 and process.extractOne(
        folded, _PART_TITLES, scorer=fuzz.ratio, score_cutoff=85) is not None)


def _heading(ln: BodyLine, has_bold: bool, expected_arabic: int | None) -> tuple[str, str, str] | None:
    """(kind, number, title) when the line is a part or section heading. `has_bold`: numbered
    headings of this document are set in bold (then a plain "2. …" line is not a heading)."""
    text = ln.text
    if CLAUSE.match(text):
        return None
    m = _ROMAN.match(text)
    if m and (_upper_ratio(m.group("title")) >= 0.7 or (has_bold and ln.bold)):
        # "IL." is strokes misread, not a numeral: the sequence gives the number (caller)
        return "part", m.group("num") if roman_value(m.group("num")) else "", m.group("title")
    # OCR loses or garbles a bold "II." at the margin ("H. MỤC TIÊU", "IL.MỤC ĐÍCH"): a known part
    # title (read with a mark wrong: "MỤC TIỂU"), with or without a short unreadable mark before it,
    # or a title in capitals after a token of Roman-numeral strokes, is a part; the caller gives it
    # the next numeral of the sequence (the garbled one is not trusted).
    bare = re.sub(r"^\S{1,4}\s*[.:]\s*", "", text)
    for candidate in (bare, text):
        if _upper_ratio(candidate) >= 0.9 and _is_part_title(candidate):
            return "part", "", candidate
    m = _ROMAN_GARBLED.match(text)
    if m and ln.bold is None and _upper_ratio(m.group("title")) >= 0.9 and len(m.group("title")) >= 6:
        return "part", "", m.group("title")
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


def _parse_sections(b: _Builder, lines: list[BodyLine], start: int, end: int, bold_numbers: bool,
                    warnings: list[str]) -> None:
    expected: int | None = None
    seen_parts: dict[str, int] = {}
    k = start
    while k < end:
        ln = lines[k]
        art = _ARTICLE.match(ln.text)
        if art:  # "Điều 1. Ban hành kèm theo Quyết định này …": an article of the issuing document
            b.open("article", 1, art.group("num"), None, ln.page)
            rest = art.group("rest").strip()
            if rest:
                b.add_line(BodyLine(ln.page, rest, ln.bold, ln.x0, ln.x1, ln.baseline, ln.size))
            expected = None
            k += 1
            continue
        h = _heading(ln, bold_numbers, expected)
        if h is None:
            b.add_line(ln)
            k += 1
            continue
        kind, num, htitle = h
        if kind == "part" and not num:  # unnumbered known part: the numeral that would come next
            num = _ROMANS[min(len(seen_parts), len(_ROMANS) - 1)]
        last = ln
        while k + 1 < end and _continues_heading(htitle, last, lines[k + 1], b.layout, b.has_bold):
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


def _split_closing(sections: list[ParsedSection]) -> None:
    """The closing words after the last section ("Ủy ban nhân dân tỉnh yêu cầu …")."""
    if sections and sections[-1].kind not in ("preamble", "article"):
        last = sections[-1]
        for pi, p in enumerate(last.paragraphs):
            if pi > 0 and p.marker is None and _CLOSING.match(p.text):
                closing = ParsedSection(len(sections) + 1, "closing", "closing", 0, None, None,
                                        p.page_start, last.paragraphs[-1].page_end, None, last.paragraphs[pi:])
                last.paragraphs = last.paragraphs[:pi]
                last.page_end = last.paragraphs[-1].page_end if last.paragraphs else last.page_start
                sections.append(closing)
                break


def parse_body(lines: list[BodyLine]) -> ParsedBody:
    lines, page_numbers = drop_page_numbers([ln for ln in lines if ln.text])
    bolds = [ln.bold for ln in lines if ln.bold is not None]
    has_bold = any(bolds) and not all(bolds)
    layout = _Layout(lines)
    warnings: list[str] = []
    # Numbered headings are bold in this document (else they are told by their numbering alone).
    bold_numbers = has_bold and any(ln.bold for ln in lines if _ARABIC.match(ln.text) or _SUB.match(ln.text))

    # The title: "KẾ HOẠCH" (any type line) and the lines under it; above it, the header block.
    # A Công văn has no type line: its subject ("V/v …") stands in the header's left column.
    t0 = next((i for i, ln in enumerate(lines[:40]) if _is_doc_type_line(ln.text)), None)
    s0 = next((i for i, ln in enumerate(lines[:25]) if _SUBJECT.match(ln.text)), None)
    if s0 is not None and (t0 is None or s0 < t0):
        subj, i = _subject_block(lines, s0, layout)
        title = [lines[j] for j in subj]
        header = [ln for j, ln in enumerate(lines[:i]) if j not in subj]
    elif t0 is not None:
        header = lines[:t0]
        i = _title_end(lines, t0 + 1, has_bold, layout)
        title = lines[t0:i]
    else:
        header, title, i = [], [], 0
        warnings.append("no document type line (KẾ HOẠCH, QUYẾT ĐỊNH, …) or subject (V/v) found on the first page")

    # The tail: "Nơi nhận:" and the signature block (from the first of them). A Quyết định or Nghị
    # quyết may go on with the plan it issues, on its own pages: its header, title and note
    # "(Ban hành kèm theo …)", then its parts.
    end = _tail_start(lines, i, len(lines))
    a0 = _attachment_start(lines, end) if end < len(lines) else None
    attached_header: list[BodyLine] = []
    attached_title: list[BodyLine] = []
    b = _Builder(layout, has_bold)
    if a0 is None:
        tail = lines[end:]
        _parse_sections(b, lines, i, end, bold_numbers, warnings)
    else:
        h0 = _attached_header_start(lines, a0, end)
        tail = lines[end:h0]
        attached_header = lines[h0:a0]
        k = _title_end(lines, a0 + 1, has_bold, layout)
        if k < len(lines) and lines[k].text.startswith("("):  # "(Ban hành kèm theo …)", may wrap
            while k < min(len(lines), a0 + 10):
                k += 1
                if lines[k - 1].text.rstrip().endswith(")"):
                    break
        attached_title = lines[a0:k]
        a_end = _tail_start(lines, k, len(lines))
        _parse_sections(b, lines, i, end, bold_numbers, warnings)
        if k < a_end and _heading(lines[k], bold_numbers, None) is None:  # text before the plan's first part
            b.open("attachment", 0, None, None, lines[k].page)
        _parse_sections(b, lines, k, a_end, bold_numbers, warnings)
        tail = tail + lines[a_end:]
    _split_closing(b.sections)
    return ParsedBody(header, title, b.sections, tail, has_bold, warnings, attached_header, attached_title,
                      page_numbers)

"""What the body says about the document itself (`DocumentMeta`): its type, number, date and place
of issue, who issued it (and the body printed above the issuer), its title, the plan it issues,
the plan's year and province, the signer and the recipients.

Documents that carry task tables come in several types (Decree 30/2020/NĐ-CP; Party documents
follow Hướng dẫn 36-HD/VPTW): a Kế hoạch; a Quyết định or Nghị quyết that issues a plan or
programme attached to it ("Điều 1. Ban hành kèm theo Quyết định này Kế hoạch …"); a Chỉ thị; a
Công văn with a Phụ lục (no type line: its subject "V/v …" stands under the number); a Chương
trình; a Thông báo or Báo cáo. The type comes from the symbol ("196/KH-UBND" → KH, "402-CV/VPĐU"
→ CV), else from the type line. The issuer is read from the header's left column, which may
print a parent body above it ("UBND TỈNH X / SỞ Y", "ĐẢNG BỘ TỈNH X / TỈNH ỦY").

Signed documents often carry their number and date as values stamped at signing, separate text
objects drawn over the blanks that the Word text leaves ("Số:    /KH-UBND", "ngày   tháng   năm"):
`stamped_values` reads them from the page's text objects (`core.records.TextRun`), and the
metadata records where each value came from (`number_source`, `date_source`).

`plan_identity` folds (issuer, number, date, title) into a key that stays the same when the same
plan arrives renamed or scanned.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from core.records import TextRun
from core.text import clean, fold
from normalizers.dates import DATE, parse_date
from normalizers.references import TYPE_CODES, find_citations, symbol_parts

_UP = "A-ZĐÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĨŨƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"
_LO = "a-zàáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"

# ---- document types ----------------------------------------------------------------------
# The type line under the header, as printed (folded) → the type's name. Longest first.
DOC_TYPE_LINES = {
    "chương trình hành động": "Chương trình hành động", "kế hoạch": "Kế hoạch", "quyết định": "Quyết định",
    "nghị quyết": "Nghị quyết", "chỉ thị": "Chỉ thị", "chương trình": "Chương trình", "thông báo": "Thông báo",
    "báo cáo": "Báo cáo", "đề án": "Đề án", "hướng dẫn": "Hướng dẫn", "kết luận": "Kết luận",
    "công văn": "Công văn", "quy chế": "Quy chế", "quy định": "Quy định", "tờ trình": "Tờ trình",
    "công điện": "Công điện",
}
# Types that issue another document attached to them ("Ban hành kèm theo Quyết định này Kế hoạch …").
ISSUING_TYPES = ("Quyết định", "Nghị quyết", "Chỉ thị")
_ISSUED = re.compile(
    r"(?i:ban\s+hành)\s+(?:(?i:kèm\s+theo)\s+(?:(?i:quyết\s+định|nghị\s+quyết|chỉ\s+thị))\s+(?i:này)\s+)?"
    r"(?P<type>(?i:chương\s+trình\s+hành\s+động|chương\s+trình|kế\s+hoạch|đề\s+án|quy\s+chế|quy\s+định))"
    r"\b(?P<rest>[^.;]*)")
_SUBJECT = re.compile(r"^(?:V/v|V/V|v/v|Về\s+việc|VỀ\s+VIỆC)\b[:.]?\s*", re.IGNORECASE)

# ---- the number --------------------------------------------------------------------------
_SYM_TOKEN = rf"[{_UP}][A-Za-z{_UP}đ0-9]*"
# "Số: 196/KH-UBND", "Số:196/KH-UBND", "So: 196 /KH - UBND", "Số 12/2021/QĐ-UBND", "Số: 06-KH/TU"
_NUMBER = re.compile(
    rf"\bS[ốôóoỐÔÓO]\s*[:;.]?\s*(?P<num>\d{{1,5}})\s*(?:/\s*(?P<year>(?:19|20)\d{{2}})\s*)?(?P<sep>[/\-–])\s*"
    rf"(?P<sym>{_SYM_TOKEN}(?:\s*[-–/]\s*{_SYM_TOKEN})*)")
# The number left blank for the stamp: "Số:      /KH-UBND", "Số:   -CV/VPĐU", "Số:    /2024/QĐ-UBND"
_BLANK_NUMBER = re.compile(
    rf"\bS[ốôóoỐÔÓO]\s*[:;.]?\s*(?:[._…]*\s*)(?P<year>/\s*(?:19|20)\d{{2}}\s*)?(?P<sep>[/\-–])\s*"
    rf"(?P<sym>{_SYM_TOKEN}(?:\s*[-–/]\s*{_SYM_TOKEN})*)")
# "Số:" alone, or before a blank, digits or the symbol ("Số hóa …" in a paragraph is not a label)
_NUMBER_LABEL = re.compile(r"^\s*S[ốôóoỐÔÓO]\s*(?:[:;.]|(?=\s*(?:[._…]+|\d|[/\-–]|$)))", re.IGNORECASE)

# ---- the header block ---------------------------------------------------------------------
_MOTTO = (re.compile(r"C[ỘO]NG\s*H[ÒÓOỎ]A\s+X[ÃA]\s+H[ỘO]I\s+CH[ỦU]\s+NGH[ĨI]A\s+VI[ỆE]T\s+NAM", re.IGNORECASE),
          re.compile(r"Đ[ộo]c\s*l[ậa]p\s*[-–]\s*T[ựu]\s*do\s*[-–]\s*H[ạa]nh\s*ph[úu]c", re.IGNORECASE),
          re.compile(r"Đ[ẢA]NG\s+C[ỘO]NG\s+S[ẢA]N\s+VI[ỆE]T\s+NAM", re.IGNORECASE),  # Party documents
          re.compile(r"[-_=~*]{3,}\s*(?:o+\s*[-_=~*]{3,})?"), re.compile(r"(?:^|\s)\*(?:\s|$)"))
_PLACE = rf"(?P<place>(?:Thành phố\s+|TP\.\s*)?[{_UP}][{_LO}]+(?:\s+[{_UP}][{_LO}]+){{0,3}})"  # "Thành phố Hồ Chí Minh"
_PLACE_DATE = re.compile(rf"(?<!\w){_PLACE}\s*,\s*" + DATE)
# A place and a date line whose date is blank: "Hưng Yên, ngày    tháng    năm 2021"
_PLACE_BLANK_DATE = re.compile(rf"(?<!\w){_PLACE}\s*,\s*(?i:ngày)\b")
_DATE_LINE = re.compile(r"(?i:ngày)\s*(?P<d>\d{1,2})?\s*[._…]*\s*(?:/|(?i:tháng))\s*(?P<m>\d{1,2})?\s*[._…]*\s*"
                        r"(?:/|(?i:năm))\s*(?P<y>(?:19|20)\d{2})?")

# Organisation heads (folded), longest first; `level` heads take a level word and a place after them.
_HEADS_LEVEL = ("ủy ban nhân dân", "uỷ ban nhân dân", "uy ban nhân dân", "ubnd", "hội đồng nhân dân", "hđnd",
                "ủy ban mặt trận tổ quốc việt nam", "ủy ban mttq việt nam", "đảng bộ")
_HEADS = ("thủ tướng chính phủ", "văn phòng chính phủ", "chính phủ", "ủy ban thường vụ quốc hội", "quốc hội",
          "ban chấp hành trung ương", "ban chấp hành đảng bộ", "ban chấp hành", "bộ chính trị", "ban bí thư",
          "ban thường vụ", "ban cán sự đảng", "đảng đoàn", "đảng ủy", "đảng uỷ", "tỉnh ủy", "tỉnh uỷ", "thành ủy",
          "thành uỷ", "huyện ủy", "huyện uỷ", "quận ủy", "quận uỷ", "thị ủy", "thị uỷ", "chi bộ",
          "ủy ban kiểm tra", "văn phòng", "bộ", "sở", "kho bạc nhà nước", "ngân hàng nhà nước", "bộ chỉ huy quân sự")
# Heads that are also common words inside names ("MÔI TRƯỜNG", "QUỐC PHÒNG", "DÂN VẬN"): they start
# a body only at the start of a printed line.
_LINE_HEADS = ("ban", "tổng cục", "cục", "chi cục", "vụ", "thanh tra", "trung tâm", "phòng", "bảo hiểm xã hội",
               "đài", "báo", "học viện", "trường", "viện", "công an")
_LEVELS = ("thành phố", "thị xã", "thị trấn", "đặc khu", "tỉnh", "huyện", "quận", "xã", "phường")
# Centrally-run cities are provinces ("thành phố Hà Nội"); other "thành phố" are below a province.
CENTRAL_CITIES = frozenset(fold(c) for c in ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"))
# Canonical case of head phrases (the rest of a name is cased by `_case_name`).
_HEAD_CASE = {
    "ủy ban nhân dân": "Ủy ban nhân dân", "uỷ ban nhân dân": "Ủy ban nhân dân", "uy ban nhân dân": "Ủy ban nhân dân",
    "ubnd": "Ủy ban nhân dân", "hội đồng nhân dân": "Hội đồng nhân dân", "hđnd": "Hội đồng nhân dân",
    "ủy ban mặt trận tổ quốc việt nam": "Ủy ban Mặt trận Tổ quốc Việt Nam", "ủy ban mttq việt nam":
    "Ủy ban Mặt trận Tổ quốc Việt Nam", "đảng bộ": "Đảng bộ", "thủ tướng chính phủ": "Thủ tướng Chính phủ",
    "văn phòng chính phủ": "Văn phòng Chính phủ", "chính phủ": "Chính phủ",
    "ủy ban thường vụ quốc hội": "Ủy ban Thường vụ Quốc hội", "quốc hội": "Quốc hội",
    "ban chấp hành trung ương": "Ban Chấp hành Trung ương", "ban chấp hành đảng bộ": "Ban Chấp hành Đảng bộ",
    "ban chấp hành": "Ban Chấp hành", "bộ chính trị": "Bộ Chính trị", "ban bí thư": "Ban Bí thư",
    "ban thường vụ": "Ban Thường vụ", "ban cán sự đảng": "Ban cán sự đảng", "đảng đoàn": "Đảng đoàn",
    "đảng ủy": "Đảng ủy", "đảng uỷ": "Đảng ủy", "tỉnh ủy": "Tỉnh ủy", "tỉnh uỷ": "Tỉnh ủy", "thành ủy": "Thành ủy",
    "thành uỷ": "Thành ủy", "huyện ủy": "Huyện ủy", "huyện uỷ": "Huyện ủy", "quận ủy": "Quận ủy",
    "quận uỷ": "Quận ủy", "thị ủy": "Thị ủy", "thị uỷ": "Thị ủy", "chi bộ": "Chi bộ",
    "ủy ban kiểm tra": "Ủy ban Kiểm tra", "kho bạc nhà nước": "Kho bạc Nhà nước",
    "bảo hiểm xã hội": "Bảo hiểm xã hội", "ngân hàng nhà nước": "Ngân hàng Nhà nước",
    "bộ chỉ huy quân sự": "Bộ Chỉ huy Quân sự",
}
# Words always capitalised inside names.
_PROPER = {"đảng": "Đảng", "nhà": "Nhà", "nước": "nước", "việt": "Việt", "nam": "Nam", "trung": "Trung",
           "ương": "ương", "chính": "Chính", "phủ": "phủ", "thương": "Thương"}
_PROPER_PAIRS = {("nhà", "nước"): "Nhà nước", ("việt", "nam"): "Việt Nam", ("trung", "ương"): "Trung ương",
                 ("chính", "phủ"): "Chính phủ", ("công", "thương"): "Công Thương", ("tỉnh", "ủy"): "Tỉnh ủy",
                 ("đảng", "ủy"): "Đảng ủy", ("thành", "ủy"): "Thành ủy", ("huyện", "ủy"): "Huyện ủy",
                 ("tổ", "quốc"): "Tổ quốc", ("quốc", "hội"): "Quốc hội"}
_NOT_NAME = {"SỐ", "SO", "CỘNG", "KẾ", "QUYẾT", "V", "VỀ", "V/V"}

# ---- the signature and recipients ---------------------------------------------------------
# "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"; Party documents write "T/M BAN THƯỜNG VỤ", "T/L BAN THƯỜNG VỤ"
_SIGN_AUTH = re.compile(rf"(?:^|\s)(?P<auth>(?:(?:TM|KT|TL|TUQ|Q)\s*\.|T/M|T/L|K/T|TUQ\.)\s*[{_UP}][{_UP}\s]*[{_UP}])")
_SIGN_TITLE = re.compile(r"(?P<title>(?:PHÓ\s+)?(?:CHỦ\s+TỊCH|GIÁM\s+ĐỐC|TRƯỞNG\s+BAN|CHÁNH\s+VĂN\s+PHÒNG|BÍ\s+THƯ|"
                         r"TỔNG\s+GIÁM\s+ĐỐC|TRƯỞNG\s+PHÒNG|THỦ\s+TRƯỞNG|BỘ\s+TRƯỞNG|THỨ\s+TRƯỞNG|THỦ\s+TƯỚNG|CỤC\s+TRƯỞNG|"
                         r"VỤ\s+TRƯỞNG|CHÁNH\s+THANH\s+TRA|TRƯỞNG\s+ĐOÀN))\s*$")
_PERSON = re.compile(rf"(?P<name>[{_UP}][{_LO}]+(?:\s+[{_UP}][{_LO}]+){{1,5}})\s*$")
_TITLES = {"chủ tịch": "Chủ tịch", "phó chủ tịch": "Phó Chủ tịch", "giám đốc": "Giám đốc", "phó giám đốc": "Phó Giám đốc",
           "trưởng ban": "Trưởng ban", "phó trưởng ban": "Phó Trưởng ban", "chánh văn phòng": "Chánh Văn phòng",
           "phó chánh văn phòng": "Phó Chánh Văn phòng", "bí thư": "Bí thư", "phó bí thư": "Phó Bí thư",
           "tổng giám đốc": "Tổng Giám đốc", "trưởng phòng": "Trưởng phòng", "thủ trưởng": "Thủ trưởng",
           "bộ trưởng": "Bộ trưởng", "thứ trưởng": "Thứ trưởng", "thủ tướng": "Thủ tướng",
           "phó thủ tướng": "Phó Thủ tướng", "cục trưởng": "Cục trưởng", "phó cục trưởng": "Phó Cục trưởng",
           "vụ trưởng": "Vụ trưởng", "phó vụ trưởng": "Phó Vụ trưởng", "chánh thanh tra": "Chánh Thanh tra"}

_YEAR = re.compile(r"\bnăm\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_PERIOD = re.compile(r"(?P<a>(?:19|20)\d{2})\s*[-–]\s*(?P<b>(?:19|20)\d{2})")
_PROVINCE = re.compile(r"\b(?:tỉnh|TỈNH)\s+((?:[A-ZĐÀ-Ỹ][^\s,.;:()]*)(?:\s+[A-ZĐÀ-Ỹ][^\s,.;:()]*){0,2})")
_STOP = re.compile(r"^(Căn cứ|Thực hiện|I\.|Phần|PHẦN|Kính gửi)\b")


@dataclass
class DocumentMeta:
    issuing_body: str | None  # "Ủy ban nhân dân tỉnh Hưng Yên", "Sở Công Thương", "Văn phòng Đảng ủy"
    plan_number: str | None  # the document's number and symbol: "196/KH-UBND", "402-CV/VPĐU" (spaces removed)
    doc_type: str | None  # "Kế hoạch", "Quyết định", "Công văn" (from the symbol, else the type line)
    issue_date: date | None  # 2021-12-24
    issue_place: str | None  # "Hưng Yên" (before ", ngày …" in the header)
    province: str | None
    plan_year: int | None
    title: str | None  # the document's own title: "Kế hoạch …", "Quyết định về việc ban hành Kế hoạch …"
    signer_name: str | None  # "Nguyễn Duy Hưng"
    signer_title: str | None  # "Phó Chủ tịch"
    signature_text: str | None  # the signature block as printed: "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận:" items, as printed
    number_source: str | None = None  # header | stamp | appendix | attachment
    date_source: str | None = None  # header | stamp | appendix | attachment
    doc_type_code: str | None = None  # "KH", "QĐ", "NQ", "CT", "CV", "CTr" (from the symbol)
    parent_body: str | None = None  # the body printed above the issuer ("Ủy ban nhân dân tỉnh Quảng Ninh")
    issuer_printed: str | None = None  # the header's issuer lines as printed, joined by " / "
    issuer_kind: str | None = None  # government | ministry | people_committee | people_council | department | party | other
    issuer_level: str | None = None  # central | province | district | commune
    subject: str | None = None  # a Công văn's "V/v …" (without "V/v")
    issued_document_type: str | None = None  # what a Quyết định / Nghị quyết issues: "Kế hoạch", "Chương trình hành động"
    issued_document_title: str | None = None  # its title: "Kế hoạch thực hiện … năm 2024"
    period_start: int | None = None  # "giai đoạn 2021 - 2025" → 2021, 2025 (from the plan's title)
    period_end: int | None = None
    stamp_detail: str | None = None  # what the stamped values were read from (font, colour, position)
    plan_identity: str | None = None  # `plan_identity` key (see there)


def _strip_motto(text: str) -> str:
    for rx in _MOTTO:
        text = rx.sub(" ", text)
    return clean(text)


# ---- number, type, date ------------------------------------------------------------------

def parse_plan_number(text: str | None) -> str | None:
    """"Số: 196/KH-UBND" (also "Số:196/KH-UBND", "Số: 196 /KH - UBND") → "196/KH-UBND"."""
    m = _NUMBER.search(text or "")
    if not m:
        return None
    sym = re.sub(r"\s+", "", m.group("sym")).replace("–", "-")
    sep = "-" if m.group("sep") in "-–" else "/"
    year = f"{m.group('year')}/" if m.group("year") else ""
    return f"{m.group('num')}{sep}{year}{sym}"


def blank_number_symbol(text: str | None) -> tuple[str, str] | None:
    """"Số:      /KH-UBND" (the number left for the stamp) → ("/", "KH-UBND"); "Số:  /2024/QĐ-UBND"
    → ("/2024/", "QĐ-UBND"); None when a number is printed or there is no "Số"."""
    if parse_plan_number(text):
        return None
    m = _BLANK_NUMBER.search(text or "")
    if not m:
        return None
    sep = "-" if m.group("sep") in "-–" else "/"
    year = re.sub(r"\s+", "", m.group("year")) + "/" if m.group("year") else ""
    return (year or sep), re.sub(r"\s+", "", m.group("sym")).replace("–", "-")


def parse_issue_date(text: str | None) -> date | None:
    """The first "ngày 24/12/2021", "ngày 24 /12/2021" or "ngày 24 tháng 12 năm 2021" in `text`."""
    return parse_date(text or "")


def issue_place(text: str | None) -> str | None:
    """"Hưng Yên, ngày 24 tháng 12 năm 2021" → "Hưng Yên" (also when the date is left blank)."""
    t = _strip_motto(text or "")
    m = _PLACE_DATE.search(t) or _PLACE_BLANK_DATE.search(t)
    return m.group("place") if m else None


def number_code(number: str | None) -> str | None:
    """The type code of a number: "196/KH-UBND" → "KH", "402-CV/VPĐU" → "CV", "12/2021/QĐ-UBND" → "QĐ";
    None for symbols without one ("123/UBND-VP", a state Công văn)."""
    if not number:
        return None
    code, _ = symbol_parts(re.sub(r"^\d+\s*[-/]\s*(?:(?:19|20)\d{2}\s*/\s*)?", "", number))
    return code


def doc_type_from_number(number: str | None) -> str | None:
    code = number_code(number)
    return TYPE_CODES.get(code) if code else None


def doc_type_from_line(text: str | None) -> str | None:
    """"KẾ HOẠCH" → "Kế hoạch", "CHƯƠNG TRÌNH HÀNH ĐỘNG" → "Chương trình hành động"; None otherwise."""
    return DOC_TYPE_LINES.get(fold(text)) if text and len(text) < 40 else None


# ---- issuer ------------------------------------------------------------------------------

def _bare(text: str) -> str:
    """Folded and without diacritics ("ỦY BAN" → "uy ban"): OCR loses tone marks in headers."""
    t = unicodedata.normalize("NFD", fold(text).replace("đ", "d"))
    return "".join(c for c in t if not unicodedata.combining(c))


def _starts_with(words: list[str], i: int, phrases) -> int:
    """Length in words of the longest of `phrases` (folded) starting at words[i], else 0. Phrases of
    several words also match without diacritics ("UY BAN NHAN DAN"); single words must match as
    printed ("SO" is not "SỞ")."""
    best = 0
    for ph in phrases:
        n = len(ph.split())
        if n <= best:
            continue
        got = " ".join(words[i:i + n])
        if got == ph or n > 1 and _bare(got) == _bare(ph):
            best = n
    return best


def issuer_units(lines: list[str]) -> list[list[str]]:
    """The header's issuer lines (motto, number and date already removed) cut into bodies, each a
    list of printed words: "UBND TỈNH QUẢNG NINH / SỞ CÔNG THƯƠNG" → two; "BỘ NÔNG NGHIỆP / VÀ MÔI
    TRƯỜNG" → one; "ĐẢNG BỘ TỈNH HƯNG YÊN / TỈNH ỦY" → two. A head word ("SỞ", "TỈNH ỦY") starts a new
    body once the one before is complete (a head and a name; "ỦY BAN NHÂN DÂN" also needs its level)."""
    words = [w for ln in lines for w in clean(ln).split()]
    starts = set()
    n = 0
    for ln in lines:
        starts.add(n)
        n += len(clean(ln).split())
    folded = [fold(w) for w in words]
    units: list[list[str]] = []
    cur: list[str] = []
    need_level = False
    named = False  # the current unit has a name after its head
    i = 0
    while i < len(words):
        n_lv = _starts_with(folded, i, _HEADS_LEVEL)
        n_hd = n_lv or _starts_with(folded, i, _HEADS) or (_starts_with(folded, i, _LINE_HEADS) if i in starts else 0)
        if n_hd and cur and named and not need_level and folded[i - 1] not in ("và", ",", "-", "–"):
            units.append(cur)
            cur, named, need_level = [], False, False
        if n_hd:
            cur.extend(words[i:i + n_hd])
            need_level = need_level or bool(n_lv)
            i += n_hd
            continue
        n_level = _starts_with(folded, i, _LEVELS)
        if n_level and cur:
            cur.extend(words[i:i + n_level])
            i += n_level
            need_level = False
            continue
        if not cur:
            cur.append(words[i])
        else:
            cur.append(words[i])
            named = True
        i += 1
    if cur:
        units.append(cur)
    return [u for u in units if any(c.isalpha() for w in u for c in w)]


def _title_word(w: str) -> str:
    return w[:1].upper() + w[1:].lower()


# Heads cased at the start of a body ("SỞ" → "Sở"); inside a name only phrases and abbreviations are.
_FIRST_HEADS = {**_HEAD_CASE, **{h: h[:1].upper() + h[1:] for h in ("văn phòng", "bộ", "sở") + _LINE_HEADS}}
_INNER_HEADS = {h: c for h, c in _HEAD_CASE.items() if " " in h or h in ("ubnd", "hđnd")}


def _case_name(words: list[str]) -> str:
    """Printed (often upper-case) words of a body in the usual case: the head as listed, a place
    after a level word in title case, the first word of a name and of each name after "và" / "," /
    "-" capitalised ("BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG" → "Bộ Nông nghiệp và Môi trường")."""
    folded = [fold(w) for w in words]
    out: list[str] = []
    i = 0
    place = False
    start_name = True
    while i < len(words):
        heads = _FIRST_HEADS if i == 0 else _INNER_HEADS
        n = _starts_with(folded, i, heads)
        if n:
            got = " ".join(folded[i:i + n])
            out.append(heads.get(got) or next(c for h, c in heads.items() if _bare(h) == _bare(got)))
            i += n
            # a Party committee is named by its place: "TỈNH ỦY HƯNG YÊN" → "Tỉnh ủy Hưng Yên"
            start_name, place = True, bool(re.fullmatch(r"(?:tinh|thanh|huyen|quan|thi) uy", _bare(got)))
            continue
        n = _starts_with(folded, i, _LEVELS)
        if n and not place:
            out.append(" ".join(folded[i:i + n]))
            i += n
            place, start_name = True, False
            continue
        w, f = words[i], folded[i]
        pair = (f, folded[i + 1]) if i + 1 < len(words) else None
        if pair in _PROPER_PAIRS:
            out.append(_PROPER_PAIRS[pair])
            i += 2
            start_name = False
            continue
        if not w.isupper() and not place:
            out.append(w)  # printed in mixed case already: keep it
        elif place or start_name:
            out.append("-".join(_title_word(p) for p in w.split("-")))
        elif f in ("và", "-", "–", ","):
            out.append(f)
        else:
            out.append(_PROPER.get(f, w.lower()) if f == "đảng" else w.lower())
        start_name = f in ("và", "-", "–") or w.endswith(",")
        i += 1
    return re.sub(r"\s+([,;])", r"\1", " ".join(out))


def _issuer_lines(header_lines: list[str]) -> list[str]:
    """The issuer lines of the header: before "Số:" (and the subject), motto and date removed."""
    out = []
    for ln in header_lines:
        t = _strip_motto(ln)
        cut = _NUMBER_LABEL.search(t) or re.search(r"\bS[ốôóoỐÔÓO]\s*[:;.]", t) or _SUBJECT.search(t)
        m = re.search(r"\bS[ốôóoỐÔÓO]\s*[:;.]?\s*[\d./_…\s]*[/\-–]", t) or cut
        if m:
            t = t[:m.start()].strip()
            if t:
                out.append(t)
            break
        pd = _PLACE_DATE.search(t) or _PLACE_BLANK_DATE.search(t)
        if pd:
            t = t[:pd.start()].strip()
        if t:
            out.append(t)
    # Scan specks and rule stubs at a line's ends ("_ ỦY BAN NHÂN DÂN :", "'TỈNH HƯNG YÊN") are not
    # part of a name.
    out = [t.lstrip(_END_MARKS).rstrip(_END_MARKS.replace("-–—", "")) for t in out]  # "BÀ RỊA -" | "VŨNG TÀU"
    return [t for t in out if t and _upper_share(t) > 0.6]


_END_MARKS = " _-–—:;.,'\"`‘’“”|!~*=^°"


def _kind_level(units: list[list[str]]) -> tuple[str | None, str | None]:
    if not units:
        return None, None
    f = fold(" ".join(units[-1]))
    chain = " ".join(fold(" ".join(u)) for u in units)

    def level_of(text: str) -> str | None:
        for lv in ("xã", "phường", "thị trấn", "đặc khu"):
            if re.search(rf"(?:^|\s){lv}\s", text + " ") and not re.search(r"xã hội", text):
                return "commune"
        m = re.search(r"(?:^|\s)thành phố\s+(.+)$", text)
        if m:
            return "province" if any(fold(m.group(1)).startswith(c) for c in CENTRAL_CITIES) else "district"
        if re.search(r"(?:^|\s)(?:huyện|quận|thị xã)\s", text + " ") or re.match(r"(?:huyện|quận|thị)\s*ủy", text):
            return "district"
        if re.search(r"(?:^|\s)tỉnh\s", text + " ") or re.match(r"(?:tỉnh|thành)\s*ủy", text):
            return "province"
        return None

    if re.match(r"(?:thủ tướng chính phủ|chính phủ|văn phòng chính phủ)", f):
        return "government", "central"
    if re.match(r"(?:ủy ban nhân dân|uỷ ban nhân dân|uy ban nhân dân|ubnd)\b", f):
        return "people_committee", level_of(f)
    if re.match(r"(?:hội đồng nhân dân|hđnd)\b", f):
        return "people_council", level_of(f)
    party = re.search(r"đảng|(?:tỉnh|thành|huyện|quận|thị)\s*[uủ]y|bộ chính trị|ban bí thư|chi bộ|ban chấp hành", chain)
    if party:
        lv = level_of(f) or level_of(chain)
        if re.search(r"trung ương|bộ chính trị|ban bí thư", chain):
            lv = "central"
        return "party", lv
    if re.match(r"bộ\s", f) and len(units) == 1:
        return "ministry", "central"
    if re.match(r"(?:sở|ban|văn phòng|cục|chi cục|trung tâm|phòng|thanh tra|tổng cục|vụ)(?:\s|$)", f):
        lv = level_of(chain) if len(units) > 1 else None
        if f.startswith("sở "):
            lv = lv or "province"
        if len(units) > 1 and re.match(r"bộ\s", fold(" ".join(units[-2]))):
            lv = "central"
        return "department", lv
    return "other", level_of(chain)


@dataclass
class Issuer:
    body: str | None
    parent: str | None
    printed: str | None
    kind: str | None
    level: str | None


def read_issuer(header_lines: list[str]) -> Issuer:
    """The issuer (the last body of the header's left column) and the body printed above it."""
    lines = _issuer_lines(header_lines)
    units = [u for u in issuer_units(lines) if fold(u[0]) not in {fold(w) for w in _NOT_NAME}]
    if not units:
        return Issuer(None, None, None, None, None)
    names = [_case_name(u) for u in units]
    kind, level = _kind_level([n.split() for n in names])  # cased names: OCR's "UY BAN" is "Ủy ban" here
    body = names[-1]
    parent = names[-2] if len(names) > 1 else None
    return Issuer(body, parent, " / ".join(lines) or None, kind, level)


def issuing_body(header_text: str | None) -> str | None:
    """"ỦY BAN NHÂN DÂN / TỈNH HƯNG YÊN" (the header's left column, even when its lines are read
    interleaved with the national motto) → "Ủy ban nhân dân tỉnh Hưng Yên"."""
    return read_issuer((header_text or "").split("\n")).body


def _place_of(body: str | None, level_word: str) -> str | None:
    m = re.search(rf"\b{level_word}\s+(?P<p>[{_UP}][^\s,;()]*(?:\s+[{_UP}][^\s,;()]*){{0,3}})", body or "")
    return m.group("p") if m else None


def province(*texts: str | None) -> str | None:
    """The province named most often after "tỉnh" (title case; "TỈNH HƯNG YÊN" → "Hưng Yên")."""
    names = Counter(m.title() for t in texts if t for m in _PROVINCE.findall(t))
    return names.most_common(1)[0][0] if names else None


def issuer_province(*bodies: str | None) -> str | None:
    """The province of the issuer or its parent: "Ủy ban nhân dân tỉnh Hưng Yên" → "Hưng Yên",
    "Ủy ban nhân dân thành phố Hà Nội" → "Hà Nội" (a centrally-run city), "Đảng bộ tỉnh X" → "X"."""
    for b in bodies:
        p = _place_of(b, "tỉnh")
        if p:
            return p
        p = _place_of(b, "thành phố")
        if p and any(fold(p).startswith(c) for c in CENTRAL_CITIES):
            return p
    return None


# ---- title, subject, the document issued ---------------------------------------------------

def document_title(title_lines: list[str]) -> tuple[str | None, str | None, str | None]:
    """(type from the type line, title, subject) from the title lines: "KẾ HOẠCH" / "Cải cách hành
    chính … năm 2022" → ("Kế hoạch", "Kế hoạch cải cách hành chính … năm 2022", None); a Công văn's
    "V/v triển khai …" → (None, "V/v triển khai …", "triển khai …")."""
    lines = [clean(ln) for ln in title_lines if clean(ln).strip("-_=~*. ")]
    if not lines:
        return None, None, None
    if _SUBJECT.match(lines[0]):
        text = clean(" ".join(lines))
        return None, text, clean(_SUBJECT.sub("", text, count=1)) or None
    type_ = doc_type_from_line(lines[0])
    if type_ is None:
        return None, None, None
    rest = []
    for nxt in lines[1:4]:
        if _STOP.match(nxt) or nxt.startswith("("):
            break
        rest.append(nxt)
    if not rest:
        return type_, None, None
    body = " ".join(rest)
    if body[1:2].islower():  # "Cải cách hành chính …" reads on from "Kế hoạch"
        body = body[0].lower() + body[1:]
    printed_type = lines[0] if body.isupper() else type_  # an upper-case title stays upper case
    return type_, clean(f"{printed_type} {body}"), None


def plan_title(first_page_lines: list[str]) -> str | None:
    """The title from the first page's lines: a type line ("KẾ HOẠCH") and the lines under it, up to
    the first "Căn cứ …" or numbered part."""
    for i, line in enumerate(first_page_lines):
        if doc_type_from_line(line):
            return document_title(first_page_lines[i:i + 5])[1]
    return None


def issued_document(*texts: str | None) -> tuple[str | None, str | None]:
    """(type, title) of the document a Quyết định / Nghị quyết issues, from the first text that
    says "ban hành (kèm theo …) Kế hoạch …": "Về việc ban hành Kế hoạch thực hiện … năm 2024" →
    ("Kế hoạch", "Kế hoạch thực hiện … năm 2024")."""
    for t in texts:
        m = _ISSUED.search(clean(t))
        if m:
            type_ = DOC_TYPE_LINES.get(fold(m.group("type")), m.group("type"))
            rest = clean(m.group("rest")).rstrip(" ,")
            return type_, clean(f"{type_} {rest}") if rest else type_
    return None, None


def plan_year(title: str | None, appendix_heading: str | None, *more: str | None) -> int | None:
    for text in (title, appendix_heading, *more):
        years = _YEAR.findall(text or "")
        if years:
            return int(years[-1])  # "… giai đoạn 2021-2025 năm 2022": the plan's own year comes last
    return None


def plan_period(*texts: str | None) -> tuple[int | None, int | None]:
    """"giai đoạn 2021 - 2025" → (2021, 2025), from the first text that prints a span of years."""
    for t in texts:
        m = _PERIOD.search(t or "")
        if m and int(m.group("a")) < int(m.group("b")):
            return int(m.group("a")), int(m.group("b"))
    return None, None


# ---- signature and recipients -------------------------------------------------------------

def signer_title_case(title: str) -> str:
    t = clean(title)
    return _TITLES.get(t.lower(), t[:1].upper() + t[1:].lower())


def signature(lines: list[str]) -> tuple[str | None, str | None, str | None]:
    """(name, title, block as printed) from the lines after the plan's last paragraph:
    "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / <stamp, (Đã ký)> / Nguyễn Duy Hưng"."""
    block: list[str] = []
    title = None
    last = -1
    for i, ln in enumerate(lines):
        m = _SIGN_AUTH.search(ln)
        if m:
            block.append(clean(m.group("auth")))
            last = i
            continue
        m = _SIGN_TITLE.search(ln)
        if m and (block or _upper_share(ln) > 0.8):
            block.append(clean(m.group("title")))
            title = signer_title_case(m.group("title"))
            last = i
    if last < 0:
        return None, None, None
    if title is None and block:  # "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH" read as one authority line
        m = _SIGN_TITLE.search(block[-1])
        if m:
            title = signer_title_case(m.group("title"))
    name = None
    for ln in lines[last + 1:]:
        m = _PERSON.search(clean(ln))
        if m and (m.start() == 0 or not clean(ln).startswith(("-", "+", "–"))):
            name = m.group("name")
            break
    return name, title, " / ".join(block) or None


def _upper_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def recipients(lines: list[str]) -> list[str]:
    """The "Nơi nhận:" list, one item per printed line ("- Bộ Nội vụ;" → "Bộ Nội vụ")."""
    out: list[str] = []
    started = False
    for ln in lines:
        text = clean(ln)
        f = fold(text)
        if f.startswith("nơi nhận"):
            started = True
            rest = text.split(":", 1)[1].strip() if ":" in text else ""
            rest = _SIGN_TITLE.sub("", _SIGN_AUTH.sub("", rest)).strip()
            if len(rest) >= 3:
                out.append(rest.strip(" -–+;."))
            continue
        if not started:
            continue
        text = _SIGN_AUTH.sub("", text)
        text = _SIGN_TITLE.sub("", text).strip()
        if not text or _PERSON.fullmatch(text) or _upper_share(text) > 0.8 and not text.startswith(("-", "+")):
            if out and text and _PERSON.fullmatch(text):
                break
            continue
        item = text.lstrip("-–+• ").rstrip(" ;.,")
        if item:
            out.append(item)
        if text.rstrip().endswith(".") and not text.rstrip().endswith("..."):
            break  # "- Lưu: VT, …." closes the list
    return out


# ---- values stamped at signing --------------------------------------------------------------
_STAMP_NUMBER = re.compile(r"^(?:S[ốôóoỐÔÓO]\s*[:;.]?\s*)?(?P<num>\d{1,5})\s*(?P<rest>(?:/\s*(?:19|20)\d{2}\s*)?[/\-–]\s*"
                           rf"{_SYM_TOKEN}(?:\s*[-–/]\s*{_SYM_TOKEN})*)?\s*$")
_STAMP_FULL_DATE = re.compile(r"^(?:(?i:ngày)\s*)?(?P<d>\d{1,2})\s*(?:[/.\-]|(?i:tháng))\s*(?P<m>\d{1,2})\s*"
                              r"(?:[/.\-]|(?i:năm))\s*(?P<y>(?:19|20)\d{2})\s*$")
_PIECE = re.compile(r"^\d{1,4}$")


@dataclass
class Stamped:
    """Values read from text objects drawn over the blanks of "Số:    /KH-UBND" and "ngày  tháng  năm"."""
    number: str | None = None  # "196/KH-UBND": the stamped digits with the printed symbol
    date: date | None = None
    detail: str | None = None  # what was read where: "number '196' (PlanSerif-Bold, #0000ff, content)"
    runs: list[TextRun] = field(default_factory=list)  # the runs read as stamped values


def _cy(r: TextRun) -> float:
    return (r.top + r.bottom) / 2


def _height(r: TextRun) -> float:
    return max(r.top - r.bottom, r.size or 0.0, 6.0)


def _describe(r: TextRun) -> str:
    color = "#{:02x}{:02x}{:02x}".format(*r.color) if r.color else "?"
    return f"'{r.text}' ({r.font or '?'}, {color}, {r.source}, x={r.x0:.0f} y={r.bottom:.0f})"


def _differs(a: TextRun, b: TextRun) -> bool:
    """`a` is drawn apart from the template run `b`: another font, colour or size, an annotation or
    form, or drawn well after it (stamps are added at signing, after the page's own text)."""
    return (a.font != b.font or a.color != b.color or abs((a.size or 0) - (b.size or 0)) > 0.5
            or a.source != b.source or abs(a.order - b.order) > 3)


def stamped_values(runs: list[TextRun]) -> Stamped:
    """The number and date stamped at signing onto a header whose printed text leaves them blank.

    The template lines are the runs that say "Số: … /KH-UBND" with no digits and "…, ngày … tháng
    … năm …" with a blank part. A stamped number is a run of digits (maybe with its own symbol)
    drawn apart from the template (`_differs`) nearest the blank after "Số:"; a stamped date is a
    full date nearest the date line, or pieces on its line that fill its blanks left to right."""
    out = Stamped()
    if not runs:
        return out
    label = next((r for r in runs if blank_number_symbol(r.text) or _NUMBER_LABEL.match(r.text)
                  and not parse_plan_number(r.text)), None)
    date_tpl = None
    for r in runs:
        m = _DATE_LINE.search(r.text)
        if m and (m.group("d") is None or m.group("m") is None or m.group("y") is None) and parse_date(r.text) is None:
            date_tpl = (r, m)
            break
    used: set[int] = set()
    notes: list[str] = []
    if label is not None:
        # the symbol: in the label run, else in a run of the same line to its right ("Số:" | "/KH-UBND")
        same_line = sorted((r for r in runs if abs(_cy(r) - _cy(label)) < 0.5 * _height(label)
                            and r.x0 >= label.x0 - 1 and not _differs(r, label)), key=lambda r: r.x0)
        line_text = " ".join(r.text for r in same_line) if label in same_line else label.text
        blank = blank_number_symbol(line_text)
        gap_x = label.x0 + 0.35 * (label.x1 - label.x0) if blank and label.text == line_text else label.x1
        best = None
        for i, r in enumerate(runs):
            m = _STAMP_NUMBER.match(r.text)
            if r is label or not m or not _differs(r, label) or _STAMP_FULL_DATE.match(r.text):
                continue
            dy = abs(_cy(r) - _cy(label)) / _height(label)
            dx = abs((r.x0 + r.x1) / 2 - gap_x) / _height(label)
            if dy > 3.5 or dx > 15:
                continue
            if date_tpl is not None:  # a piece on the date line belongs to the date
                d = date_tpl[0]
                if d.x0 - 1 <= r.x0 <= d.x1 + 1 and abs(_cy(r) - _cy(d)) < 1.2 * _height(d) and \
                        abs((r.x0 + r.x1) / 2 - gap_x) > abs((r.x0 + r.x1) / 2 - (d.x0 + d.x1) / 2) / 2:
                    continue
            score = dy * 2 + dx
            if best is None or score < best[0]:
                best = (score, i, m)
        if best is not None:
            _, i, m = best
            if m.group("rest"):
                out.number = parse_plan_number(f"Số {m.group('num')}{m.group('rest')}")
            elif blank:
                out.number = f"{m.group('num')}{blank[0]}{blank[1]}"
            if out.number:
                used.add(i)
                notes.append(f"number {_describe(runs[i])}")
    if date_tpl is not None:
        d, m = date_tpl
        best_full = None
        pieces = []
        for i, r in enumerate(runs):
            if i in used or r is d or not _differs(r, d):
                continue
            dy = abs(_cy(r) - _cy(d)) / _height(d)
            inside = d.x0 - 2 * _height(d) <= (r.x0 + r.x1) / 2 <= d.x1 + 2 * _height(d)
            full = _STAMP_FULL_DATE.match(r.text)
            if full and dy <= 3.5 and inside:
                if best_full is None or dy < best_full[0]:
                    best_full = (dy, i, full)
            elif _PIECE.match(r.text) and dy < 0.8 and inside:
                pieces.append((r.x0, i))
        got = None
        if best_full is not None:
            _, i, full = best_full
            try:
                got = date(int(full.group("y")), int(full.group("m")), int(full.group("d")))
                used.add(i)
                notes.append(f"date {_describe(runs[i])}")
            except ValueError:
                got = None
        if got is None and pieces:
            parts = {k: m.group(k) for k in ("d", "m", "y")}
            idx = [i for _, i in sorted(pieces)]
            for k in ("d", "m", "y"):
                if parts[k] is None and idx:
                    parts[k] = runs[idx.pop(0)].text
            try:
                if all(parts.values()):
                    got = date(int(parts["y"] or 0), int(parts["m"] or 0), int(parts["d"] or 0))
                    chosen = [i for _, i in sorted(pieces)][:len(pieces) - len(idx)]
                    used.update(chosen)
                    notes.append("date " + " ".join(_describe(runs[i]) for i in chosen))
            except ValueError:
                got = None
        out.date = got
    out.runs = [runs[i] for i in sorted(used)]
    out.detail = "; ".join(notes) or None
    return out


# ---- plan identity --------------------------------------------------------------------------

def identity_fold(text: str | None) -> str:
    """Comparison form for identity: no tone marks or diacritics (OCR drops them), lower case,
    "UBND" spelled out, punctuation and spacing removed."""
    t = fold(text or "")
    t = re.sub(r"\bubnd\b", "ủy ban nhân dân", t)
    t = re.sub(r"\bhđnd\b", "hội đồng nhân dân", t)
    t = unicodedata.normalize("NFD", t.replace("đ", "d"))
    t = "".join(c for c in t if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "", t)


@dataclass(frozen=True)
class PlanIdentity:
    """A plan's identity parts, folded (`identity_fold`); "" for a part not read."""
    issuer: str
    number: str
    issued: str  # ISO date
    title: str

    @property
    def key(self) -> str:
        """The identity key: issuer, date and title (the parts a scan reads as well as the born-digital
        file; the number, often stamped, is left out so a scan whose number was not read still
        matches), else issuer, number and date when the title was not read. `same_plan` checks the
        number when both know it."""
        if self.title:
            basis = f"t|{self.issuer}|{self.issued}|{self.title}"
        else:
            basis = f"n|{self.issuer}|{self.number}|{self.issued}"
        return hashlib.sha1(basis.encode()).hexdigest()[:16]


def plan_identity(issuer: str | None, number: str | None, issued: date | None, title: str | None) -> PlanIdentity:
    return PlanIdentity(identity_fold(issuer), identity_fold(number), issued.isoformat() if issued else "",
                        identity_fold(title))


def same_plan(a: PlanIdentity, b: PlanIdentity) -> bool:
    """True when the known parts agree: a part one of them lacks is not held against them, but they
    must share enough to be told apart from other plans (title and date, or number and date, or
    number and issuer)."""
    shared = [k for k in ("issuer", "number", "issued", "title") if getattr(a, k) and getattr(b, k)]
    if any(getattr(a, k) != getattr(b, k) for k in shared):
        return False
    s = set(shared)
    return {"title", "issued"} <= s or {"number", "issued"} <= s or {"number", "issuer"} <= s


# ---- everything together ---------------------------------------------------------------------

def document_meta(header_lines: list[str], title_lines: list[str], appendix_lines: list[str],
                  tail_lines: list[str], first_page_lines: list[str], *,
                  header_runs: list[TextRun] | None = None, attached_title_lines: list[str] | None = None,
                  article_texts: list[str] | None = None) -> DocumentMeta:
    """Everything the body says about the document itself. The number and date come from the header
    ("Số: …", "…, ngày … tháng … năm …"); when the header leaves them blank, from the values stamped
    over the blanks (`header_runs`); else from the appendix subtitle ("(Kèm theo Kế hoạch số 196
    /KH-UBND ngày 24 /12/2021 …)") or the attached plan's note ("(Ban hành kèm theo Quyết định số …)").
    `attached_title_lines`: the title of the plan a Quyết định / Nghị quyết issues, printed on its own
    pages; `article_texts`: the issuing document's articles ("Điều 1. Ban hành kèm theo …")."""
    header = "\n".join(header_lines)
    appendix = " ".join(appendix_lines)
    attached = [clean(t) for t in attached_title_lines or []]
    number, number_src = parse_plan_number(header), "header"
    date_, date_src = parse_issue_date(_strip_motto(header)), "header"
    stamp = Stamped()
    if (number is None or date_ is None) and header_runs:
        stamp = stamped_values(header_runs)
        if number is None and stamp.number:
            number, number_src = stamp.number, "stamp"
        if date_ is None and stamp.date:
            date_, date_src = stamp.date, "stamp"
    for where, text in (("appendix", appendix), ("attachment", " ".join(attached))):
        if number is not None and date_ is not None:
            break
        for c in find_citations(text):
            if c.symbol is None:
                continue
            if number is None:
                number, number_src = c.code, where
            if date_ is None and c.date is not None and (c.code == number):
                date_, date_src = c.date, where
            break
    line_type, title, subject = document_title(title_lines)
    if title is None and not title_lines:
        title = plan_title(first_page_lines)
        line_type = line_type or (doc_type_from_line(next((ln for ln in first_page_lines if doc_type_from_line(ln)), None)))
    issuer = read_issuer(header_lines)
    code = number_code(number)
    doc_type = TYPE_CODES.get(code) if code else None
    doc_type = doc_type or line_type or ("Công văn" if subject else None)
    issued_type, issued_title = None, None
    if doc_type in ISSUING_TYPES or line_type in ISSUING_TYPES:
        note = next((k for k, t in enumerate(attached) if t.startswith("(")), len(attached))
        att_type, att_title, _ = document_title(attached[:note])  # the note "(Ban hành kèm theo …)" may wrap
        if att_title:
            issued_type, issued_title = att_type, att_title
        else:
            issued_type, issued_title = issued_document(*(article_texts or []), title)
    appendix_heading = appendix or None
    year_texts = (issued_title, title, appendix_heading) if issued_title else (title, appendix_heading)
    prov = issuer_province(issuer.body, issuer.parent) or province(issued_title, title, appendix_heading,
                                                                   *first_page_lines[:4])
    body = issuer.body
    if body is None and number and number.endswith("UBND") and prov:
        body = f"Ủy ban nhân dân tỉnh {prov}"
    name, sig_title, block = signature(tail_lines)
    p0, p1 = plan_period(*year_texts)
    meta = DocumentMeta(
        body, number, doc_type, date_, issue_place(header), prov, plan_year(*year_texts), title, name, sig_title,
        block, recipients(tail_lines), number_src if number else None, date_src if date_ else None,
        doc_type_code=code, parent_body=issuer.parent, issuer_printed=issuer.printed, issuer_kind=issuer.kind,
        issuer_level=issuer.level, subject=subject, issued_document_type=issued_type,
        issued_document_title=issued_title, period_start=p0, period_end=p1,
        stamp_detail=stamp.detail if "stamp" in (number_src if number else None, date_src if date_ else None) else None)
    meta.plan_identity = plan_identity(meta.issuing_body, meta.plan_number, meta.issue_date, meta.title).key
    return meta

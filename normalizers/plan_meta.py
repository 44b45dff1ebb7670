"""Title, plan year and province of a plan, from its first page and its appendix heading;
and the rest of what the body says about the plan itself (`DocumentMeta`): issuing body,
number, issue date and place, signer, recipients.

The plan year fills years missing from deadline phrases ("Tháng 11 hàng năm");
the province fills the registry's templates ("Báo {province}").
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from core.text import clean, fold
from normalizers.dates import DATE, parse_date
from normalizers.references import find_citations, symbol_parts

_YEAR = re.compile(r"\bnăm\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_PROVINCE = re.compile(r"\b(?:tỉnh|TỈNH)\s+((?:[A-ZĐÀ-Ỹ][^\s,.;:()]*)(?:\s+[A-ZĐÀ-Ỹ][^\s,.;:()]*){0,2})")
_STOP = re.compile(r"^(Căn cứ|Thực hiện|I\.|Phần|PHẦN)\b")


def plan_title(first_page_lines: list[str]) -> str | None:
    """"KẾ HOẠCH" and the lines under it, up to the first "Căn cứ …" or numbered part."""
    for i, line in enumerate(first_page_lines):
        if clean(line).upper() == "KẾ HOẠCH":
            rest = []
            for nxt in first_page_lines[i + 1:i + 4]:
                if _STOP.match(nxt):
                    break
                rest.append(nxt)
            if not rest:
                return None
            body = " ".join(rest)
            if body[1:2].islower():  # "Cải cách hành chính …" reads on from "Kế hoạch"
                body = body[0].lower() + body[1:]
            return clean("Kế hoạch " + body)
    return None


def plan_year(title: str | None, appendix_heading: str | None) -> int | None:
    for text in (title, appendix_heading):
        years = _YEAR.findall(text or "")
        if years:
            return int(years[-1])  # "… giai đoạn 2021-2025 năm 2022": the plan's own year comes last
    return None


def province(*texts: str | None) -> str | None:
    """The province named most often after "tỉnh" (title case; "TỈNH HƯNG YÊN" → "Hưng Yên")."""
    names = Counter(m.title() for t in texts if t for m in _PROVINCE.findall(t))
    return names.most_common(1)[0][0] if names else None


# ---- the document's own metadata, from the body's header block, appendix subtitle and signature ----
_UP = "A-ZĐÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĨŨƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"
_LO = "a-zàáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
_SYM_TOKEN = rf"[{_UP}][A-Za-z{_UP}đ0-9]*"
# "Số: 196/KH-UBND", "Số:196/KH-UBND", "So: 196 /KH - UBND", "Số 12/2021/QĐ-UBND", "Số: 06-KH/TU"
_NUMBER = re.compile(
    rf"\bS[ốôóoỐÔÓO]\s*[:;.]?\s*(?P<num>\d{{1,5}})\s*(?:/\s*(?P<year>(?:19|20)\d{{2}})\s*)?(?P<sep>[/\-–])\s*"
    rf"(?P<sym>{_SYM_TOKEN}(?:\s*[-–/]\s*{_SYM_TOKEN})*)")
_MOTTO = (re.compile(r"C[ỘO]NG\s*H[ÒÓOỎ]A\s+X[ÃA]\s+H[ỘO]I\s+CH[ỦU]\s+NGH[ĨI]A\s+VI[ỆE]T\s+NAM", re.IGNORECASE),
          re.compile(r"Đ[ộo]c\s*l[ậa]p\s*[-–]\s*T[ựu]\s*do\s*[-–]\s*H[ạa]nh\s*ph[úu]c", re.IGNORECASE),
          re.compile(r"[-_=~*]{3,}\s*(?:o+\s*[-_=~*]{3,})?"))
_ISSUER = re.compile(
    rf"(?P<org>(?:ỦY|UỶ|UY)\s+BAN\s+NHÂN\s+DÂN|UBND|HỘI\s+ĐỒNG\s+NHÂN\s+DÂN|HĐND|BAN\s+CHỈ\s+ĐẠO(?:\s+[{_UP}]+){{0,6}}?)"
    rf"\s+(?P<lvl>TỈNH|THÀNH\s+PHỐ|HUYỆN|QUẬN|THỊ\s+XÃ|XÃ|PHƯỜNG|THỊ\s+TRẤN)\s+(?P<name>[{_UP}]+\b(?:\s+[{_UP}]+\b){{0,4}})")
_ORG_NAMES = {"ủy ban nhân dân": "Ủy ban nhân dân", "uỷ ban nhân dân": "Ủy ban nhân dân", "uy ban nhân dân": "Ủy ban nhân dân",
              "ubnd": "Ủy ban nhân dân", "hội đồng nhân dân": "Hội đồng nhân dân", "hđnd": "Hội đồng nhân dân"}
_NOT_NAME = {"SỐ", "SO", "CỘNG", "KẾ", "QUYẾT", "V", "VỀ"}
_PLACE_DATE = re.compile(rf"(?<!\w)(?P<place>[{_UP}][{_LO}]+(?:\s+[{_UP}][{_LO}]+){{0,3}})\s*,\s*" + DATE)
_SIGN_AUTH = re.compile(rf"(?:^|\s)(?P<auth>(?:TM|KT|TL|TUQ|Q)\s*\.\s*[{_UP}][{_UP}\s]*[{_UP}])")
_SIGN_TITLE = re.compile(r"(?P<title>(?:PHÓ\s+)?(?:CHỦ\s+TỊCH|GIÁM\s+ĐỐC|TRƯỞNG\s+BAN|CHÁNH\s+VĂN\s+PHÒNG|BÍ\s+THƯ|"
                         r"TỔNG\s+GIÁM\s+ĐỐC|TRƯỞNG\s+PHÒNG|THỦ\s+TRƯỞNG))\s*$")
_PERSON = re.compile(rf"(?P<name>[{_UP}][{_LO}]+(?:\s+[{_UP}][{_LO}]+){{1,5}})\s*$")
_TITLES = {"chủ tịch": "Chủ tịch", "phó chủ tịch": "Phó Chủ tịch", "giám đốc": "Giám đốc", "phó giám đốc": "Phó Giám đốc",
           "trưởng ban": "Trưởng ban", "phó trưởng ban": "Phó Trưởng ban", "chánh văn phòng": "Chánh Văn phòng",
           "phó chánh văn phòng": "Phó Chánh Văn phòng", "bí thư": "Bí thư", "phó bí thư": "Phó Bí thư",
           "tổng giám đốc": "Tổng Giám đốc", "trưởng phòng": "Trưởng phòng", "thủ trưởng": "Thủ trưởng"}
_DOC_TYPE_CODES = {"KH": "Kế hoạch", "QĐ": "Quyết định", "CT": "Chỉ thị", "NQ": "Nghị quyết", "BC": "Báo cáo",
                   "CTr": "Chương trình", "TB": "Thông báo", "HD": "Hướng dẫn", "ĐA": "Đề án"}


@dataclass
class DocumentMeta:
    issuing_body: str | None  # "Ủy ban nhân dân tỉnh Hưng Yên"
    plan_number: str | None  # "196/KH-UBND" (spaces removed)
    doc_type: str | None  # "Kế hoạch" (from the symbol, else the title line)
    issue_date: date | None  # 2021-12-24
    issue_place: str | None  # "Hưng Yên" (before ", ngày …" in the header)
    province: str | None
    plan_year: int | None
    title: str | None
    signer_name: str | None  # "Nguyễn Duy Hưng"
    signer_title: str | None  # "Phó Chủ tịch"
    signature_text: str | None  # the signature block as printed: "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận:" items, as printed
    number_source: str | None = None  # header | appendix
    date_source: str | None = None  # header | appendix


def _strip_motto(text: str) -> str:
    for rx in _MOTTO:
        text = rx.sub(" ", text)
    return clean(text)


def parse_plan_number(text: str | None) -> str | None:
    """"Số: 196/KH-UBND" (also "Số:196/KH-UBND", "Số: 196 /KH - UBND") → "196/KH-UBND"."""
    m = _NUMBER.search(text or "")
    if not m:
        return None
    sym = re.sub(r"\s+", "", m.group("sym")).replace("–", "-")
    sep = "-" if m.group("sep") in "-–" else "/"
    year = f"{m.group('year')}/" if m.group("year") else ""
    return f"{m.group('num')}{sep}{year}{sym}"


def parse_issue_date(text: str | None) -> date | None:
    """The first "ngày 24/12/2021", "ngày 24 /12/2021" or "ngày 24 tháng 12 năm 2021" in `text`."""
    return parse_date(text or "")


def issue_place(text: str | None) -> str | None:
    """"Hưng Yên, ngày 24 tháng 12 năm 2021" → "Hưng Yên"."""
    m = _PLACE_DATE.search(_strip_motto(text or ""))
    return m.group("place") if m else None


def issuing_body(header_text: str | None) -> str | None:
    """"ỦY BAN NHÂN DÂN / TỈNH HƯNG YÊN" (the header's left column, even when its lines are read
    interleaved with the national motto) → "Ủy ban nhân dân tỉnh Hưng Yên"."""
    text = _strip_motto(header_text or "")
    m = _ISSUER.search(text)
    if not m:
        return None
    words = []
    for w in m.group("name").split():
        if w in _NOT_NAME:
            break
        words.append(w)
    if not words:
        return None
    org = clean(m.group("org"))
    org = _ORG_NAMES.get(org.lower(), org[:1] + org[1:].lower())
    return f"{org} {clean(m.group('lvl')).lower()} {' '.join(w.title() for w in words)}"


def doc_type_from_number(number: str | None) -> str | None:
    if not number:
        return None
    code, _ = symbol_parts(re.sub(r"^\d+\s*[-/]\s*(?:(?:19|20)\d{2}\s*/\s*)?", "", number))
    return _DOC_TYPE_CODES.get(code) if code else None


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


def document_meta(header_lines: list[str], title_lines: list[str], appendix_lines: list[str],
                  tail_lines: list[str], first_page_lines: list[str]) -> DocumentMeta:
    """Everything the body says about the plan itself. The number and date come from the header
    ("Số: …", "…, ngày … tháng … năm …"), else from the appendix subtitle
    ("(Kèm theo Kế hoạch số 196 /KH-UBND ngày 24 /12/2021 …)")."""
    header = "\n".join(header_lines)
    appendix = " ".join(appendix_lines)
    number, number_src = parse_plan_number(header), "header"
    date_, date_src = parse_issue_date(_strip_motto(header)), "header"
    if number is None or date_ is None:
        for c in find_citations(appendix):
            if c.symbol is None:
                continue
            if number is None:
                number, number_src = c.code, "appendix"
            if date_ is None and c.date is not None and (number is None or c.code == number):
                date_, date_src = c.date, "appendix"
            break
    title = plan_title(first_page_lines)
    appendix_heading = appendix or None
    prov = province(title, appendix_heading, *first_page_lines[:4])
    body = issuing_body(header)
    if body is None and number and number.endswith("UBND") and prov:
        body = f"Ủy ban nhân dân tỉnh {prov}"
    doc_type = doc_type_from_number(number)
    if doc_type is None and title_lines:
        t = clean(title_lines[0])
        doc_type = t[:1] + t[1:].lower() if t.isupper() else None
    name, sig_title, block = signature(tail_lines)
    return DocumentMeta(body, number, doc_type, date_, issue_place(header), prov, plan_year(title, appendix_heading),
                        title, name, sig_title, block, recipients(tail_lines),
                        number_src if number else None, date_src if date_ else None)

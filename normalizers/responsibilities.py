"""Who must do what: Part "TỔ CHỨC THỰC HIỆN", one row per duty of each agency heading.

Each numbered heading of the part ("3. Sở Nội vụ", "16. Báo Hưng Yên, Đài Phát thanh -
Truyền hình Hưng Yên") names one or more bodies; its lettered clauses ("a) …") are its
duties, one row each (unlettered paragraphs after a clause belong to it; paragraphs before
the first letter are the heading's lead-in, "Tham mưu, giúp UBND tỉnh …. Cụ thể:"). A heading
without letters has one duty: its paragraphs, joined by line breaks. The heading is resolved
against the agency registry when one is given (ids of the bodies it names; the texts that
matched nothing are listed apart). A department's plan may name officials instead ("Đồng chí Nguyễn
Văn A, Phó Giám đốc Sở"): `person_name` tells a person from a body, so the heading keeps its text
as printed, lists the names in `persons`, and does not count them as unmatched agencies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.text import clean, fold
from normalizers.body_sections import VN_LOWER, VN_UPPER, ParsedBody, ParsedSection, clause_groups

_HONORIFIC = re.compile(r"^(?:đồng\s+chí|đ/c|đc\.?|ông|bà|anh|chị)\s+", re.IGNORECASE)
# Officials' titles before or after a name ("Phó Giám đốc Nguyễn Văn A", "Nguyễn Văn A - Trưởng phòng").
_OFFICIAL = re.compile(r"^(?:phó\s+)?(?:giám đốc|chủ tịch|bí thư|trưởng ban|trưởng phòng|chánh văn phòng|chánh thanh tra|"
                       r"chi cục trưởng|cục trưởng|vụ trưởng|thủ trưởng|chuyên viên|kế toán trưởng|kế toán|"
                       r"văn thư|cán bộ|công chức|viên chức)\b\s*", re.IGNORECASE)
_NAME = re.compile(rf"^(?P<name>[{VN_UPPER}][{VN_LOWER}]+(?:\s+[{VN_UPPER}][{VN_LOWER}]+){{1,4}})(?P<rest>.*)$")
# Common family names: a bare "Nguyễn Thị Lan" is a person, "Văn phòng Sở" is not.
_SURNAMES = frozenset(fold(n) for n in (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đinh Mai Trịnh Lương Cao Hà Tạ "
    "Lâm Chu Triệu Thái Tô Tăng Kiều Quách Lò Vương Đoàn Trương Hứa Nông Hoàng Lưu Khổng Mạc Lại Âu Giang Kim "
    "Châu Diệp Thân Tống Trịnh Viên Quan Bế Hầu Lục").split())
# Words that make a text a body, not a person.
_BODY_WORDS = re.compile(r"\b(?:sở|ban|phòng|văn phòng|ủy ban|uỷ ban|ubnd|trung tâm|cục|chi cục|bộ|đài|báo|trường|viện|"
                         r"hội|đoàn|công an|các|tỉnh|huyện|xã|phường)\b", re.IGNORECASE)


def person_name(text: str | None) -> str | None:
    """The person a lead or heading names, as printed, or None for a body: "Đồng chí Nguyễn Văn An,
    Phó Giám đốc Sở" → "Nguyễn Văn An"; "Phó Giám đốc Trần Thị Bình" → "Trần Thị Bình"; "Nguyễn Thị
    Lan (Trưởng phòng)" → "Nguyễn Thị Lan"; "Sở Nội vụ", "Lãnh đạo Sở" → None."""
    t = clean(text)
    honor = _HONORIFIC.match(t)
    if honor:
        t = t[honor.end():]
    titled = _OFFICIAL.match(t)
    if titled:
        t = t[titled.end():]
    m = _NAME.match(t)
    if not m:
        return None
    name = m.group("name")
    words = name.split()
    if not (honor or titled) and (fold(words[0]) not in _SURNAMES or _BODY_WORDS.search(name)):
        return None
    if (honor or titled) and _BODY_WORDS.match(name):
        return None
    rest = m.group("rest").strip()
    if rest and not re.match(r"^[,;(\-–:]", rest):  # "Nguyễn Văn phòng …": the name ran into other words
        return None
    return name


def persons_in(text: str | None) -> list[str]:
    """The persons named in a lead cell or heading, split at ";" and "," between names."""
    out = []
    for part in re.split(r"\s*;\s*|\s*,\s*(?=(?:đồng chí|đ/c|ông|bà)\s|[" + VN_UPPER + r"][" + VN_LOWER + r"]+\s+[" + VN_UPPER
                         + r"])", clean(text), flags=re.IGNORECASE):
        name = person_name(part)
        if name and name not in out:
            out.append(name)
    return out


@dataclass
class Responsibility:
    seq: int  # 1-based, document order
    section_path: str  # "III.3"
    section_seq: int
    heading_no: int | None  # 3
    agency_text: str  # the heading as printed: "Sở Nội vụ"
    agency_ids: list[str] = field(default_factory=list)  # registry ids of the bodies named
    agency_names: list[str] = field(default_factory=list)  # their canonical names
    agency_unmatched: list[str] = field(default_factory=list)  # parts of the heading no registry entry matched
    persons: list[str] = field(default_factory=list)  # officials the heading names (not agencies)
    duty_seq: int = 1  # 1-based within the heading
    duty_clause: str | None = None  # "a", "đ"; None for a heading without letters
    duty_text: str | None = None  # the duty, clause marker removed; paragraphs joined by "\n"
    lead_in: str | None = None  # text before the first lettered duty ("… Cụ thể:")
    page: int | None = None  # page where the duty starts
    page_end: int | None = None


def _resolve(registry, text: str, year: int | None) -> tuple[list[str], list[str], list[str]]:
    if registry is None:
        return [], [], []
    try:
        mentions = registry.resolve_cell(text, year=year)
    except Exception:  # the registry is someone else's code: never let it stop the body
        return [], [], []
    ids, names, unmatched = [], [], []
    for m in mentions:
        if m.agency_id:
            if m.agency_id not in ids:
                ids.append(m.agency_id)
                names.append(m.agency_name)
        else:
            unmatched.append(m.text)
    return ids, names, unmatched


def _duties_of(sec: ParsedSection, body: ParsedBody) -> list[tuple[str | None, list]]:
    paras = list(sec.paragraphs)
    for child in body.children(sec):  # a heading with numbered sub-items: their text is its text
        paras.extend(child.paragraphs)
    return clause_groups(paras)


def body_to_responsibilities(body: ParsedBody, registry=None, year: int | None = None) -> list[Responsibility]:
    part = body.find_part("tổ chức thực hiện")
    if part is None:
        return []
    rows: list[Responsibility] = []
    for sec in body.children(part):
        if sec.kind == "closing":
            continue
        heading = sec.title or ""
        ids, names, unmatched = _resolve(registry, heading, year)
        persons = persons_in(heading)
        # a named official's title ("…, Phó Giám đốc Sở") belongs to the person, not to the agencies
        unmatched = [u for u in unmatched if person_name(u) is None and not any(p in u for p in persons)
                     and not (persons and _OFFICIAL.match(u))]
        no = int(sec.number) if sec.number and sec.number.isdigit() else None
        groups = _duties_of(sec, body)
        lettered = any(c is not None for c, _ in groups)
        lead_in = None
        duties: list[tuple[str | None, list]] = []
        if lettered:
            # paragraphs before the first letter are the lead-in; none come after a letter
            first = next(i for i, (c, _) in enumerate(groups) if c is not None)
            lead = [p for _, ps in groups[:first] for p in ps]
            lead_in = "\n".join(p.text for p in lead) or None
            duties = groups[first:]
        elif groups:
            duties = [(None, [p for _, ps in groups for p in ps])]
        if not duties:
            rows.append(Responsibility(len(rows) + 1, sec.path, sec.seq, no, heading, ids, names, unmatched,
                                       list(persons), 1, None, None, None, sec.page_start, sec.page_end))
            continue
        for k, (clause, ps) in enumerate(duties, 1):
            text = "\n".join([ps[0].body] + [p.text for p in ps[1:]])
            rows.append(Responsibility(len(rows) + 1, sec.path, sec.seq, no, heading, list(ids), list(names),
                                       list(unmatched), list(persons), k, clause, text, lead_in, ps[0].page_start,
                                       ps[-1].page_end))
    return rows

"""Who must do what: Part "TỔ CHỨC THỰC HIỆN", one row per duty of each agency heading.

Each numbered heading of the part ("3. Sở Nội vụ", "16. Báo Hưng Yên, Đài Phát thanh -
Truyền hình Hưng Yên") names one or more bodies; its lettered clauses ("a) …") are its
duties, one row each (unlettered paragraphs after a clause belong to it; paragraphs before
the first letter are the heading's lead-in, "Tham mưu, giúp UBND tỉnh …. Cụ thể:"). A heading
without letters has one duty: its paragraphs, joined by line breaks. The heading is resolved
against the agency registry when one is given (ids of the bodies it names; the texts that
matched nothing are listed apart).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from normalizers.body_sections import ParsedBody, ParsedSection, clause_groups


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
                                       1, None, None, None, sec.page_start, sec.page_end))
            continue
        for k, (clause, ps) in enumerate(duties, 1):
            text = "\n".join([ps[0].body] + [p.text for p in ps[1:]])
            rows.append(Responsibility(len(rows) + 1, sec.path, sec.seq, no, heading, list(ids), list(names),
                                       list(unmatched), k, clause, text, lead_in, ps[0].page_start, ps[-1].page_end))
    return rows

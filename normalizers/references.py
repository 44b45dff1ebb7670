"""Legal documents cited in the plan: "Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ".

A citation is a document type ("Nghị quyết", "Nghị định", …), a number and a symbol as
printed ("76/NQ-CP", "107/2020/NĐ-CP", "19-NQ/TW"), optionally a date ("ngày 15/7/2021",
"ngày 24 tháng 12 năm 2021") and the issuer ("của Chính phủ"). Stray spaces from OCR or
typing ("196 /KH-UBND", "24 /12/2021", "KH - UBND") are allowed everywhere. A number
without a symbol ("Nghị định 43/2011 của Chính phủ") is kept and merged with the full
citation of the same document when there is one. A symbol cited without its type
("theo 76/NQ-CP") gets the type its code stands for (NQ → Nghị quyết).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from core.text import clean, fold
from normalizers.dates import DATE, match_date, parse_date  # noqa: F401  (one date grammar for both)

_U = "A-ZĐÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĨŨƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"

TYPES = (
    "Thông tư liên tịch", "Nghị quyết liên tịch", "Nghị quyết", "Nghị định", "Quyết định", "Chỉ thị",
    "Kế hoạch", "Thông tư", "Bộ luật", "Luật", "Pháp lệnh", "Thông báo", "Công văn", "Văn bản", "Kết luận",
    "Hướng dẫn", "Chương trình", "Báo cáo", "Quy định", "Thông tri", "Tờ trình", "Công điện", "Quy chế",
)
# The first part of a symbol names the kind of document.
TYPE_CODES = {
    "NQ": "Nghị quyết", "NĐ": "Nghị định", "QĐ": "Quyết định", "CT": "Chỉ thị", "KH": "Kế hoạch",
    "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "NQLT": "Nghị quyết liên tịch", "TB": "Thông báo",
    "KL": "Kết luận", "HD": "Hướng dẫn", "BC": "Báo cáo", "CTr": "Chương trình", "QC": "Quy chế",
    "QyĐ": "Quy định", "QĐi": "Quy định", "TTr": "Tờ trình", "CĐ": "Công điện", "CV": "Công văn",
}
# The rest of a symbol names who issued it.
ISSUER_CODES = {
    "CP": "Chính phủ", "TTg": "Thủ tướng Chính phủ", "UBND": "Ủy ban nhân dân tỉnh",
    "HĐND": "Hội đồng nhân dân tỉnh", "TW": "Ban Chấp hành Trung ương", "TU": "Tỉnh ủy",
    "BCT": "Bộ Công Thương", "VPCP": "Văn phòng Chính phủ", "BNV": "Bộ Nội vụ", "BTC": "Bộ Tài chính",
    "BTP": "Bộ Tư pháp", "BTTTT": "Bộ Thông tin và Truyền thông", "BKHĐT": "Bộ Kế hoạch và Đầu tư",
    "BYT": "Bộ Y tế", "BGDĐT": "Bộ Giáo dục và Đào tạo", "BXD": "Bộ Xây dựng",
    "BTNMT": "Bộ Tài nguyên và Môi trường", "BLĐTBXH": "Bộ Lao động - Thương binh và Xã hội",
    "BVHTTDL": "Bộ Văn hóa, Thể thao và Du lịch", "BKHCN": "Bộ Khoa học và Công nghệ",
    "BNNPTNT": "Bộ Nông nghiệp và Phát triển nông thôn", "BCA": "Bộ Công an", "BQP": "Bộ Quốc phòng",
    "BGTVT": "Bộ Giao thông vận tải", "BNG": "Bộ Ngoại giao", "NHNN": "Ngân hàng Nhà nước Việt Nam",
    "UBTVQH": "Ủy ban Thường vụ Quốc hội", "BCĐ": "Ban Chỉ đạo", "BCSĐ": "Ban cán sự đảng",
    "TTCP": "Thanh tra Chính phủ", "KTNN": "Kiểm toán Nhà nước",
}
_QH = re.compile(r"^(?:UBTV)?QH\d*$")

_TOKEN = rf"[{_U}][A-Za-z{_U}đ0-9]*"
_SYMBOL = rf"{_TOKEN}(?:\s*[-–/]\s*{_TOKEN})*"
_CODE = (rf"(?P<num>\d{{1,5}})\s*(?:/\s*(?P<nyear>(?:19|20)\d{{2}})\s*)?(?P<sep>[/\-–])\s*(?P<sym>{_SYMBOL})")
_BARE_NUMBER = r"(?P<num2>\d{1,5})\s*/\s*(?P<nyear2>(?:19|20)\d{2})(?![\d/])"
_TYPE_ALT = "|".join(f"(?i:{re.escape(t[0])}){re.escape(t[1:])}" for t in TYPES)
_TYPED = re.compile(
    rf"(?<![\w])(?P<type>{_TYPE_ALT})\s+(?:(?i:số)\s*[:.]?\s*)?(?:{_CODE}|{_BARE_NUMBER})"
    rf"(?:\s*,?\s*(?:{DATE}))?")
_BARE = re.compile(rf"(?<![\w/])(?:{_CODE})(?:\s*,?\s*(?:{DATE}))?")
_LAW = re.compile(rf"(?<![\w])(?P<type>Bộ luật|Luật)\s+(?P<name>[{_U}][^;()]{{2,120}}?)\s+"
                  rf"(?:(?:{DATE})|(?i:năm)\s+(?P<ly>(?:19|20)\d{{2}}))")
_OF = re.compile(r"\s*,?\s*của\s+")
# Lower-case words of issuers' names, as (previous word, word): "Ban Chấp hành Đảng bộ tỉnh",
# "Thủ tướng Chính phủ", "UBND tỉnh". Any other lower-case word ends the name ("Chính phủ | ban hành").
_ISSUER_PAIRS = frozenset(tuple(p.split()) for p in (
    "chấp hành", "thủ tướng", "chính phủ", "ủy ban", "uỷ ban", "ban nhân", "nhân dân", "dân tỉnh", "dân huyện",
    "dân thành", "thành phố", "đảng bộ", "bộ tỉnh", "thường vụ", "vụ quốc", "quốc hội", "trung ương", "ubnd tỉnh",
    "ubnd huyện", "hđnd tỉnh", "hđnd huyện", "tỉnh ủy", "tỉnh uỷ", "ban chỉ", "chỉ đạo", "bộ nội", "nội vụ",
    "bộ tài", "tài chính", "bộ tư", "tư pháp", "chính trị", "bí thư", "ban thường", "vụ tỉnh"))


@dataclass
class Citation:
    type: str | None
    number: str | None
    symbol: str | None  # "NQ-CP", "NĐ-CP", "NQ/TW"; None when only "43/2011" is printed
    code: str  # "76/NQ-CP", "107/2020/NĐ-CP", "19-NQ/TW", "43/2011", or a law's name
    number_year: int | None  # the year inside the number ("107/2020/NĐ-CP" → 2020)
    date: date | None
    issuer_text: str | None  # as printed after "của"
    title: str | None  # a law cited by name ("Luật Tổ chức chính quyền địa phương")
    start: int
    end: int
    printed: str


@dataclass
class Reference:
    seq: int  # 1-based, order of first citation
    type: str | None  # Nghị quyết, Nghị định, Quyết định, Chỉ thị, Kế hoạch, Thông tư, Luật, …
    number: str | None  # "76"
    symbol: str | None  # "NQ-CP"
    code: str  # "76/NQ-CP", "107/2020/NĐ-CP", "19-NQ/TW" (spaces removed)
    year: int | None  # from the number, else from the date
    date: date | None  # issue date when printed (first one found)
    issuer: str | None  # from the symbol (CP → Chính phủ), else as printed after "của"
    issuer_text: str | None  # as printed after "của" (first one found)
    title: str | None  # name of a law cited by name
    citation: str  # the first citation as printed
    cited_in: str | None  # section path ("I.1", "preamble") or the `where` of an extra text
    cited_in_seq: int | None  # the section's seq (paths can repeat when a numeral is printed twice)
    cited_in_clause: str | None  # clause letter of the first citation ("a")
    page: int | None  # page of the first citation
    mentions: int  # citations of this document, body and extra texts
    cited_in_all: list[str] = field(default_factory=list)  # every place cited, first-seen order


def _squash(symbol: str) -> str:
    return re.sub(r"\s+", "", symbol).replace("–", "-")


def symbol_parts(symbol: str | None) -> tuple[str | None, list[str]]:
    """("NQ-CP") → ("NQ", ["CP"]); ("NQ/TW") → ("NQ", ["TW"]); ("UBND-NC") → (None, ["UBND", "NC"])."""
    if not symbol:
        return None, []
    toks = [t for t in re.split(r"[-/]", symbol) if t]
    if toks and toks[0] in TYPE_CODES:
        return toks[0], toks[1:]
    return None, toks


def issuer_from_symbol(symbol: str | None) -> str | None:
    _, rest = symbol_parts(symbol)
    names = []
    for t in rest:
        if t in ISSUER_CODES:
            names.append(ISSUER_CODES[t])
        elif _QH.match(t):
            names.append("Ủy ban Thường vụ Quốc hội" if t.startswith("UBTV") else "Quốc hội")
    return "; ".join(dict.fromkeys(names)) or None


def _issuer_after(text: str, pos: int) -> str | None:
    m = _OF.match(text, pos)
    if not m:
        return None
    words: list[str] = []
    for w in text[m.end():m.end() + 80].split():
        core = w.rstrip(".,;:)")
        if not core:
            break
        if not core[0].isupper() and not (words and (words[-1].lower(), core.lower()) in _ISSUER_PAIRS):
            break
        words.append(core)
        if core != w:
            break
    return " ".join(words) or None


def _citation(m: re.Match, text: str, type_: str | None) -> Citation | None:
    gd = m.groupdict()
    num = gd.get("num") or gd.get("num2")
    sym = gd.get("sym")
    nyear = gd.get("nyear") or gd.get("nyear2")
    if sym:
        sym = _squash(sym)
        sep = gd.get("sep") or "/"
        code_type, _ = symbol_parts(sym)
        if type_ is None:
            if code_type is None:
                return None
            type_ = TYPE_CODES[code_type]
        code = f"{num}{'-' if sep in '-–' else '/'}{nyear + '/' if nyear else ''}{sym}"
    else:
        code = f"{num}/{nyear}"
    d = match_date(m) if gd.get("d") else None
    end = m.end()
    return Citation(type_, num, sym, code, int(nyear) if nyear else None, d, _issuer_after(text, end), None,
                    m.start(), end, clean(m.group()))


def find_citations(text: str) -> list[Citation]:
    """Every legal document cited in `text`, in order."""
    text = text or ""
    found: list[Citation] = []
    taken: list[tuple[int, int]] = []
    for m in _TYPED.finditer(text):
        t = m.group("type")
        type_ = next(x for x in TYPES if x.lower() == t.lower())
        c = _citation(m, text, type_)
        if c:
            found.append(c)
            taken.append((m.start(), m.end()))
    for m in _LAW.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        name = clean(m.group("name")).rstrip(",")
        if re.search(r"\d+\s*/", name):
            continue  # "Luật số 80/2015/QH13" is a numbered citation, found above
        d = match_date(m) if m.group("d") else None
        y = d.year if d else int(m.group("ly")) if m.group("ly") else None
        found.append(Citation(m.group("type"), None, None, name, y if not d else None, d,
                              _issuer_after(text, m.end()), name, m.start(), m.end(), clean(m.group())))
        taken.append((m.start(), m.end()))
    for m in _BARE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        c = _citation(m, text, None)
        if c:
            found.append(c)
            taken.append((m.start(), m.end()))
    found.sort(key=lambda c: c.start)
    return found


@dataclass
class Source:
    """A text to scan and where it sits."""
    where: str | None
    text: str
    seq: int | None = None  # section seq
    clause: str | None = None
    page_at: Callable[[int], int | None] | None = None


def _key(c: Citation) -> tuple:
    if c.title:
        return ("law", fold(c.type), fold(c.title))
    return (fold(c.type or ""), c.number, (c.symbol or "").casefold() or None)


def find_references(sources: Iterable[Source], exclude_codes: Iterable[str] = ()) -> list[Reference]:
    """Deduplicated references (same type + number + symbol), with where each was first cited and
    how often. A citation without a symbol joins the one document of the same type and number
    (and year, when printed); codes in `exclude_codes` (the plan's own number) are left out."""
    skip = {_squash(c).casefold() for c in exclude_codes if c}
    cites = [(c, src) for src in sources for c in find_citations(src.text)
             if _squash(c.code).casefold() not in skip]
    full: dict[tuple, Citation] = {}
    for c, _ in cites:
        if c.symbol is not None or c.title is not None:
            full.setdefault(_key(c), c)

    def key_of(c: Citation) -> tuple:
        if c.symbol is not None or c.title is not None:
            return _key(c)
        same = [k for k, f in full.items() if f.type == c.type and f.number == c.number
                and (c.number_year is None or (f.number_year or (f.date.year if f.date else None)) in (None, c.number_year))]
        return same[0] if len(same) == 1 else _key(c)

    refs: dict[tuple, Reference] = {}
    for c, src in cites:
        key = key_of(c)
        ref = refs.get(key)
        page = src.page_at(c.start) if src.page_at else None
        if ref is None:
            best = full.get(key, c)  # the full citation names the document (symbol, year)
            ref = refs[key] = Reference(
                len(refs) + 1, best.type, best.number, best.symbol, best.code,
                best.number_year or c.number_year, None, None, None, best.title, c.printed,
                src.where, src.seq, src.clause, page, 0, [])
        ref.mentions += 1
        if ref.date is None and c.date is not None:
            ref.date = c.date
        if ref.issuer_text is None and c.issuer_text:
            ref.issuer_text = c.issuer_text
        if src.where is not None and src.where not in ref.cited_in_all:
            ref.cited_in_all.append(src.where)
    out = list(refs.values())
    for r in out:
        if r.year is None and r.date is not None:
            r.year = r.date.year
        r.issuer = issuer_from_symbol(r.symbol) or r.issuer_text
    return out

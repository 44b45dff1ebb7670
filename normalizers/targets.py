"""Quantitative targets of the plan's "MỤC TIÊU" part: one row per value promised.

A clause ("a) Trên 95% số hồ sơ TTHC … đúng hạn; phấn đấu 80% … trước hạn.") is cut into
segments: sentences; within a sentence, parts after ";" that set their own value; and a
trailing ", … cao hơn so với năm 2021" that sets no value of its own. Each value in a
segment is a row: 95% (above), 50%/40%/35% by level ("cấp tỉnh, cấp huyện, cấp xã …
tương ứng 50%, 40%, 35%" → scope per row), "từ 2 đến 5 bậc" (between). A segment with no
value is kept as a non-numeric target (value None), so nothing the plan promises is lost.
Comparators: tối thiểu / ít nhất / không thấp hơn → at_least, trên / hơn / vượt → above,
tối đa / không quá → up_to, dưới → below, từ X trở lên → at_least, từ X đến Y → between,
nhóm N … dẫn đầu → within_top, a bare or "đạt" value → exactly; a value listed after another
("2,5% … và 2% …") takes the comparator of the one before.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.text import fold
from normalizers.body_sections import VN_UPPER, ParsedBody, ParsedSection, clause_groups, split_abbreviation

_NUM = r"\d+(?:[.,]\d+)?"
_UNIT_WORDS = r"bậc|điểm|hạng|vị trí"
_RANGE = re.compile(rf"(?i:từ)\s+(?P<a>{_NUM})\s*(?P<ua>%|{_UNIT_WORDS})?\s*"
                    rf"(?:(?i:đến)|-|–)\s*(?P<b>{_NUM})\s*(?P<u>%|{_UNIT_WORDS})(?!\w)")
_PCT = re.compile(rf"(?P<a>{_NUM})\s*%")
# "nằm trong nhóm 20 địa phương dẫn đầu", "top 10 tỉnh, thành phố có chỉ số cao nhất"
_TOP = re.compile(r"(?i:nhóm|top)\s+(?P<a>\d+)\s+(?P<u>địa phương|tỉnh, thành phố|tỉnh|đơn vị)?"
                  r"(?=[^.;]{0,60}?(?i:dẫn đầu|đứng đầu|cao nhất|tốt nhất|xếp hạng))")
_STEP = re.compile(rf"(?P<a>{_NUM})\s+(?P<u>{_UNIT_WORDS})(?!\w)")
_CMP_BEFORE = re.compile(
    r"(?P<kw>tối thiểu|ít nhất|không thấp hơn|không dưới|không ít hơn|tối đa|không vượt quá|không quá|trên|hơn|vượt|"
    r"dưới|từ|đạt|bằng)\s*(?:(?:tương ứng|lần lượt là|lần lượt|đạt|tỷ lệ|tỉ lệ|là|mức|ở mức|khoảng)\s*)*$",
    re.IGNORECASE)
_CMP = {"tối thiểu": "at_least", "ít nhất": "at_least", "không thấp hơn": "at_least", "không dưới": "at_least",
        "không ít hơn": "at_least", "tối đa": "up_to", "không vượt quá": "up_to", "không quá": "up_to",
        "trên": "above", "hơn": "above", "vượt": "above", "dưới": "below", "từ": "at_least", "đạt": "exactly",
        "bằng": "exactly"}
_AFTER_UP = re.compile(r"^\s*trở lên", re.IGNORECASE)
_AFTER_DOWN = re.compile(r"^\s*trở xuống", re.IGNORECASE)
_DIRECTION = re.compile(r"(?<!\w)(tăng|giảm)(?!\w)(?!\s+cường)", re.IGNORECASE)
_COMPARATIVE = re.compile(r"(?<!\w)(cao|nhiều|thấp|ít)\s+hơn(?!\w)", re.IGNORECASE)
_BASELINE = re.compile(
    r"(?:(?:(?:cao|thấp|nhiều|ít)\s+hơn\s+)?so\s+với\s+(?:cùng\s+kỳ\s+)?năm\s+(?P<y1>(?:19|20)\d{2})"
    r"|(?:cao|thấp|nhiều|ít)\s+hơn\s+(?:cùng\s+kỳ\s+)?năm\s+(?P<y2>(?:19|20)\d{2}))", re.IGNORECASE)
_LEVEL = re.compile(r"(?<!\w)cấp\s+(tỉnh|huyện|xã|trung ương|cơ sở)(?!\w)", re.IGNORECASE)
_SENTENCE = re.compile(rf"(?<=[.!?])\s+(?=[\"“(]?[{VN_UPPER}0-9])")
_SUB = re.compile(r"^trong (?:số )?đó\b")
_LIST_JOIN = re.compile(r"^\s*(?:,|và|;)?\s*$")


@dataclass
class Target:
    seq: int  # 1-based, document order
    section_path: str | None  # "II.2" (the area's section), "II" for the part's own text
    section_seq: int | None
    area_no: int | None  # 2
    area: str | None  # "Cải cách thủ tục hành chính" (None: the part's general aims)
    area_abbr: str | None  # "TTHC"
    clause: str | None  # "a", "đ"
    text: str  # the segment of the clause that sets this value, as printed
    value: float | None  # 95.0, 2.5; None for a non-numeric target
    value_max: float | None  # upper bound of a range ("từ 2 đến 5 bậc" → 5.0)
    unit: str | None  # "%", "bậc", "địa phương"
    comparator: str | None  # at_least | above | exactly | up_to | below | between | within_top
    direction: str | None  # increase | decrease (tăng / giảm), None when not said
    scope: str | None  # "cấp tỉnh", "cấp huyện", "cấp xã" when one clause sets a value per level
    baseline: str | None  # "so với năm 2021", "cao hơn năm 2021"
    baseline_year: int | None
    aspirational: bool  # "phấn đấu" (also misprinted "phần đầu", "Phân đầu")
    sub_target: bool  # "Trong đó, …" / "Trong số đó, …": a share of the target before it
    page: int | None


@dataclass
class _Value:
    start: int
    end: int
    value: float
    value_max: float | None
    unit: str
    comparator: str | None  # fixed by the pattern (between, within_top) or None


def _num(s: str) -> float:
    return float(s.replace(",", "."))


def _deaccent(text: str) -> str:
    t = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return "".join(c for c in t if not unicodedata.combining(c))


def find_values(text: str) -> list[_Value]:
    found: list[_Value] = []

    def free(a: int, b: int) -> bool:
        return all(b <= v.start or a >= v.end for v in found)

    for m in _RANGE.finditer(text):
        unit = m.group("u")
        found.append(_Value(m.start(), m.end(), _num(m.group("a")), _num(m.group("b")), unit, "between"))
    for m in _PCT.finditer(text):
        if free(m.start(), m.end()):
            found.append(_Value(m.start(), m.end(), _num(m.group("a")), None, "%", None))
    for m in _TOP.finditer(text):
        if free(m.start(), m.end()):
            found.append(_Value(m.start(), m.end(), _num(m.group("a")), None, m.group("u") or "hạng", "within_top"))
    for m in _STEP.finditer(text):
        if free(m.start(), m.end()):
            found.append(_Value(m.start(), m.end(), _num(m.group("a")), None, m.group("u"), None))
    return sorted(found, key=lambda v: v.start)


def segments(text: str) -> list[tuple[int, str]]:
    """(offset, text) of the parts of a clause that each set their own target(s)."""
    out: list[tuple[int, str]] = []
    pos = 0
    sentences = []
    for m in _SENTENCE.finditer(text):
        sentences.append((pos, text[pos:m.start()]))
        pos = m.end()
    sentences.append((pos, text[pos:]))
    for off, sent in sentences:
        if not sent.strip():
            continue
        # ";" parts: a part that sets its own value after one that set a value starts a new segment
        bounds, start = [], 0
        for m in re.finditer(r";\s*", sent):
            bounds.append((start, m.start()))
            start = m.end()
        bounds.append((start, len(sent)))
        spans: list[list] = []  # [start, end, has_value]
        for s, e in bounds:
            has = bool(find_values(sent[s:e]))
            if spans and not (has and spans[-1][2]):
                spans[-1][1] = e
                spans[-1][2] = spans[-1][2] or has
            else:
                spans.append([s, e, has])
        groups = [(s, sent[s:e]) for s, e, _ in spans]
        for g_off, g in groups:
            values = find_values(g)
            cut = None
            if values:
                tail_from = values[-1].end
                for cm in re.finditer(r",\s*", g[tail_from:]):
                    rest = g[tail_from + cm.end():]
                    if _COMPARATIVE.search(rest) and not find_values(rest):
                        cut = (tail_from + cm.start(), tail_from + cm.end())
                        break
            if cut:
                out.append((off + g_off, g[:cut[0]]))
                out.append((off + g_off + cut[1], g[cut[1]:]))
            else:
                out.append((off + g_off, g))
    return [(o, s) for o, s in out if s.strip(" .;,")]


def _comparator(seg: str, v: _Value, prev: _Value | None, prev_cmp: str | None) -> str:
    if v.comparator:
        return v.comparator
    after = seg[v.end:]
    if _AFTER_UP.match(after):
        return "at_least"
    if _AFTER_DOWN.match(after):
        return "up_to"
    before = seg[prev.end if prev else 0:v.start]
    m = _CMP_BEFORE.search(before)
    if m:
        return _CMP[m.group("kw").lower()]
    if prev is not None and prev_cmp is not None:
        return prev_cmp  # "tối thiểu 2,5% … và 2% …", "tương ứng 50%, 40%, 35%"
    return "exactly"


def _scopes(seg: str, values: list[_Value]) -> list[str | None]:
    if len(values) < 2:
        return [None] * len(values)
    per = []
    for i, v in enumerate(values):
        nxt = values[i + 1].start if i + 1 < len(values) else len(seg)
        m = _LEVEL.search(seg, v.end, nxt)
        per.append(f"cấp {m.group(1).lower()}" if m else None)
    if all(per):
        return per
    listed = all(_LIST_JOIN.match(seg[a.end:b.start]) for a, b in zip(values, values[1:]))
    before: list[str | None] = [f"cấp {m.group(1).lower()}" for m in _LEVEL.finditer(seg, 0, values[0].start)]
    if listed and len(before) == len(values):
        return before
    return [None] * len(values)


def _direction(text: str) -> str | None:
    found = _DIRECTION.findall(text)
    if not found:
        return None
    return "increase" if found[-1].lower() == "tăng" else "decrease"


def _baseline(seg: str) -> tuple[str | None, int | None]:
    m = _BASELINE.search(seg)
    if not m:
        return None, None
    return m.group(), int(m.group("y1") or m.group("y2"))


def segment_targets(seg: str) -> list[dict]:
    """The targets one segment sets (without area/clause/page)."""
    text = seg.strip().rstrip(" .;,").strip()
    lead = len(seg) - len(seg.lstrip())
    values = find_values(text)
    sub = bool(_SUB.match(fold(text)))
    base, base_year = _baseline(text)
    rows = []
    if not values:
        if text.endswith(":") or len(text.split()) < 3:
            return []
        cm = _COMPARATIVE.search(text)
        cmp_ = None
        if cm:
            cmp_ = "above" if cm.group(1).lower() in ("cao", "nhiều") else "below"
        return [dict(text=text, value=None, value_max=None, unit=None, comparator=cmp_, direction=_direction(text),
                     scope=None, baseline=base, baseline_year=base_year,
                     aspirational="phan dau" in _deaccent(text), sub_target=sub, offset=lead)]
    scopes = _scopes(text, values)
    prev, prev_cmp, prev_dir = None, None, None
    for v, scope in zip(values, scopes):
        cmp_ = _comparator(text, v, prev, prev_cmp)
        before = text[prev.end if prev else 0:v.start]
        direction = _direction(before) or (prev_dir if prev else None)
        rows.append(dict(text=text, value=v.value, value_max=v.value_max, unit=v.unit, comparator=cmp_,
                         direction=direction, scope=scope, baseline=base, baseline_year=base_year,
                         aspirational="phan dau" in _deaccent(text[:v.start]), sub_target=sub, offset=lead))
        prev, prev_cmp, prev_dir = v, cmp_, direction
    return rows


def _targets_of(sec: ParsedSection, area: tuple[int | None, str | None, str | None], rows: list[Target]) -> None:
    for clause, paras in clause_groups(sec.paragraphs):
        for p in paras:
            body, base = p.body, p.body_offset
            for off, seg in segments(body):
                for r in segment_targets(seg):
                    page = p.page_at(base + off + r.pop("offset"))
                    rows.append(Target(len(rows) + 1, sec.path, sec.seq, area[0], area[1], area[2], clause,
                                       page=page, **r))


def body_to_targets(body: ParsedBody) -> list[Target]:
    part = body.find_part("mục tiêu")
    if part is None:
        return []
    rows: list[Target] = []
    _targets_of(part, (None, None, None), rows)
    todo = body.children(part)
    while todo:
        sec = todo.pop(0)
        title, abbr = split_abbreviation(sec.title or "")
        no = int(sec.number) if sec.number and sec.number.isdigit() else None
        _targets_of(sec, (no, title or None, abbr), rows)
        todo[0:0] = body.children(sec)
    return rows

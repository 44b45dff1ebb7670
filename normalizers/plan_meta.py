"""Title, plan year and province of a plan, from its first page and its appendix heading.

The plan year fills years missing from deadline phrases ("Tháng 11 hàng năm");
the province fills the registry's templates ("Báo {province}").
"""
from __future__ import annotations

import re
from collections import Counter

from normalizers.text import clean

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

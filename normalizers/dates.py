"""The date grammar shared by the plan's metadata and its legal references."""
from __future__ import annotations

import re
from datetime import date

# "ngày 24/12/2021", "ngày 24 /12/2021", "ngày 24 tháng 12 năm 2021" (spaces allowed anywhere)
DATE = (r"(?i:ng[àaảáạã]y)\s*(?P<d>\d{1,2})\s*(?:[/.\-]|(?i:tháng))\s*(?P<m>\d{1,2})\s*(?:[/.\-]|(?i:năm))\s*"
        r"(?P<y>(?:19|20)\d{2})")
_DATE = re.compile(DATE)


def parse_date(text: str) -> date | None:
    """The first "ngày 24/12/2021" or "ngày 24 tháng 12 năm 2021" (spaces allowed) in `text`."""
    for m in _DATE.finditer(text or ""):
        d = match_date(m)
        if d:
            return d
    return None


def match_date(m: re.Match) -> date | None:
    try:
        if m.group("d") is None:
            return None
        return date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    except (ValueError, TypeError, IndexError):
        return None

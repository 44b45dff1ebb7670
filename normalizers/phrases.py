"""Is a cell's text a finished phrase, or was it cut (by a page break)?

Used by the stitcher as evidence; it never changes text. A deadline like
"Năm 2022" or "Thường xuyên" is complete, "Thường" or "Quý II/2022 và" is not.
"""
from __future__ import annotations

import re

from core.text import fold

# Words a Vietnamese noun phrase or clause does not end with: a phrase ending
# with one of them was most likely cut ("Kế hoạch số hóa của" | "UBND tỉnh").
DANGLING_WORDS = frozenset(
    "của và các những với cho về theo tại trong có cấp được để là từ đến hoặc thuộc "
    "liên văn phòng sở ủy ban trên dưới giữa nhằm bằng như đối nhà "
    # first words of agency names: "Báo" | "Hưng Yên", "Trung" | "tâm …", "Kho" | "bạc …"
    "báo đài trung kho cục chi".split()
)
_YEAR_END = re.compile(r"(\b(19|20)\d{2}|\d{1,2}/(19|20)\d{2})\)?$")
_OPEN_ENDED = ("thường xuyên", "hàng năm", "hằng năm", "hàng quý", "hằng quý", "hàng tháng", "hằng tháng",
               "định kỳ", "liên tục", "hằng tuần", "hàng tuần", "lần", "đột xuất", "theo yêu cầu", "trong năm",
               "cả năm", "đầu năm", "cuối năm")
_CONDITIONAL_START = ("khi ", "sau khi ", "theo ", "trước ", "từ ", "thực hiện ", "ngay ", "căn cứ ", "tùy ",
                      "tuỳ ", "trong trường hợp ")


def ends_dangling(text: str) -> bool:
    t = fold(text)
    if not t:
        return False
    if text.rstrip()[-1:] in {",", ";", ":", "-", "(", "/", "&"}:
        return True
    return t.split()[-1] in DANGLING_WORDS


def ends_sentence(text: str) -> bool:
    return text.rstrip()[-1:] in {".", "!", "?", ")"} and not text.rstrip().endswith("...")


def deadline_is_complete(text: str) -> bool:
    t = fold(text)
    if not t or ends_dangling(text):
        return False
    if _YEAR_END.search(t) or t.endswith(_OPEN_ENDED):
        return True
    return t.startswith(_CONDITIONAL_START) and len(t.split()) >= 3

"""The "Thời gian" (deadline) cell of a plan's appendix as structured values.

`parse_deadline("Quý II/2022")` -> Deadline(kind="quarter", start=2022-04-01, end=2022-06-30, ...).

How it works: the cell is folded (`core.text.fold`: NFC, one tone-mark
placement, lower case, no spaces around "/", ",", "-"), cut into tokens by one
regular expression (`text_to_tokens`) and read by a small recursive-descent parser
(`tokens_to_deadline`) whose methods are the productions below. Whatever the
grammar does not derive completely is kind "unknown" with every value None: the
parser never guesses.

Tokens
------
    DATE   d/m/yyyy or d/m ("30/6/2022", "15/12"); 1-2 digit day and month
    NUM    digits ("2022", "01", "6", "11")
    ROMAN  a word that is a Roman numeral I..XII ("ii", "iv"); it still matches as a word
    WORD   letters ("quý", "thường", "xuyên"; every keyword below is a sequence of WORDs)
    "/"  ","  DASH ("-", "–", "—")  "("  ")"  and OTHER (any other character)

Grammar (EBNF; quoted strings are folded words, YEAR is a NUM 1900..2100; the word lists
are the module constants _CONDITION_HEADS, _REF_HEADS, _LEADS, _CONT, _EVERY)
-----------------------------------------------------------------------------------------
    deadline    = condition | reference | {lead} (continuous | recurring | scheduled)
    condition   = COND_HEAD ANY+ | "theo yêu cầu" | "đột xuất"          ("khi", "sau khi", "trước khi", "căn cứ", ...)
    reference   = "theo" REF_HEAD ANY*                                   ("tiến độ", "kế hoạch", "quyết định", ...)
    lead        = LEAD                                 ("xong", "hoàn thành", "là", "nhiệm vụ", "triển khai", ...)
    continuous  = cont [("," | "và") cont] [following] [[","|"và"] recurrences] [["("] [","] span [")"]]
    cont        = "thường xuyên" | "liên tục"
    recurring   = recurrences [("và" | "hoặc") (COND_HEAD | "đột xuất") ANY*] [["("] [","|":"|";"] {lead} span [")"]]
    recurrences = recurrence {("," | "/" | "và" | "hoặc") recurrence}    (a "định kỳ" in front covers them all)
    recurrence  = ["định kỳ"] every | "định kỳ" [NUM ("tháng" | "năm") [per]] | NUM ("tháng" | "năm") per
    every       = ("hàng" | "hằng" | "hăng") ("năm" | "quý" | "tháng" | "tuần" | "ngày")
    per         = ("/" | "một" | "1") "lần"
    scheduled   = span {(";" | "," | "và") ["trong"] point} [suffix]
    span        = "giai đoạn" ["từ"] point to ["hết"] point                 (period)
                | ["bắt đầu"] ["kể"] "từ" point (to ["hết"] point | ["trở đi" | "về sau"])  (period | since)
                | "trước" [["("] "ngày" [")"]] point                        (due: a day; before: a period)
                | (("đến" | "tới") ["hết"] | "hết" | "cuối") point          (due)
                | "chậm nhất" ["là"] ["trước" | "vào"] point                (due)
                | "các" point to ["hết"] point                              (period)
                | ["trong" | "vào" | "cả"] point [to ["hết"] point]         (point | period)
    to          = "đến" | "tới" | DASH
    suffix      = "(" suffix_core ")" | suffix_core
    suffix_core = ongoing [recurrences] | [("và" | ",")] recurrences
    ongoing     = ("và" | ",") (cont [following] | following_core)
    following   = ["trong"] following_core
    following_core = ("các" | "những") "năm" ("tiếp theo" | "sau") | "trở đi"
    point       = date | worded_date | month | bare_month | quarter | half | year
    date        = ["ngày"] DATE
    worded_date = ["ngày"] NUM "tháng" NUM [("năm" | "/") YEAR]        ("30 tháng 6 năm 2025")
    month       = "tháng" NUM {sep NUM} [year_part]                   months 1..12, increasing
    bare_month  = NUM "/" YEAR                                        ("11/2026"; NUM 1..12, 1-2 digits)
    quarter     = ("quý" | "quí") qnum {sep qnum} [year_part]         quarters 1..4, increasing
    qnum        = ROMAN | NUM
    sep         = "," | "và" | DASH                                   (only when a number follows)
    half        = NUM "tháng" ("đầu" | "cuối") "năm" [["/"] YEAR]     NUM 1..11
    year        = ["năm"] YEAR | ("trong" | "cả") "năm"               (the latter: the plan's year)
    year_part   = "/" YEAR | [","] "năm" YEAR

Semantics (what each derivation yields)
----------------------------------------
- point: "Quý II/2022" -> quarter 2022-04-01..2022-06-30; "Quý III, IV/2022" -> quarter from
  the first day of the first to the last day of the last quarter (same for month lists,
  "Tháng 3, 6/2022" -> month 2022-03-01..2022-06-30); "Năm 2022"/"2022" -> year Jan 1..Dec 31;
  "Tháng 01/2022" -> month; "6 tháng đầu năm 2022" -> range Jan 1..Jun 30, "6 tháng cuối năm"
  -> range Jul 1..Dec 31 (any N tháng đầu/cuối năm likewise); a DATE -> date with
  start = end = that day.
- A missing year comes from the other end of a period if that has one ("Từ tháng 3 đến tháng
  6/2022"), else from `plan_year`. Without a year the dates are None but the kind is still
  given. Impossible values (Quý V, tháng 13, 31/4, start after end) make the phrase unknown.
- OCR tolerance: "Quý 11/2024" and "Quý 111/2024" read as II and III, only directly before
  "/" YEAR (11 and 111 are not quarters); stray spaces around "/", "," and "-" (folded away),
  en/em dashes, a trailing period, "hăng" for "hằng".
- period: kind range, start = start of the first point, end = end of the last point
  ("Từ Quý II/2022 đến hết Quý IV/2025" -> 2022-04-01..2025-12-31, "Năm 2023 - 2025",
  "giai đoạn 2023-2025", "2021-2025" -> 2023-01-01..2025-12-31). A list inside one point
  ("Quý II-III/2022") stays a quarter.
- since ("Từ năm 2022", "Thực hiện thí điểm bắt đầu từ năm 2022"): range, start = start of
  the point, end None, ongoing True.
- due ("trước ngày 30/6/2022", "Trước 15/12", "Đến hết năm 2025", "Chậm nhất quý II/2022"):
  the kind of the point, start None, end = the end of the point. "trước" only takes a day:
  "trước tháng 6" is before June starts (see below).
- ongoing suffix ("Quý IV/2022 và thường xuyên", "... và thường xuyên trong các năm tiếp
  theo", "Năm 2022 và các năm tiếp theo"): the span unchanged, ongoing True.
- annual suffix ("Tháng 11 hàng năm", "Quý IV hằng năm", "Trước ngày 15/12 hằng năm"):
  when no year is written, kind recurring, recurrence annual, ongoing True and the dates of
  the span in `plan_year`. With a written year ("Tháng 12/2022 và hằng năm") the span keeps
  its kind and dates, recurrence annual, ongoing True.
- recurring alone: "Hàng năm"/"Hằng năm"/"Định kỳ hằng năm"/"Định kỳ 12 tháng" -> annual,
  "Định kỳ 6 tháng" -> half-yearly, "Hằng quý"/"Định kỳ 3 tháng" -> quarterly,
  "Hằng tháng"/"Định kỳ 1 tháng" -> monthly; start/end = Jan 1..Dec 31 of `plan_year`
  (None without it), ongoing True.
- continuous ("Thường xuyên", "Liên tục", "Thường xuyên, liên tục"): start = Jan 1 of
  `plan_year` (None without it), end None, ongoing True.
- condition: kind conditional, condition = the whole cell as printed (`clean`ed, trailing
  ".;:," removed), e.g. "Khi có yêu cầu", "Sau khi thực hiện kiểm tra xong"; no dates.
- reference: kind reference, condition = the whole cell as printed, e.g. "Theo thời hạn tại
  Kế hoạch của UBND tỉnh", "Theo quy định"; no dates.
- before a period ("Xong trước tháng 10/2026", "Trước Quý III/2025", "Trước năm 2026"): kind
  date, start None, end = the day before the period starts (2026-09-30, 2025-06-30,
  2025-12-31); before a day ("Trước (ngày) 30/6/2025") the day itself is the due date.
- "cuối năm 2025" / "cuối quý II": due at the end of the point (start None).
- a list of points ("Quý II/2022, Quý III/2022", "Năm 2025, 2026", "Tháng 6 và tháng 12"):
  from the start of the first to the end of the last (increasing), the points' kind if they
  share one, else range.
- recurrences: annual | half-yearly | quarterly | monthly | weekly | daily | every-N-months |
  every-N-years | periodic ("Định kỳ" alone); a list joins them with "," in printed order
  ("Định kỳ hằng quý / 6 tháng" -> "quarterly,half-yearly"). A recurrence with a span keeps
  both ("Hằng năm (trước ngày 15/12)" -> recurring, end 15/12 of the plan year, annual); with a
  condition ("Định kỳ hằng năm và đột xuất") the printed cell is kept as the condition too.
- continuous with a span ("Thường xuyên trong năm 2022") takes the span's dates; with a
  recurrence ("Thường xuyên, hằng năm") keeps it.
- Anything else, including "", None, "Sớm", "Quý V/2022", "Tháng 11 hằng quý", "Khi":
  kind unknown, start/end/recurrence/condition None, ongoing False.

Results are cached per (text, plan_year); a cell parses in about 15-30 µs uncached
(a third of it is `fold`), well under 1 µs cached.
"""
from __future__ import annotations

import calendar
import operator
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from core.text import clean, fold

__all__ = ["Deadline", "UNKNOWN", "parse_deadline", "text_to_tokens", "tokens_to_deadline"]


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str  # date | month | quarter | year | range | continuous | recurring | conditional | reference | unknown
    start: date | None  # first day covered (None where open or not applicable)
    end: date | None  # last day covered / due date (None where open)
    ongoing: bool = False  # "... và thường xuyên", "thường xuyên", "hằng năm", recurring, "từ năm 2022"
    recurrence: str | None = None  # annual | half-yearly | quarterly | monthly | weekly | daily | every-N-months |
    # every-N-years | periodic; several joined by "," ("quarterly,half-yearly"); None
    condition: str | None = None  # the printed cell for conditional and reference, else None


UNKNOWN = Deadline("unknown", None, None)

# ---- tokens ------------------------------------------------------------------------------


class Token(NamedTuple):
    kind: str  # DATE | NUM | ROMAN | WORD | / | , | DASH | ( | ) | OTHER
    text: str


_ROMAN = {r: i for i, r in enumerate("i ii iii iv v vi vii viii ix x xi xii".split(), start=1)}
# One alternative per token; DATE before NUM so "30/6/2022" stays one token, but not inside
# "11/2024" (a NUM "/" NUM) since a date's day and month have at most two digits.
_TOKEN = re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}(?:/\d{4})?(?![\d/])|\d+|[^\W\d_]+|\S")
_PUNCT = {"/": "/", ",": ",", "(": "(", ")": ")", "-": "DASH", "\u2013": "DASH", "\u2014": "DASH"}


def text_to_tokens(folded: str) -> tuple[Token, ...]:
    """Tokens of an already folded cell (see `fold`); whitespace is dropped."""
    tokens = []
    for text in _TOKEN.findall(folded):
        first = text[0]
        if first.isdecimal():
            kind = "DATE" if "/" in text else "NUM"
        elif first.isalpha():
            kind = "ROMAN" if text in _ROMAN else "WORD"
        else:
            kind = _PUNCT.get(text, "OTHER")
        tokens.append(Token(kind, text))
    return tuple(tokens)


# ---- parse tree values -------------------------------------------------------------------


class _Point(NamedTuple):
    """A time point as written; `year` None when the phrase does not give it."""
    kind: str  # date | month | quarter | half | year
    year: int | None
    first: int  # first month covered (the month of a date)
    last: int  # last month covered
    day: int = 0  # date only


class _Span(NamedTuple):
    kind: str  # the Deadline kind
    lo: _Point | None  # start = first day of lo (None: open start)
    hi: _Point | None  # end = last day of hi (None: open end)
    ongoing: bool = False
    before: bool = False  # end = the day before hi starts ("trước tháng 10/2026" -> 30/9/2026)


class _NoParse(Exception):
    """The tokens are not derivable from the grammar."""


def _first_day(p: _Point, year: int) -> date:
    return date(year, p.first, p.day or 1)


def _last_day(p: _Point, year: int) -> date:
    if p.kind == "date":
        return date(year, p.last, p.day)
    return date(year, p.last, calendar.monthrange(year, p.last)[1])


def _words(phrase: str) -> tuple[str, ...]:
    return tuple(phrase.split())


# Word lists of the grammar (folded). Phrases, so "sau khi" is tried before "khi".
_CONDITION_HEADS = tuple(map(_words, (
    "ngay sau khi", "sau khi", "ngay khi", "khi", "trước khi", "kể từ khi", "tùy theo", "tuỳ theo", "tùy thuộc",
    "căn cứ", "đồng thời với", "cùng với", "theo yêu cầu", "đột xuất", "trong trường hợp", "nếu", "ngay sau",
    "sau", "trường hợp")))
_REF_HEADS = tuple(map(_words, (
    "thời hạn", "thời gian", "kế hoạch", "quy định", "qui định", "tiến độ", "lộ trình", "chỉ đạo", "hướng dẫn",
    "văn bản", "quyết định", "nghị quyết", "chương trình", "đề án", "lịch", "thông báo", "phân công",
    "nội dung", "chức năng", "nhiệm vụ", "thẩm quyền", "luật", "nghị định", "thông tư", "chỉ thị", "công văn",
    "kết luận", "dự án", "yêu cầu")))
_CONT = tuple(map(_words, ("thường xuyên", "liên tục")))
# Lead words before the time ("Hoàn thành trước ...", "Xong trong Quý III/2025", "Là nhiệm vụ
# thường xuyên"): they say what happens, not when; any sequence of them is skipped.
_LEADS = tuple(map(_words, (
    "thực hiện", "triển khai", "hoàn thành", "xong", "ban hành", "tổ chức", "trình", "báo cáo", "xây dựng",
    "tổng kết", "sơ kết", "phấn đấu", "dự kiến", "áp dụng", "thí điểm", "là", "nhiệm vụ", "công việc",
    "cơ bản", "hoàn thiện", "kiện toàn", "vận hành", "đưa vào sử dụng", "đánh giá", "tổng hợp", "gửi",
    "duy trì", "được", "phải", "bắt đầu triển khai", "định kỳ thực hiện")))
_CONDITION_ALONE = frozenset(map(_words, ("theo yêu cầu", "đột xuất")))
_CONDITION_FIRST = frozenset(h[0] for h in _CONDITION_HEADS)
_CONT_FIRST = frozenset(h[0] for h in _CONT)
_LEAD_FIRST = frozenset(h[0] for h in _LEADS)
_SPAN_FIRST = frozenset({"giai", "bắt", "từ", "trước", "đến", "tới", "hết", "chậm", "các", "trong", "vào", "cuối",
                         "cả", "kể"})
_EVERY_HEAD = frozenset({"hàng", "hằng", "hăng"})  # "hăng": a common OCR slip for "hằng"
_EVERY = {"năm": "annual", "quý": "quarterly", "quí": "quarterly", "tháng": "monthly", "tuần": "weekly",
          "ngày": "daily"}
_EVERY_MONTHS = {1: "monthly", 3: "quarterly", 6: "half-yearly", 12: "annual"}
_LONG = frozenset({"annual"})  # recurrences a sub-year point may carry ("Tháng 11 hằng năm")
_TO = frozenset({"đến", "tới", "-", "\u2013", "\u2014"})
_SEP = frozenset({",", "và", "-", "\u2013", "\u2014"})
_AND = frozenset({"và", ","})
_LIST = frozenset({"và", ",", ";"})  # between two points of one deadline ("Quý II/2022, Quý III/2022")
_QUARTER = frozenset({"quý", "quí"})
_OCR_QUARTER = {"11": 2, "111": 3}  # "Quý 11/2024": Tesseract reads II as 11


def _every_months(n: int) -> str:
    return _EVERY_MONTHS.get(n) or f"every-{n}-months"


def _every_years(n: int) -> str:
    return "annual" if n == 1 else f"every-{n}-years"


# ---- the parser --------------------------------------------------------------------------


class _Parser:
    """One production per method; each consumes tokens or raises _NoParse."""

    __slots__ = ("toks", "i", "plan_year")

    def __init__(self, toks: tuple[Token, ...], plan_year: int | None):
        self.toks = toks
        self.i = 0
        self.plan_year = plan_year

    # -- token helpers --
    def _tok(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def peek(self, k: int = 0) -> Token:
        """The coming token; no parse past the end."""
        tok = self._tok(k)
        if tok is None:
            raise _NoParse
        return tok

    def text(self, k: int = 0) -> str:
        """The text of a coming token, "" past the end (productions dispatch on it)."""
        j = self.i + k
        return self.toks[j].text if j < len(self.toks) else ""

    def at(self, *seq: str | frozenset) -> bool:
        """Do the next tokens read `seq` (each a text or a set of texts)?"""
        toks, i = self.toks, self.i
        if i + len(seq) > len(toks):
            return False
        for want in seq:
            text = toks[i].text
            i += 1
            if type(want) is str:
                if text != want:
                    return False
            elif text not in want:
                return False
        return True

    def eat(self, *seq: str | frozenset) -> bool:
        if self.at(*seq):
            self.i += len(seq)
            return True
        return False

    def eat_any(self, seqs: tuple[tuple[str, ...], ...]) -> bool:
        return any(self.eat(*seq) for seq in seqs)

    def need(self, ok: bool) -> None:
        if not ok:
            raise _NoParse

    def done(self) -> bool:
        return self.i == len(self.toks)

    def number(self) -> int:
        tok = self.peek()
        self.need(tok.kind == "NUM")
        self.i += 1
        return int(tok.text)

    def at_year(self, k: int = 0) -> bool:
        tok = self._tok(k)
        return tok is not None and tok.kind == "NUM" and len(tok.text) == 4 and 1900 <= int(tok.text) <= 2100

    def year(self) -> int:
        self.need(self.at_year())
        self.i += 1
        return int(self.toks[self.i - 1].text)

    def attempt(self, production):
        """The production's value, or None with the position restored (backtracking)."""
        save = self.i
        try:
            return production()
        except _NoParse:
            self.i = save
            return None

    # -- deadline = condition | reference | {lead} (continuous | recurring | scheduled) --
    def deadline(self, printed: str) -> Deadline:
        first = self.text()
        if first in _CONDITION_FIRST:
            start = self.i
            if self.eat_any(_CONDITION_HEADS):
                # a head needs what it depends on ("Khi" alone is not a deadline), except the
                # ones that say it all ("Theo yêu cầu", "Đột xuất")
                self.need(not self.done() or self.toks_text(start) in _CONDITION_ALONE)
                return Deadline("conditional", None, None, condition=printed)
        if self.eat("theo"):
            self.need(self.eat_any(_REF_HEADS))
            return Deadline("reference", None, None, condition=printed)
        self.leads()
        first = self.text()
        if first in _CONT_FIRST:
            return self.continuous(printed)
        if first == "định" or (first in _EVERY_HEAD and self.text(1) in _EVERY) or self.at_per_time():
            return self.recurring(printed)
        return self.scheduled(printed)

    def toks_text(self, start: int) -> tuple[str, ...]:
        return tuple(t.text for t in self.toks[start:self.i])

    def leads(self) -> None:
        while self.text() in _LEAD_FIRST and self.eat_any(_LEADS):
            pass

    def continuous(self, printed: str) -> Deadline:
        """cont [("," | "và") cont] [following] [[","] recurrences] [[","|"("] span [")"]]."""
        self.need(self.eat_any(_CONT))
        save = self.i
        if self.eat(_AND) and not self.eat_any(_CONT):
            self.i = save
        self.following()
        recurrence = self.attempt(self.trailing_recurrence)
        span = None
        if not self.done():
            paren = self.eat("(")
            self.eat(",")
            span = self.span()
            self.need(not paren or self.eat(")"))
        self.need(self.done())
        if span is not None:
            d = self.span_to_deadline(span, True, recurrence)
            return Deadline("continuous", d.start, d.end, ongoing=True, recurrence=recurrence)
        start = date(self.plan_year, 1, 1) if self.plan_year else None
        return Deadline("continuous", start, None, ongoing=True, recurrence=recurrence)

    def following(self) -> bool:
        save = self.i
        self.eat("trong")
        if self.following_core():
            return True
        self.i = save
        return False

    def following_core(self) -> bool:
        return self.eat(frozenset({"các", "những"}), "năm", "tiếp", "theo") or \
            self.eat(frozenset({"các", "những"}), "năm", "sau") or self.eat("trở", "đi")

    # -- recurrences = recurrence {("," | "/" | "và" | "hoặc") recurrence} --
    def every(self) -> str | None:
        tok = self._tok(1)
        if self.at(_EVERY_HEAD) and tok is not None and tok.text in _EVERY:
            self.i += 2
            return _EVERY[tok.text]
        return None

    def at_per_time(self) -> bool:
        """"6 tháng/lần", "02 năm một lần"."""
        tok = self._tok()
        return (tok is not None and tok.kind == "NUM" and self.text(1) in {"tháng", "năm"}
                and self.text(2) in {"/", "một", "1"} and self.text(3) == "lần")

    def recurrence(self, periodic: bool = False) -> str:
        """every | "định kỳ" [every | NUM ("tháng" | "năm")] [per] | NUM ("tháng" | "năm") per.
        `periodic`: a "định kỳ" before the list covers every item ("Định kỳ hằng quý / 6 tháng")."""
        periodic = self.eat("định", "kỳ") or periodic
        r = self.every()
        if r is not None:
            return r
        tok = self._tok()
        if tok is None or tok.kind != "NUM" or self.text(1) not in {"tháng", "năm"}:
            self.need(periodic and (self.done() or self.at(frozenset({",", "(", ";", "và"}))))
            return "periodic"  # "Định kỳ" alone: recurring, period not said
        n = self.number()
        unit = self.text()
        self.i += 1
        per = self.eat(frozenset({"/", "một", "1"}), "lần")
        self.need(periodic or per)
        self.need(1 <= n <= (24 if unit == "tháng" else 10))
        return _every_months(n) if unit == "tháng" else _every_years(n)

    def recurrences(self) -> str:
        periodic = self.at("định", "kỳ")
        out = [self.recurrence()]
        while True:
            save = self.i
            if self.eat(frozenset({",", "/", "và", "hoặc"})):
                nxt = self.attempt(lambda: self.recurrence(periodic))
                if nxt is not None and nxt != "periodic":
                    out.append(nxt)
                    continue
            self.i = save
            break
        return ",".join(dict.fromkeys(out))

    def trailing_recurrence(self) -> str:
        self.eat(_AND)
        self.need(self.text() == "định" or (self.text() in _EVERY_HEAD and self.text(1) in _EVERY)
                  or self.at_per_time())
        return self.recurrences()

    def recurring(self, printed: str) -> Deadline:
        """recurrences [("và" | "hoặc") ("đột xuất" | condition)] [[","|"("|":"] span [")"]]."""
        recurrence = self.recurrences()
        condition = None
        span = None
        if self.at(frozenset({"và", "hoặc"})) and (self.text(1) in _CONDITION_FIRST):
            self.i += 1
            self.need(self.eat_any(_CONDITION_HEADS) or self.eat("đột", "xuất"))
            condition = printed
            self.i = len(self.toks)
        if not self.done():
            paren = self.eat("(")
            self.eat(frozenset({",", ":", ";"}))
            self.leads()
            span = self.span()
            self.need(not paren or self.eat(")"))
            self.need(self.done())
        if span is not None:
            d = self.span_to_deadline(span, True, recurrence)
            return Deadline("recurring", d.start, d.end, ongoing=True, recurrence=recurrence, condition=condition)
        y = self.plan_year
        start, end = (date(y, 1, 1), date(y, 12, 31)) if y else (None, None)
        return Deadline("recurring", start, end, ongoing=True, recurrence=recurrence, condition=condition)

    # -- scheduled = span {list_sep point} [suffix] --
    def scheduled(self, printed: str) -> Deadline:
        span = self.span()
        while self.at(_LIST) and span.hi is not None and span.lo is not None:
            save = self.i
            self.i += 1
            self.eat("trong")
            nxt = self.attempt(self.point)
            if nxt is None:
                self.i = save
                break
            span = _Span(span.kind if nxt.kind == span.hi.kind and span.kind == nxt.kind else "range", span.lo, nxt)
        ongoing, recurrence = span.ongoing, None
        if not self.done():
            ongoing, recurrence = self.suffix()
            self.need(self.done())
            if recurrence and span.kind in {"date", "month", "quarter", "range"} and span.kind != "range":
                self.need(all(r in _LONG or r.endswith("-years") for r in recurrence.split(",")))
        return self.span_to_deadline(span, ongoing, recurrence)

    def suffix(self) -> tuple[bool, str | None]:
        """(ongoing, recurrence): ["("] (ongoing | [("và" | ",")] recurrences) [")"]."""
        paren = self.eat("(")
        if self.ongoing():
            recurrence = self.attempt(self.trailing_recurrence)
        else:
            recurrence = self.trailing_recurrence()
        self.need(not paren or self.eat(")"))
        return True, recurrence

    def ongoing(self) -> bool:
        save = self.i
        if self.eat(_AND):
            if self.eat_any(_CONT):
                self.following()
                return True
            if self.following_core():
                return True
        self.i = save
        return False

    def span(self) -> _Span:
        t = self.text()
        if t not in _SPAN_FIRST:  # the common case: a bare point ("Quý II/2022", "Năm 2022")
            first = self.point()
            return self.period(first, required=False) or self.single(first)
        if self.eat("giai", "đoạn"):
            self.eat("từ")
            return self._required(self.period(self.point(), required=True))
        if self.eat("bắt", "đầu"):
            self.need(self.at("từ"))
        self.eat("kể")
        if self.eat("từ"):
            first = self.point()
            span = self.period(first, required=False)
            if span is not None:
                return span
            self.eat("trở", "đi") or self.eat("về", "sau")
            return _Span("range", first, None, ongoing=True)
        if self.eat("trước"):
            # "trước (ngày) 30/6/2025": by that day; "trước tháng 10/2026": before the month starts
            if self.eat("(", "ngày", ")") or self.eat("ngày"):
                self.need(self.peek().kind in {"DATE", "NUM"})
            p = self.point()
            if p.kind == "date":
                return self.due(p)
            return _Span("date", None, p, before=True)
        if self.eat("đến") or self.eat("tới") or self.at("hết") or self.at("cuối"):
            self.eat("hết")
            self.eat("cuối")
            return self.due(self.point())
        if self.eat("chậm", "nhất"):
            self.eat("là")
            self.eat("trước") or self.eat("vào")
            return self.due(self.point())
        if self.eat("các"):  # "các năm 2023 - 2025"
            return self._required(self.period(self.point(), required=True))
        self.eat("trong") or self.eat("vào") or self.eat("cả")
        first = self.point()
        return self.period(first, required=False) or self.single(first)

    @staticmethod
    def _required(span: _Span | None) -> _Span:
        if span is None:
            raise _NoParse
        return span

    def single(self, p: _Point) -> _Span:
        return _Span("range" if p.kind == "half" else p.kind, p, p)

    def due(self, p: _Point) -> _Span:
        return _Span("range" if p.kind == "half" else p.kind, None, p)

    def period(self, first: _Point, required: bool) -> _Span | None:
        if not self.eat(_TO):
            self.need(not required)
            return None
        self.eat("hết")
        self.eat("năm") if self.at("năm") and self.at_year(1) else None
        return _Span("range", first, self.point())

    # -- point = date | month | quarter | half | year --
    def point(self) -> _Point:
        tok = self.peek()
        if tok.text == "ngày":
            self.i += 1
            tok = self.peek()
            self.need(tok.kind == "DATE" or (tok.kind == "NUM" and self.text(1) == "tháng"))
        if tok.kind == "DATE":
            return self.date()
        if tok.text == "tháng":
            return self.month()
        if tok.text in _QUARTER:
            return self.quarter()
        if tok.kind == "NUM" and self.at(tok.text, "tháng", frozenset({"đầu", "cuối"}), "năm"):
            return self.half()
        if tok.kind == "NUM" and len(tok.text) <= 2 and self.text(1) == "tháng":
            return self.worded_date()
        if tok.kind == "NUM" and len(tok.text) <= 2 and self.at(tok.text, "/") and self.at_year(2):
            # a month written bare: "11/2026", "07/2024"
            month = int(tok.text)
            self.need(1 <= month <= 12)
            self.i += 2
            return _Point("month", self.year(), month, month)
        if self.eat("năm"):
            if self.at_year():
                return _Point("year", self.year(), 1, 12)
            # "trong năm", "cả năm": the plan's year; "năm" must end the phrase or a clause
            self.need(self.i >= 2 and self.toks[self.i - 2].text in {"trong", "cả"})
            return _Point("year", None, 1, 12)
        return _Point("year", self.year(), 1, 12)

    def worded_date(self) -> _Point:
        """"30 tháng 6 năm 2025", "ngày 15 tháng 12"."""
        day = self.number()
        self.i += 1  # "tháng"
        month = self.number()
        year = None
        if self.eat("năm") or self.eat("/"):
            year = self.year()
        self.need(1 <= month <= 12 and 1 <= day <= calendar.monthrange(year or 2000, month)[1])
        return _Point("date", year, month, month, day)

    def date(self) -> _Point:
        parts = [int(x) for x in self.toks[self.i].text.split("/")]
        self.i += 1
        day, month, year = parts[0], parts[1], parts[2] if len(parts) == 3 else None
        self.need(year is None or 1900 <= year <= 2100)
        self.need(1 <= month <= 12 and 1 <= day <= calendar.monthrange(year or 2000, month)[1])
        return _Point("date", year, month, month, day)

    def numbers(self, roman: bool) -> list[Token]:
        """NUM (or ROMAN) {sep NUM}; a sep is only taken when a number follows it."""
        kinds = ("NUM", "ROMAN") if roman else ("NUM",)
        tok = self.peek()
        self.need(tok.kind in kinds)
        out = [tok]
        self.i += 1
        while self.at(_SEP) and (nxt := self._tok(1)) is not None and nxt.kind in kinds:
            out.append(nxt)
            self.i += 2
        return out

    def year_part(self) -> tuple[int | None, bool]:
        """(year or None, written after "/")."""
        if self.at("/") and self.at_year(1):
            self.i += 1
            return self.year(), True
        if (self.at(",", "năm") and self.at_year(2)) or (self.at("năm") and self.at_year(1)):
            self.eat(",")
            self.i += 1
            return self.year(), False
        return None, False

    def month(self) -> _Point:
        self.i += 1
        months = [int(t.text) for t in self.numbers(roman=False)]
        year, _ = self.year_part()
        self.need(all(1 <= m <= 12 for m in months) and _increasing(months))
        return _Point("month", year, months[0], months[-1])

    def quarter(self) -> _Point:
        self.i += 1
        toks = self.numbers(roman=True)
        year, slashed = self.year_part()
        quarters = []
        for t in toks:
            if t.kind == "ROMAN":
                quarters.append(_ROMAN[t.text])
            elif slashed and t.text in _OCR_QUARTER:
                quarters.append(_OCR_QUARTER[t.text])
            else:
                quarters.append(int(t.text))
        self.need(all(1 <= q <= 4 for q in quarters) and _increasing(quarters))
        return _Point("quarter", year, 3 * quarters[0] - 2, 3 * quarters[-1])

    def half(self) -> _Point:
        n = self.number()
        self.need(1 <= n <= 11)
        self.i += 1  # "tháng"
        first_part = self.toks[self.i].text == "đầu"
        self.i += 2  # "đầu"/"cuối" "năm"
        year = None
        if self.at_year() or (self.at("/") and self.at_year(1)):
            self.eat("/")
            year = self.year()
        return _Point("half", year, 1, n) if first_part else _Point("half", year, 13 - n, 12)

    # -- span to values --
    def span_to_deadline(self, span: _Span, ongoing: bool, recurrence: str | None) -> Deadline:
        lo, hi = span.lo, span.hi
        written = (lo.year if lo else None) or (hi.year if hi else None)
        kind = span.kind
        if recurrence and written is None:
            kind = "recurring"
        y_lo = (lo and lo.year) or (hi and hi.year) or self.plan_year
        y_hi = (hi and hi.year) or (lo and lo.year) or self.plan_year
        try:
            start = _first_day(lo, y_lo) if lo and y_lo else None
            if span.before:
                end = _first_day(hi, y_hi) - timedelta(days=1) if hi and y_hi else None
            else:
                end = _last_day(hi, y_hi) if hi and y_hi else None
        except ValueError:  # 29/2 in a year that is not a leap year
            raise _NoParse from None
        self.need(start is None or end is None or start <= end)
        return Deadline(kind, start, end, ongoing=ongoing, recurrence=recurrence)


def _increasing(values: list[int]) -> bool:
    return all(a < b for a, b in zip(values, values[1:]))


# ---- public API --------------------------------------------------------------------------

def tokens_to_deadline(tokens: tuple[Token, ...], printed: str, plan_year: int | None = None) -> Deadline:
    """Parse folded tokens; `printed` is the cell as printed (kept for conditions/references)."""
    if not tokens:
        return UNKNOWN
    try:
        return _Parser(tokens, plan_year).deadline(printed)
    except _NoParse:
        return UNKNOWN


def _printed(text: str) -> str:
    return clean(text).rstrip(" .;:,")


# A stray mark between two words of one phrase ("Thường. xuyên", "Quý' II"): a speck OCR read as a
# full stop or quote. A sentence does not go on in lower case after a full stop, so it is dropped.
# A quote mark there is always a speck; a full stop only when the next word is in lower case.
_STRAY_MARK = re.compile(r"(?<=[^\W\d_])(?:[.](?=\s+[^\W\d_])|['`’])")


def _drop_stray_marks(text: str) -> str:
    def fix(m: re.Match) -> str:
        after = text[m.end():]
        if m.group() != ".":
            return " "
        return " " if after[:1].isspace() and after.lstrip()[:1].islower() else m.group()
    return _STRAY_MARK.sub(fix, text)


def _parse_uncached(text: str, plan_year: int | None) -> Deadline:
    return tokens_to_deadline(text_to_tokens(fold(_drop_stray_marks(text))), _printed(text), plan_year)


_parse_cached = lru_cache(maxsize=16384)(_parse_uncached)


def parse_deadline(text: str | None, plan_year: int | None = None) -> Deadline:
    """The structured deadline of a "Thời gian" cell (see the module docstring for the rules).

    `plan_year` supplies the year where the phrase leaves it out. Text that is not
    understood gives kind "unknown" with no dates; a value that is not text (other than
    None) or an implausible plan_year is a caller error (TypeError / ValueError).
    """
    if text is None:
        return UNKNOWN
    if not isinstance(text, str):
        raise TypeError(f"deadline text must be str or None, got {type(text).__name__}: {text!r}")
    if plan_year is not None:
        try:
            year = operator.index(plan_year)  # int, numpy and pandas integers; not "2022" or 2022.0
        except TypeError:
            year = None
        if year is None or isinstance(plan_year, bool) or not 1900 <= year <= 2100:
            raise ValueError(f"plan_year must be an integer in 1900..2100 or None, got {plan_year!r}")
        plan_year = int(year)
    return _parse_cached(text, plan_year)

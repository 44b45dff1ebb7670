"""The deadline grammar by phrase class: many wordings per class, each read by hand, and
property tests that render random values in several wordings and parse them back.

Plan year 2025 unless a case says otherwise (the year missing from a phrase comes from it).
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from normalizers.deadlines import UNKNOWN, Deadline, parse_deadline

PY = 2025


def D(kind: str, start: str | None = None, end: str | None = None, ongoing: bool = False,
      recurrence: str | None = None, condition: str | None = None) -> Deadline:
    return Deadline(kind, start and date.fromisoformat(start), end and date.fromisoformat(end),
                    ongoing, recurrence, condition)


CLASSES: dict[str, dict[str, Deadline]] = {
    "bare month/year": {
        "11/2026": D("month", "2026-11-01", "2026-11-30"),
        "07/2024": D("month", "2024-07-01", "2024-07-31"),
        "2/2024": D("month", "2024-02-01", "2024-02-29"),
        "12 / 2025": D("month", "2025-12-01", "2025-12-31"),
        "Tháng 10/2026": D("month", "2026-10-01", "2026-10-31"),
        "tháng 10 năm 2026": D("month", "2026-10-01", "2026-10-31"),
    },
    "month lists and ranges": {
        "Tháng 3-5/2025": D("month", "2025-03-01", "2025-05-31"),
        "Tháng 3 - 5/2025": D("month", "2025-03-01", "2025-05-31"),
        "Tháng 3, 4, 5/2025": D("month", "2025-03-01", "2025-05-31"),
        "Tháng 3/2025 - tháng 5/2025": D("range", "2025-03-01", "2025-05-31"),
        "Từ tháng 3 đến tháng 5/2025": D("range", "2025-03-01", "2025-05-31"),
        "Tháng 6 và tháng 12/2025": D("month", "2025-06-01", "2025-12-31"),
    },
    "quarter with a lead": {
        "Xong trong Quý III/2025": D("quarter", "2025-07-01", "2025-09-30"),
        "Hoàn thành trong quý III/2025": D("quarter", "2025-07-01", "2025-09-30"),
        "Hoàn thành xong trong Quý III năm 2025": D("quarter", "2025-07-01", "2025-09-30"),
        "Triển khai Quý III/2025": D("quarter", "2025-07-01", "2025-09-30"),
        "Trình trong Quý 3/2025": D("quarter", "2025-07-01", "2025-09-30"),
        "Quý III": D("quarter", "2025-07-01", "2025-09-30"),  # year from the plan
        "Quý I-II/2026": D("quarter", "2026-01-01", "2026-06-30"),
        "Quý IV/2025, Quý I/2026": D("quarter", "2025-10-01", "2026-03-31"),  # a list of one kind keeps it
    },
    "before a period": {  # the day before the period starts
        "Xong trước tháng 10/2026": D("date", None, "2026-09-30"),
        "Trước tháng 10/2026": D("date", None, "2026-09-30"),
        "Hoàn thành trước Quý III/2025": D("date", None, "2025-06-30"),
        "Trước năm 2026": D("date", None, "2025-12-31"),
        "Trước tháng 3": D("date", None, "2025-02-28"),
    },
    "before a day": {  # by that day
        "Trước (ngày) 30/6/2025": D("date", None, "2025-06-30"),
        "Trước ngày 30/6/2025": D("date", None, "2025-06-30"),
        "Trước 30/6/2025": D("date", None, "2025-06-30"),
        "Hoàn thành trước ngày 31/12/2027": D("date", None, "2027-12-31"),
        "Trước ngày 30 tháng 6 năm 2025": D("date", None, "2025-06-30"),
        "Chậm nhất ngày 15/12": D("date", None, "2025-12-15"),
        "Ngày 30/6/2025": D("date", "2025-06-30", "2025-06-30"),
        "30 tháng 6 năm 2025": D("date", "2025-06-30", "2025-06-30"),
    },
    "by the end of": {
        "Đến hết năm 2025": D("year", None, "2025-12-31"),
        "Đến năm 2030": D("year", None, "2030-12-31"),
        "Cuối năm 2025": D("year", None, "2025-12-31"),
        "Cuối quý II/2025": D("quarter", None, "2025-06-30"),
        "Hết tháng 6/2025": D("month", None, "2025-06-30"),
    },
    "annual and other recurrences": {
        "Hằng năm": D("recurring", "2025-01-01", "2025-12-31", True, "annual"),
        "Hàng năm": D("recurring", "2025-01-01", "2025-12-31", True, "annual"),
        "Định kỳ hằng năm": D("recurring", "2025-01-01", "2025-12-31", True, "annual"),
        "Hằng quý": D("recurring", "2025-01-01", "2025-12-31", True, "quarterly"),
        "Định kỳ hằng quý / 6 tháng": D("recurring", "2025-01-01", "2025-12-31", True, "quarterly,half-yearly"),
        "Định kỳ hằng quý, 6 tháng": D("recurring", "2025-01-01", "2025-12-31", True, "quarterly,half-yearly"),
        "Báo cáo định kỳ 6 tháng và hằng năm": D("recurring", "2025-01-01", "2025-12-31", True, "half-yearly,annual"),
        "Định kỳ 6 tháng": D("recurring", "2025-01-01", "2025-12-31", True, "half-yearly"),
        "6 tháng/lần": D("recurring", "2025-01-01", "2025-12-31", True, "half-yearly"),
        "02 năm/lần": D("recurring", "2025-01-01", "2025-12-31", True, "every-2-years"),
        "Định kỳ 2 năm một lần": D("recurring", "2025-01-01", "2025-12-31", True, "every-2-years"),
        "Hằng tháng": D("recurring", "2025-01-01", "2025-12-31", True, "monthly"),
        "Hằng tuần": D("recurring", "2025-01-01", "2025-12-31", True, "weekly"),
        "Định kỳ": D("recurring", "2025-01-01", "2025-12-31", True, "periodic"),
    },
    "a date and a recurrence": {  # both kept
        "Tháng 12 hằng năm": D("recurring", "2025-12-01", "2025-12-31", True, "annual"),
        "Quý IV hằng năm": D("recurring", "2025-10-01", "2025-12-31", True, "annual"),
        "Trước ngày 15/12 hằng năm": D("recurring", None, "2025-12-15", True, "annual"),
        "Hằng năm (trước ngày 15/12)": D("recurring", None, "2025-12-15", True, "annual"),
        "Hằng năm, trước 30/6": D("recurring", None, "2025-06-30", True, "annual"),
        "Quý IV/2025 và hằng năm": D("quarter", "2025-10-01", "2025-12-31", True, "annual"),
        "Tháng 12/2025 và hằng năm": D("month", "2025-12-01", "2025-12-31", True, "annual"),
        "Định kỳ hằng năm và đột xuất": D("recurring", "2025-01-01", "2025-12-31", True, "annual",
                                          "Định kỳ hằng năm và đột xuất"),
        "Hằng quý và khi có yêu cầu": D("recurring", "2025-01-01", "2025-12-31", True, "quarterly",
                                        "Hằng quý và khi có yêu cầu"),
    },
    "half-years": {
        "6 tháng đầu năm": D("range", "2025-01-01", "2025-06-30"),
        "06 tháng đầu năm 2026": D("range", "2026-01-01", "2026-06-30"),
        "6 tháng cuối năm 2025": D("range", "2025-07-01", "2025-12-31"),
        "9 tháng đầu năm": D("range", "2025-01-01", "2025-09-30"),
    },
    "years": {
        "Trong năm 2025": D("year", "2025-01-01", "2025-12-31"),
        "Năm 2025": D("year", "2025-01-01", "2025-12-31"),
        "Trong năm": D("year", "2025-01-01", "2025-12-31"),
        "Cả năm": D("year", "2025-01-01", "2025-12-31"),
        "Xong trong năm 2026": D("year", "2026-01-01", "2026-12-31"),
        "Năm 2025, 2026": D("year", "2025-01-01", "2026-12-31"),
        "Năm 2025 và các năm tiếp theo": D("year", "2025-01-01", "2025-12-31", ongoing=True),
    },
    "periods": {
        "Năm 2025-2026": D("range", "2025-01-01", "2026-12-31"),
        "Năm 2025 - 2026": D("range", "2025-01-01", "2026-12-31"),
        "Giai đoạn 2021-2025": D("range", "2021-01-01", "2025-12-31"),
        "Giai đoạn 2021 – 2025": D("range", "2021-01-01", "2025-12-31"),
        "Giai đoạn từ 2021 đến 2025": D("range", "2021-01-01", "2025-12-31"),
        "2026-2030": D("range", "2026-01-01", "2030-12-31"),
        "Từ năm 2025 đến năm 2030": D("range", "2025-01-01", "2030-12-31"),
        "Từ năm 2025": D("range", "2025-01-01", None, ongoing=True),
        "Từ năm 2025 trở đi": D("range", "2025-01-01", None, ongoing=True),
        "Kể từ Quý III/2025": D("range", "2025-07-01", None, ongoing=True),
    },
    "continuous": {
        "Thường xuyên": D("continuous", "2025-01-01", None, ongoing=True),
        "Là nhiệm vụ thường xuyên": D("continuous", "2025-01-01", None, ongoing=True),
        "Nhiệm vụ thường xuyên": D("continuous", "2025-01-01", None, ongoing=True),
        "Thực hiện thường xuyên": D("continuous", "2025-01-01", None, ongoing=True),
        "Thường xuyên, liên tục": D("continuous", "2025-01-01", None, ongoing=True),
        "Thường xuyên, hằng năm": D("continuous", "2025-01-01", None, True, "annual"),
        "Thường xuyên trong năm 2026": D("continuous", "2026-01-01", "2026-12-31", ongoing=True),
        "Thường xuyên (giai đoạn 2025-2030)": D("continuous", "2025-01-01", "2030-12-31", ongoing=True),
    },
    "conditions and references": {
        "Theo tiến độ của dự án": D("reference", condition="Theo tiến độ của dự án"),
        "Theo tiến độ của Bộ Tài chính": D("reference", condition="Theo tiến độ của Bộ Tài chính"),
        "Theo chỉ đạo của UBND tỉnh": D("reference", condition="Theo chỉ đạo của UBND tỉnh"),
        "Theo Quyết định số 123/QĐ-TTg": D("reference", condition="Theo Quyết định số 123/QĐ-TTg"),
        "Theo lộ trình": D("reference", condition="Theo lộ trình"),
        "Sau khi Đề án được phê duyệt": D("conditional", condition="Sau khi Đề án được phê duyệt"),
        "Sau khi có hướng dẫn của Bộ Nội vụ": D("conditional", condition="Sau khi có hướng dẫn của Bộ Nội vụ"),
        "Trước khi tổ chức Đại hội": D("conditional", condition="Trước khi tổ chức Đại hội"),
        "Khi có yêu cầu": D("conditional", condition="Khi có yêu cầu"),
        "Theo yêu cầu": D("conditional", condition="Theo yêu cầu"),
        "Đột xuất": D("conditional", condition="Đột xuất"),
        "Căn cứ tình hình thực tế": D("conditional", condition="Căn cứ tình hình thực tế"),
        "Tùy theo tình hình thực tế": D("conditional", condition="Tùy theo tình hình thực tế"),
    },
}

CASES = [(cls, phrase, want) for cls, phrases in CLASSES.items() for phrase, want in phrases.items()]

STILL_UNKNOWN = ["Sớm", "Trước", "Xong", "Theo", "Khi", "Sau khi", "Quý V/2025", "13/2025", "Tháng 11 hằng quý",
                 "Trong năm 25", "Hoàn thành", "Thường xuyên và", "Giai đoạn 2025", "Định kỳ 30 tháng",
                 "Trước ngày", "Năm 2026 - 2025", "Theo ý kiến", "ngay"]


@pytest.mark.parametrize("cls, phrase, want", CASES, ids=[f"{c}:{p}" for c, p, _ in CASES])
def test_phrase_class(cls, phrase, want):
    assert parse_deadline(phrase, PY) == want


@pytest.mark.parametrize("phrase", STILL_UNKNOWN)
def test_not_understood_stays_unknown(phrase):
    assert parse_deadline(phrase, PY) == UNKNOWN


def test_every_class_has_many_wordings():
    assert all(len(phrases) >= 4 for phrases in CLASSES.values())


def test_missing_years_come_from_the_plan_year():
    for phrase in ("Quý III", "Tháng 12 hằng năm", "Trong năm", "6 tháng đầu năm", "Trước ngày 15/12"):
        a, b = parse_deadline(phrase, 2023), parse_deadline(phrase, 2026)
        assert a.kind == b.kind != "unknown"
        assert (a.end or a.start).year == 2023 and (b.end or b.start).year == 2026
        without = parse_deadline(phrase, None)
        assert without.kind == a.kind and without.start is None and without.end is None


# ---- properties: values rendered in several wordings parse back ------------------------------

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
years = st.integers(2000, 2089)  # + up to 10 years stays within the grammar's 1900..2100
LEADS = ["", "Xong trong ", "Hoàn thành trong ", "Trong ", "Thực hiện trong ", "Triển khai "]


def quarter_bounds(q: int, y: int) -> tuple[date, date]:
    start = date(y, 3 * q - 2, 1)
    end = (date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)) - timedelta(days=1)
    return start, end


@given(st.integers(1, 4), years, st.sampled_from(LEADS), st.booleans(), st.sampled_from(["/", " / ", " năm ", "/ "]),
       st.sampled_from(["Quý", "quý", "QUÝ", "Quí"]))
def test_quarters_parse_back(q, y, lead, roman, sep, word):
    num = ROMAN[q] if roman else str(q)
    d = parse_deadline(f"{lead}{word} {num}{sep}{y}", None)
    assert (d.kind, d.start, d.end) == ("quarter", *quarter_bounds(q, y))


@given(st.integers(1, 4), st.integers(1, 4), years, st.integers(0, 3),
       st.sampled_from(["Từ {a} đến {b}", "{a} - {b}", "Từ {a} đến hết {b}", "{a} đến {b}"]))
def test_quarter_periods_parse_back(q1, q2, y, dy, form):
    a, b = f"Quý {ROMAN[q1]}/{y}", f"Quý {ROMAN[q2]}/{y + dy}"
    d = parse_deadline(form.format(a=a, b=b), None)
    start, end = quarter_bounds(q1, y)[0], quarter_bounds(q2, y + dy)[1]
    if start <= end:
        assert (d.kind, d.start, d.end) == ("range", start, end)
    else:
        assert d == UNKNOWN


@given(st.integers(1, 12), years, st.sampled_from(["{m}/{y}", "{m:02d}/{y}", "Tháng {m}/{y}", "tháng {m} năm {y}",
                                                   "Xong trong tháng {m}/{y}", "Trong tháng {m:02d}/{y}"]))
def test_months_parse_back(m, y, form):
    d = parse_deadline(form.format(m=m, y=y), None)
    end = (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)) - timedelta(days=1)
    assert (d.kind, d.start, d.end) == ("month", date(y, m, 1), end)


@given(st.integers(1, 12), years, st.sampled_from(["Trước tháng {m}/{y}", "Xong trước tháng {m}/{y}",
                                                   "Hoàn thành trước tháng {m:02d}/{y}"]))
def test_before_a_month_is_the_day_before_it(m, y, form):
    d = parse_deadline(form.format(m=m, y=y), None)
    assert (d.kind, d.start, d.end) == ("date", None, date(y, m, 1) - timedelta(days=1))


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)),
       st.sampled_from(["Trước ngày {d}/{m}/{y}", "Trước (ngày) {d}/{m}/{y}", "Trước {d}/{m}/{y}",
                        "Hoàn thành trước ngày {d:02d}/{m:02d}/{y}", "Trước ngày {d} tháng {m} năm {y}",
                        "Chậm nhất ngày {d}/{m}/{y}"]))
def test_due_days_parse_back(day, form):
    d = parse_deadline(form.format(d=day.day, m=day.month, y=day.year), None)
    assert (d.kind, d.start, d.end) == ("date", None, day)


@given(years, st.integers(0, 10), st.sampled_from(["Năm {a}-{b}", "Năm {a} - {b}", "Giai đoạn {a}-{b}",
                                                   "Giai đoạn {a} – {b}", "{a}-{b}", "Từ năm {a} đến năm {b}",
                                                   "Các năm {a} - {b}"]))
def test_year_periods_parse_back(a, n, form):
    d = parse_deadline(form.format(a=a, b=a + n), None)
    assert (d.kind, d.start, d.end) == ("range", date(a, 1, 1), date(a + n, 12, 31))


@given(st.sampled_from([("hằng năm", "annual"), ("hàng năm", "annual"), ("hằng quý", "quarterly"),
                        ("hằng tháng", "monthly"), ("6 tháng", "half-yearly"), ("3 tháng", "quarterly")]),
       st.sampled_from(["Định kỳ {r}", "{R}", "Báo cáo định kỳ {r}"]), st.none() | years)
def test_recurrences_parse_back(rec, form, plan_year):
    words, name = rec
    if form == "{R}" and words[0].isdigit():
        form = "{R}/lần"
    d = parse_deadline(form.format(r=words, R=words[0].upper() + words[1:]), plan_year)
    assert (d.kind, d.recurrence, d.ongoing) == ("recurring", name, True)
    assert d.start == (date(plan_year, 1, 1) if plan_year else None)

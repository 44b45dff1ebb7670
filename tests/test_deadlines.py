"""Deadline cells -> structured values: every phrase of the real seed plan, more forms, unknowns."""
from __future__ import annotations

import timeit
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.text import fold
from normalizers.deadlines import UNKNOWN, Deadline, _parse_uncached, parse_deadline, text_to_tokens
from tests.factory.seed import load_seed

PLAN_YEAR = 2022  # the seed plan: Hưng Yên, 196/KH-UBND, "NĂM 2022"


def D(kind: str, start: str | None = None, end: str | None = None, ongoing: bool = False,
      recurrence: str | None = None, condition: str | None = None) -> Deadline:
    return Deadline(kind, start and date.fromisoformat(start), end and date.fromisoformat(end),
                    ongoing, recurrence, condition)


def cond(text: str) -> Deadline:
    return D("conditional", condition=text)


# Every distinct "Thời gian" phrase of the seed plan, read by hand (plan year 2022).
SEED_EXPECTED: dict[str, Deadline] = {
    "Năm 2022": D("year", "2022-01-01", "2022-12-31"),
    "Quý I/2022": D("quarter", "2022-01-01", "2022-03-31"),
    "Quý II/2022": D("quarter", "2022-04-01", "2022-06-30"),
    "Quý III/2022": D("quarter", "2022-07-01", "2022-09-30"),
    "Quý IV/2022": D("quarter", "2022-10-01", "2022-12-31"),
    "Quý II, III/2022": D("quarter", "2022-04-01", "2022-09-30"),
    "Quý III, IV/2022": D("quarter", "2022-07-01", "2022-12-31"),
    "Quý III/2022 và thường xuyên": D("quarter", "2022-07-01", "2022-09-30", ongoing=True),
    "Quý IV/2022 và thường xuyên": D("quarter", "2022-10-01", "2022-12-31", ongoing=True),
    "Quý II/2022 và thường xuyên trong các năm tiếp theo": D("quarter", "2022-04-01", "2022-06-30", ongoing=True),
    "Quý IV/2022 và thường xuyên trong các năm tiếp theo": D("quarter", "2022-10-01", "2022-12-31", ongoing=True),
    "Tháng 01/2022": D("month", "2022-01-01", "2022-01-31"),
    "Tháng 11 hàng năm": D("recurring", "2022-11-01", "2022-11-30", True, "annual"),
    "Tháng 12 hàng năm": D("recurring", "2022-12-01", "2022-12-31", True, "annual"),
    "Thường xuyên": D("continuous", "2022-01-01", None, ongoing=True),
    "Thực hiện thí điểm bắt đầu từ năm 2022": D("range", "2022-01-01", None, ongoing=True),
    "Từ Quý II/2022 đến hết Quý IV/2025": D("range", "2022-04-01", "2025-12-31"),
    "Theo thời hạn tại Kế hoạch của UBND tỉnh": D("reference", condition="Theo thời hạn tại Kế hoạch của UBND tỉnh"),
    "Khi có chủ trương của Thủ tướng Chính phủ": cond("Khi có chủ trương của Thủ tướng Chính phủ"),
    "Khi có hướng dẫn của bộ, ngành trung ương": cond("Khi có hướng dẫn của bộ, ngành trung ương"),
    "Khi có nhiệm vụ giao phân cấp quản lý từ Bộ, ngành chủ quản":
        cond("Khi có nhiệm vụ giao phân cấp quản lý từ Bộ, ngành chủ quản"),
    "Khi có văn bản hướng dẫn của bộ, ngành Trung ương": cond("Khi có văn bản hướng dẫn của bộ, ngành Trung ương"),
    "Khi có yêu cầu của các đơn vị": cond("Khi có yêu cầu của các đơn vị"),
    "Khi phát hiện nhiều bất cập, hạn chế": cond("Khi phát hiện nhiều bất cập, hạn chế"),
    "Khi phát sinh vấn đề": cond("Khi phát sinh vấn đề"),
    "Sau khi thực hiện kiểm tra xong": cond("Sau khi thực hiện kiểm tra xong"),
}

# Further forms: (phrase, plan_year) -> expected.
MORE_EXPECTED: dict[tuple[str, int | None], Deadline] = {
    # quarters
    ("Quý 2/2022", None): D("quarter", "2022-04-01", "2022-06-30"),
    ("quý II năm 2022", None): D("quarter", "2022-04-01", "2022-06-30"),
    ("Quý II /2022", None): D("quarter", "2022-04-01", "2022-06-30"),
    ("Quý II/ 2022", 2030): D("quarter", "2022-04-01", "2022-06-30"),
    ("QUÝ II/2022.", None): D("quarter", "2022-04-01", "2022-06-30"),
    ("Quý 11/2024", None): D("quarter", "2024-04-01", "2024-06-30"),  # OCR for II
    ("Quý 111/2024", None): D("quarter", "2024-07-01", "2024-09-30"),  # OCR for III
    ("Quý I, II, III/2023", None): D("quarter", "2023-01-01", "2023-09-30"),
    ("Quý II - III/2022", None): D("quarter", "2022-04-01", "2022-09-30"),
    ("Quý III", 2022): D("quarter", "2022-07-01", "2022-09-30"),
    ("Quý III", None): D("quarter"),
    ("Trong quý IV năm 2023", None): D("quarter", "2023-10-01", "2023-12-31"),
    # months and half-years
    ("Tháng 3/2022", None): D("month", "2022-03-01", "2022-03-31"),
    ("tháng 3 năm 2022", None): D("month", "2022-03-01", "2022-03-31"),
    ("Tháng 3, 6/2022", None): D("month", "2022-03-01", "2022-06-30"),
    ("Tháng 2/2024", None): D("month", "2024-02-01", "2024-02-29"),
    ("Tháng 6", 2022): D("month", "2022-06-01", "2022-06-30"),
    ("Tháng 6", None): D("month"),
    ("6 tháng đầu năm 2022", None): D("range", "2022-01-01", "2022-06-30"),
    ("6 tháng cuối năm", 2022): D("range", "2022-07-01", "2022-12-31"),
    ("6 tháng cuối năm", None): D("range"),
    ("06 tháng đầu năm 2023", 2022): D("range", "2023-01-01", "2023-06-30"),
    # years
    ("Năm 2022", None): D("year", "2022-01-01", "2022-12-31"),
    ("Trong năm 2023", 2022): D("year", "2023-01-01", "2023-12-31"),
    ("Năm 2022 và các năm tiếp theo", None): D("year", "2022-01-01", "2022-12-31", ongoing=True),
    # dates
    ("30/6/2022", None): D("date", "2022-06-30", "2022-06-30"),
    ("ngày 30/6/2022", None): D("date", "2022-06-30", "2022-06-30"),
    ("Trước ngày 30/6/2022", None): D("date", None, "2022-06-30"),
    ("Trước 15/12", 2022): D("date", None, "2022-12-15"),
    ("Trước 15/12", None): D("date"),
    ("Chậm nhất ngày 31/3/2023", None): D("date", None, "2023-03-31"),
    ("Chậm nhất quý II/2022", None): D("quarter", None, "2022-06-30"),
    # due and ongoing modifiers
    ("Đến hết năm 2025", None): D("year", None, "2025-12-31"),
    ("Hết Quý II/2022", None): D("quarter", None, "2022-06-30"),
    ("Quý III/2022 và liên tục", None): D("quarter", "2022-07-01", "2022-09-30", ongoing=True),
    ("Quý II/2022 (và thường xuyên)", None): D("quarter", "2022-04-01", "2022-06-30", ongoing=True),
    ("Quý IV/2022 và thường xuyên", None): D("quarter", "2022-10-01", "2022-12-31", ongoing=True),
    # continuous
    ("Thường xuyên", None): D("continuous", ongoing=True),
    ("Liên tục", 2023): D("continuous", "2023-01-01", ongoing=True),
    ("Thường xuyên, liên tục", 2022): D("continuous", "2022-01-01", ongoing=True),
    # recurring
    ("Hằng năm", 2022): D("recurring", "2022-01-01", "2022-12-31", True, "annual"),
    ("Hàng năm", None): D("recurring", None, None, True, "annual"),
    ("Hăng năm", 2022): D("recurring", "2022-01-01", "2022-12-31", True, "annual"),  # OCR for "Hằng"
    ("Hằng quý", 2022): D("recurring", "2022-01-01", "2022-12-31", True, "quarterly"),
    ("Định kỳ 6 tháng", 2022): D("recurring", "2022-01-01", "2022-12-31", True, "half-yearly"),
    ("Định kỳ 6 tháng/lần", None): D("recurring", None, None, True, "half-yearly"),
    ("Hằng tháng", 2022): D("recurring", "2022-01-01", "2022-12-31", True, "monthly"),
    ("Định kỳ hằng năm", 2022): D("recurring", "2022-01-01", "2022-12-31", True, "annual"),
    ("Định kỳ 3 tháng", 2022): D("recurring", "2022-01-01", "2022-12-31", True, "quarterly"),
    ("Định kỳ 12 tháng một lần", None): D("recurring", None, None, True, "annual"),
    ("Tháng 12 hằng năm", None): D("recurring", None, None, True, "annual"),
    ("Tháng 11 hàng năm", 2024): D("recurring", "2024-11-01", "2024-11-30", True, "annual"),
    ("Quý IV hằng năm", 2022): D("recurring", "2022-10-01", "2022-12-31", True, "annual"),
    ("Trước ngày 15/12 hằng năm", 2022): D("recurring", None, "2022-12-15", True, "annual"),
    ("Tháng 12/2022 và hằng năm", None): D("month", "2022-12-01", "2022-12-31", True, "annual"),
    # periods
    ("Từ Quý II/2022 đến Quý IV/2025", None): D("range", "2022-04-01", "2025-12-31"),
    ("Từ tháng 3 đến tháng 6/2022", None): D("range", "2022-03-01", "2022-06-30"),
    ("giai đoạn 2023-2025", None): D("range", "2023-01-01", "2025-12-31"),
    ("Giai đoạn 2021 – 2025", None): D("range", "2021-01-01", "2025-12-31"),
    ("Năm 2023 - 2025", None): D("range", "2023-01-01", "2025-12-31"),
    ("2021-2025", None): D("range", "2021-01-01", "2025-12-31"),
    ("Các năm 2023-2025", None): D("range", "2023-01-01", "2025-12-31"),
    ("Quý II/2022 - Quý I/2023", None): D("range", "2022-04-01", "2023-03-31"),
    ("Từ năm 2022", None): D("range", "2022-01-01", None, ongoing=True),
    ("Bắt đầu từ năm 2022", 2021): D("range", "2022-01-01", None, ongoing=True),
    ("Từ Quý III/2022 trở đi", None): D("range", "2022-07-01", None, ongoing=True),
    ("Thực hiện thí điểm bắt đầu từ năm 2022", None): D("range", "2022-01-01", None, ongoing=True),
    # references and conditions (printed text kept, cleaned)
    ("Theo Kế hoạch của UBND tỉnh", 2022): D("reference", condition="Theo Kế hoạch của UBND tỉnh"),
    ("Theo quy định", None): D("reference", condition="Theo quy định"),
    ("Khi có yêu cầu", 2022): cond("Khi có yêu cầu"),
    ("Khi  có\nyêu cầu.", None): cond("Khi có yêu cầu"),
    ("Ngay sau khi Kế hoạch được ban hành", None): cond("Ngay sau khi Kế hoạch được ban hành"),
    ("Sau khi có ý kiến của Bộ Nội vụ", 2022): cond("Sau khi có ý kiến của Bộ Nội vụ"),
    # forms the 2026 grammar reads (they were unknown before)
    ("12/2022", None): D("month", "2022-12-01", "2022-12-31"),  # a month written bare
    ("Trước tháng 6/2022", None): D("date", None, "2022-05-31"),  # before June starts
    ("Thường xuyên trong năm 2022", None): D("continuous", "2022-01-01", "2022-12-31", ongoing=True),
    ("Hằng tuần", 2022): D("recurring", "2022-01-01", "2022-12-31", True, "weekly"),
    ("Định kỳ 5 tháng", None): D("recurring", None, None, True, "every-5-months"),
    ("Theo yêu cầu", None): cond("Theo yêu cầu"),
    ("Quý II/2022, Quý III/2022", None): D("quarter", "2022-04-01", "2022-09-30"),
}

UNKNOWN_PHRASES = [
    None, "", "   ", "Sớm", "abc", "Quý V/2022", "Quý 0/2022", "Quý 5/2022", "Quý IV, II/2022", "Quý",
    "Năm", "Quý II/2022 và", "Tháng 13/2022", "31/4/2022", "29/2/2023", "13/2022", "0/2022", "Năm 22",
    "Quý 11", "Quý 11 năm 2024",  # 11 is read as II only before "/year"
    "Trước", "Xong", "Hằng", "Là", "Định kỳ 30 tháng", "Tháng 11 hằng quý",
    "Từ năm 2025 đến năm 2022", "Từ tháng 10/2022 đến tháng 3",  # the end would be before the start
    "Khi", "Theo", "giai đoạn 2023", "Quý II/2022, Quý I/2022",
    "Quý II/2022 ()", "Quý II/2022 (và thường xuyên", "Thường xuyên và", "6 tháng giữa năm 2022",
]


@pytest.fixture(scope="module")
def seed_phrases(seed_file) -> set[str]:
    truth = load_seed(seed_file).truth(1, 100)  # (first appendix page, page count)
    return {a.deadline_text for a in truth.activities}


def test_table_covers_every_seed_phrase(seed_phrases):
    assert seed_phrases == set(SEED_EXPECTED)


@pytest.mark.parametrize("phrase", sorted(SEED_EXPECTED))
def test_seed_phrase(phrase):
    assert parse_deadline(phrase, PLAN_YEAR) == SEED_EXPECTED[phrase]


@pytest.mark.parametrize("phrase, plan_year", list(MORE_EXPECTED), ids=lambda v: repr(v))
def test_more_phrases(phrase, plan_year):
    assert parse_deadline(phrase, plan_year) == MORE_EXPECTED[phrase, plan_year]


@pytest.mark.parametrize("phrase", UNKNOWN_PHRASES, ids=repr)
@pytest.mark.parametrize("plan_year", [None, 2022])
def test_unknown(phrase, plan_year):
    assert parse_deadline(phrase, plan_year) == UNKNOWN


def test_spelling_variants_parse_alike():
    nfd = unicodedata.normalize("NFD", "Quý IV/2022 và thường xuyên trong các năm tiếp theo")
    assert parse_deadline(nfd, 2022) == SEED_EXPECTED["Quý IV/2022 và thường xuyên trong các năm tiếp theo"]
    assert parse_deadline("Quý II/2022 và thường xuyên", 2022).ongoing


def test_tokens():
    kinds = [t.kind for t in text_to_tokens(fold("Quý III, IV /2022 – trước 30/6/2022"))]
    assert kinds == ["WORD", "ROMAN", ",", "ROMAN", "/", "NUM", "DASH", "WORD", "DATE"]
    assert [t.kind for t in text_to_tokens("tháng 11/2022 15/12")] == ["WORD", "NUM", "/", "NUM", "DATE"]


def test_bad_arguments():
    with pytest.raises(TypeError, match="123"):
        parse_deadline(123)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'2022'"):
        parse_deadline("Năm 2022", "2022")  # type: ignore[arg-type]


def test_parse_is_fast():
    phrases = sorted(SEED_EXPECTED) + [p for p, _ in MORE_EXPECTED]
    runs = timeit.repeat(lambda: [_parse_uncached(p, PLAN_YEAR) for p in phrases], number=20, repeat=5)
    per_phrase = min(runs) / (20 * len(phrases))
    assert per_phrase < 1e-4, f"{per_phrase * 1e6:.1f} µs per phrase (uncached)"


# ---- properties ----------------------------------------------------------------------------

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
years = st.integers(1990, 2100)
plan_years = st.none() | st.integers(1990, 2100)
spaces = st.sampled_from(["", " "])


@st.composite
def quarter_phrases(draw):
    y = draw(years)
    qs = sorted(draw(st.sets(st.integers(1, 4), min_size=1, max_size=4)))
    nums = [ROMAN[q] if draw(st.booleans()) else str(q) for q in qs]
    head = draw(st.sampled_from(["Quý", "quý", "QUÝ", "Trong quý"]))
    tail = draw(st.sampled_from([f"{draw(spaces)}/{draw(spaces)}{y}", f" năm {y}"]))
    suffix = draw(st.sampled_from(["", " và thường xuyên", ".", " và thường xuyên trong các năm tiếp theo"]))
    return f"{head} {', '.join(nums)}{tail}{suffix}", "quarter", y


@st.composite
def month_phrases(draw):
    y = draw(years)
    ms = sorted(draw(st.sets(st.integers(1, 12), min_size=1, max_size=3)))
    nums = [f"{m:02d}" if draw(st.booleans()) else str(m) for m in ms]
    tail = draw(st.sampled_from([f"/{y}", f" / {y}", f" năm {y}"]))
    return f"{draw(st.sampled_from(['Tháng', 'tháng']))} {', '.join(nums)}{tail}", "month", y


@st.composite
def year_phrases(draw):
    y = draw(years)
    return draw(st.sampled_from([f"Năm {y}", f"năm {y}", f"Trong năm {y}", str(y)])), "year", y


@given(quarter_phrases() | month_phrases() | year_phrases(), plan_years)
def test_points_fall_in_their_year(case, plan_year):
    phrase, kind, year = case
    d = parse_deadline(phrase, plan_year)
    assert d.kind == kind, phrase
    assert d.start <= d.end
    assert d.start.year == d.end.year == year


GRAMMAR_WORDS = ["quý", "II", "IV", "/", "2022", "tháng", "3", ",", "năm", "từ", "đến", "hết", "-", "trước",
                 "30/6", "hằng", "và", "thường", "xuyên", "khi", "theo", "6", "đầu", "cuối", "(", ")"]
word_salads = st.lists(st.sampled_from(GRAMMAR_WORDS), max_size=8).map(" ".join)


@given(st.text(max_size=40) | word_salads, plan_years)
def test_never_raises_and_never_inverts(text, plan_year):
    d = parse_deadline(text, plan_year)
    if d.kind == "unknown":
        assert d == UNKNOWN
    if d.start and d.end:
        assert d.start <= d.end


@pytest.mark.parametrize("read, printed", [
    ("Thường. xuyên", "Thường xuyên"), ("Tháng' 11 hàng năm", "Tháng 11 hàng năm"), ("Quý’II/2022", "Quý II/2022"),
    ("Hằng. năm", "Hằng năm"), ("Quý III`, IV/2022", "Quý III, IV/2022"),
])
def test_a_speck_read_as_a_mark_does_not_change_the_deadline(read, printed):
    """OCR reads a speck as "." or "'" inside a phrase; the parse is the printed phrase's."""
    got, want = parse_deadline(read, 2022), parse_deadline(printed, 2022)
    assert want.kind != "unknown" and (got.kind, got.start, got.end, got.recurrence) == \
        (want.kind, want.start, want.end, want.recurrence)


def test_a_full_stop_between_sentences_is_kept():
    assert parse_deadline("Quý II/2022. Năm 2023", 2022).kind == "unknown"  # two phrases, not one

"""Random plans and page geometries, for property tests and benchmarks.

Texts are built from Vietnamese administrative phrases (so words carry diacritics and look
like the real thing): a capital first letter, then lower case, with occasional proper
tokens ("UBND", "TTHC", "Sở Nội vụ"). Every word is narrower than the narrowest column it
can appear in at the largest font size (check_vocabulary), so cells wrap at spaces only.
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from typing import Any

from .fonts import word_fits
from .geometry import PageGeometry
from .spec import ACTIVITY_FIELDS, DEFAULT_HEADER, Activity, BodyBlock, PlanSpec, Section, Task

PHRASES = (
    "triển khai thực hiện", "nâng cao chất lượng", "hiệu quả", "công tác cải cách hành chính",
    "thủ tục hành chính", "văn bản quy phạm pháp luật", "cán bộ, công chức, viên chức",
    "đơn vị sự nghiệp công lập", "cơ quan hành chính nhà nước", "trên địa bàn tỉnh", "theo quy định",
    "rà soát, đánh giá", "kiểm tra, giám sát", "xây dựng kế hoạch", "tổ chức thực hiện",
    "báo cáo kết quả", "dịch vụ công trực tuyến", "mức độ 3, mức độ 4", "hệ thống thông tin một cửa điện tử",
    "cơ sở dữ liệu chuyên ngành", "chuyển đổi số", "chính quyền điện tử", "người dân, doanh nghiệp",
    "tiếp nhận, xử lý phản ánh, kiến nghị", "phân cấp, phân quyền", "tinh giản biên chế",
    "vị trí việc làm", "đào tạo, bồi dưỡng", "kỷ luật, kỷ cương hành chính", "tài chính công",
    "ngân sách nhà nước", "cơ chế tự chủ", "đẩy mạnh", "tăng cường", "tiếp tục", "hoàn thiện thể chế",
    "đôn đốc", "hướng dẫn nghiệp vụ", "số hóa hồ sơ, giấy tờ", "kết quả giải quyết", "đúng hạn",
    "công khai, minh bạch", "lưu trữ tài liệu điện tử", "an toàn thông tin mạng", "mức độ hài lòng",
    "sự phục vụ", "cấp huyện, cấp xã", "các sở, ban, ngành", "đề án", "chương trình tổng thể",
    "quy chế phối hợp", "giai đoạn 2021-2025", "năm 2022", "đúng tiến độ", "bảo đảm chất lượng",
    "người đứng đầu", "trách nhiệm giải trình", "quy trình nội bộ", "kết nối, chia sẻ dữ liệu",
    "ứng dụng công nghệ thông tin", "trụ sở làm việc", "thi đua, khen thưởng", "khó khăn, vướng mắc",
)
PROPER = (
    "UBND tỉnh", "TTHC", "CCHC", "QPPL", "HĐND tỉnh", "Sở Nội vụ", "Chủ tịch UBND tỉnh",
    "Cổng Dịch vụ công quốc gia", "Nghị định số 61/2018/NĐ-CP", "Nghị quyết số 76/NQ-CP",
    "Quyết định số 468/QĐ-TTg", "Thủ tướng Chính phủ", "Bộ Nội vụ", "Văn phòng UBND tỉnh",
)
OUTPUTS = (
    "kế hoạch", "báo cáo", "quyết định", "công văn", "chỉ thị", "nghị quyết", "văn bản hướng dẫn",
    "hội nghị tập huấn", "kết luận kiểm tra", "đề án", "quy chế", "phần mềm", "dữ liệu",
    "tin bài, phóng sự", "văn bản QPPL", "công văn đôn đốc", "quyết định công bố",
)
AGENCIES = (
    "Sở Nội vụ", "Văn phòng UBND tỉnh", "Sở Tư pháp", "Sở Tài chính", "Sở Kế hoạch và Đầu tư",
    "Sở Thông tin và Truyền thông", "Sở Giáo dục và Đào tạo", "Sở Y tế", "Các sở, ban, ngành tỉnh",
    "Các sở, ban, ngành tỉnh; UBND cấp huyện, cấp xã", "UBND cấp huyện", "UBND các huyện, thị xã, thành phố",
    "Các cơ quan, đơn vị có liên quan", "Cá nhân, tổ chức có liên quan", "Báo Hưng Yên",
    "Trung tâm Phục vụ hành chính công tỉnh",
)
DEADLINES = (
    "Quý I/2022", "Quý II/2022", "Quý III, IV/2022", "Quý IV/2022", "Thường xuyên", "Năm 2022",
    "Tháng 11 hàng năm", "Tháng 12 hàng năm", "Khi có yêu cầu", "Quý IV/2022 và thường xuyên",
    "Theo thời hạn tại Kế hoạch của UBND tỉnh", "Khi phát sinh vấn đề", "Tháng 01/2022",
)
SECTION_TITLES = (
    "Cải cách thể chế", "Cải cách thủ tục hành chính", "Cải cách tổ chức bộ máy hành chính nhà nước",
    "Cải cách chế độ công vụ", "Cải cách tài chính công",
    "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số", "Công tác chỉ đạo, điều hành",
    "Công tác thông tin, tuyên truyền",
)
PROVINCES = ("Hưng Yên", "Thái Bình", "Nam Định", "Hà Nam", "Bắc Ninh", "Hải Dương", "Thanh Hóa",
             "Nghệ An", "Lâm Đồng", "Quảng Ninh")
HEADER_VARIANTS = {
    "stt": ("TT", "Stt", "STT"),
    "task": ("Nhiệm vụ", "Nội dung", "Nội dung nhiệm vụ"),
    "activity": ("Hoạt động", "Hoạt động cụ thể"),
    "output": ("Sản phẩm", "Kết quả/ Sản phẩm", "Kết quả, sản phẩm"),
    "lead": ("Cơ quan chủ trì", "Chủ trì", "Đơn vị chủ trì"),
    "partners": ("Cơ quan phối hợp", "Phối hợp", "Đơn vị phối hợp"),
    "deadline": ("Thời gian hoàn thành", "Thời gian", "Thời hạn hoàn thành"),
}
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")  # "VIII" is the widest that fits the Stt column
FONT_SIZES = (9.0, 9.5, 10.0, 10.5, 11.0, 11.5, 12.0)


# ---- texts ---------------------------------------------------------------------------

FUNCTION_WORDS = frozenset("và của các những với cho về theo tại trong có được để là từ đến hoặc thuộc trên "
                           "dưới giữa nhằm bằng như đối".split())


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence(rng: random.Random, n_words: int, bank: tuple[str, ...] = PHRASES,
             proper: float = 0.12, punct: float = 0.25) -> str:
    """n_words words of administrative Vietnamese, phrase by phrase (the last one cut)."""
    words: list[str] = []
    last = ""
    while len(words) < n_words:
        phrase = last
        while phrase == last:  # no phrase twice in a row
            phrase = rng.choice(PROPER) if rng.random() < proper else rng.choice(bank)
        last = phrase
        if words and rng.random() < punct:
            words[-1] += rng.choice((",", ";"))
        elif words and rng.random() < 0.15:
            words.append("và")
        words += phrase.split()
    words = words[:n_words]
    # A printed cell ends on a content word, never on "và", "của", "các" … (a text cut there is unfinished).
    while len(words) > 1 and words[-1].rstrip(",;") in FUNCTION_WORDS:
        words.pop()
    words[-1] = words[-1].rstrip(",;")
    return _capitalize(" ".join(words))


def _length(rng: random.Random, lo: int, hi: int, mode: int) -> int:
    return max(lo, min(hi, round(rng.triangular(lo, hi, mode))))


def _activity(rng: random.Random, above: Activity | None, merge_prob: float, max_words: int) -> Activity:
    act = Activity(
        activity=sentence(rng, _length(rng, 1, max_words, 10)),
        output=sentence(rng, _length(rng, 1, min(max_words, 25), 4), OUTPUTS, proper=0.05, punct=0.6),
        lead=rng.choice(AGENCIES),
        # Really empty cells only in a task's first row: lower down an empty cell reads as the
        # lower part of a merged cell when it opens a page (no rule above it to tell them apart).
        partners="" if above is None and rng.random() < 0.05 else rng.choice(AGENCIES),
        deadline=rng.choice(DEADLINES),
    )
    if above is None:
        return act
    # Merging with an empty cell above would be invisible on paper, so it is never drawn.
    merged = [f for f in ACTIVITY_FIELDS if rng.random() < merge_prob and above.value(f)]
    if len(merged) == len(ACTIVITY_FIELDS):  # keep at least one cell of the row its own
        merged.remove(rng.choice(merged))
    # A merged cell is shared: the value is the one of the row above.
    values: dict[str, Any] = {f: above.value(f) for f in merged}  # keyword arguments of replace()
    return replace(act, merged_with_above=tuple(merged), **values)


def _task(rng: random.Random, no: int, activities: tuple[int, int], merge_prob: float,
          max_words: int) -> Task:
    acts: list[Activity] = []
    for _ in range(rng.randint(*activities)):
        acts.append(_activity(rng, acts[-1] if acts else None, merge_prob, max_words))
    return Task(no, sentence(rng, _length(rng, 2, max_words, 14)), acts)


def _body(rng: random.Random, province: str, year: int) -> list[BodyBlock]:
    para = lambda lo, hi: BodyBlock("para", sentence(rng, rng.randint(lo, hi)) + ".")  # noqa: E731
    blocks = [BodyBlock("national_header", ""), BodyBlock("title", "KẾ HOẠCH"),
              BodyBlock("title", f"Cải cách hành chính nhà nước tỉnh {province} năm {year}"),
              para(20, 50), BodyBlock("heading", "I. MỤC ĐÍCH, YÊU CẦU")]
    blocks += [para(15, 90) for _ in range(rng.randint(1, 6))]
    blocks += [BodyBlock("heading", "II. NHIỆM VỤ, GIẢI PHÁP")]
    blocks += [para(15, 90) for _ in range(rng.randint(1, 8))]
    blocks += [BodyBlock("para", "(Nhiệm vụ cụ thể theo Phụ lục đính kèm)."),
               BodyBlock("heading", "III. TỔ CHỨC THỰC HIỆN")]
    blocks += [para(15, 90) for _ in range(rng.randint(1, 6))]
    blocks += [BodyBlock("para", "Nơi nhận:")]
    blocks += [BodyBlock("item", f"- {a};") for a in rng.sample(AGENCIES, 4)]
    blocks += [BodyBlock("signature", "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\n\nNguyễn Văn An")]
    return blocks


# ---- plans -----------------------------------------------------------------------------

def random_plan(rng: random.Random, *, sections: tuple[int, int] = (1, 4), tasks: tuple[int, int] = (1, 5),
                activities: tuple[int, int] = (1, 4), max_words: int = 45, merge_prob: float = 0.15,
                min_pages: int | None = None, geometry: PageGeometry | None = None) -> PlanSpec:
    """A random plan. Ranges are inclusive. min_pages: keep adding tasks until the appendix
    takes at least that many pages with `geometry` (default geometry if None)."""
    province = rng.choice(PROVINCES)
    year = rng.choice((2021, 2022, 2023, 2024))
    number = f"{rng.randint(5, 320)}/KH-UBND"
    issued = date(year - 1, 12, rng.randint(1, 28))
    n_sections = len(ROMAN) if min_pages else rng.randint(*sections)
    titles = rng.sample(SECTION_TITLES, min(n_sections, len(SECTION_TITLES)))
    secs = []
    for s in range(min(n_sections, len(ROMAN))):
        n = rng.randint(*tasks)
        secs.append(Section(ROMAN[s], titles[s % len(titles)],
                            [_task(rng, t + 1, activities, merge_prob, max_words) for t in range(n)]))
    header = {f: rng.choice(HEADER_VARIANTS[f]) for f in DEFAULT_HEADER}
    d = issued
    spec = PlanSpec(
        province=province, year=year, number=number, issued=issued,
        title=f"Cải cách hành chính nhà nước tỉnh {province} năm {year}",
        body=_body(rng, province, year), sections=secs,
        appendix_title=["Phụ lục",
                        f"NHIỆM VỤ CỤ THỂ CỦA KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH TỈNH {province.upper()} NĂM {year}",
                        f"(Kèm theo Kế hoạch số {number} ngày {d.day:02d}/{d.month:02d}/{d.year} "
                        f"của UBND tỉnh {province})"],
        header=header, number_row=rng.random() < 0.7, repeat_header=rng.random() < 0.75,
        section_row_span=rng.random() < 0.7)
    if min_pages:
        _grow(rng, spec, min_pages, geometry or PageGeometry(), tasks, activities, merge_prob, max_words)
    return spec


def _grow(rng: random.Random, spec: PlanSpec, min_pages: int, geo: PageGeometry, tasks: tuple[int, int],
          activities: tuple[int, int], merge_prob: float, max_words: int) -> None:
    from .layout import layout_appendix  # late import: layout does not depend on this module

    pages = len(layout_appendix(spec, geo))
    while pages < min_pages:
        # Add about half the missing pages' worth of tasks, spread over the sections, then
        # measure again: converges in a few layouts without overshooting much.
        n_tasks = sum(len(sec.tasks) for sec in spec.sections)
        for i in range(max(1, (min_pages - pages) * n_tasks // (2 * pages))):
            sec = spec.sections[i % len(spec.sections)]
            sec.tasks.append(_task(rng, len(sec.tasks) + 1, activities, merge_prob, max_words))
        pages = len(layout_appendix(spec, geo))


def random_geometry(rng: random.Random, base: PageGeometry | None = None) -> PageGeometry:
    """Vary the type size (9-12 pt) and the bottom margin, so that the height between the
    margins runs from 260 to 510 pt and page breaks land anywhere: between rows, inside
    rows, inside a task cell only."""
    base = base or PageGeometry()
    height = rng.uniform(260.0, 510.0)
    return replace(base, font_size=rng.choice(FONT_SIZES),
                   margin_bottom=base.appendix_size[1] - base.margin_top - height)


def check_vocabulary(geo: PageGeometry | None = None) -> list[str]:
    """Words that would NOT fit their narrowest column at 12 pt bold (should be empty)."""
    geo = replace(geo or PageGeometry(), font_size=max(FONT_SIZES))
    inner = {f: w - 2 * geo.pad_x for f, w in geo.col_widths.items()}
    text_col = min(inner["task"], inner["activity"], inner["output"])
    # (texts, column width, punctuation the generator may glue to a word)
    checks = [(PHRASES + PROPER + OUTPUTS + SECTION_TITLES, text_col, ";"),
              (AGENCIES, min(inner["lead"], inner["partners"]), ";"), (DEADLINES, inner["deadline"], ""),
              (ROMAN, inner["stt"], "")]
    checks += [(HEADER_VARIANTS[f], inner[f], "") for f in HEADER_VARIANTS]
    bad = []
    for texts, width, punct in checks:
        for word in sorted({w for t in texts for w in t.split()}):
            if not word_fits(word + punct, width, geo.font_size, bold=True):
                bad.append(word)
    return sorted(bad)

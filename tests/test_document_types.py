"""The document around the task table, for every type that carries one: Kế hoạch, Quyết định and
Nghị quyết issuing a plan, Chỉ thị, Công văn with a Phụ lục, Chương trình, Thông báo, Báo cáo; issued
by the Government, ministries, provinces, departments, Party bodies and communes; with the number
and date printed or stamped at signing (inline, in a form, as annotations, off the line), page
numbers at the top of pages from page 2. Documents are rendered by the factory
(`tests.factory.body.render_document`); each spec's `expected` is the truth.
"""
from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from core.records import Severity
from extractors.body_text import find_first_appendix_page
from extractors.pdf_document import open_pdf
from normalizers.plan_meta import plan_identity, same_plan
from pipeline.body import pdf_body_to_records
from tests.factory.body import DocumentSpec, render_document

# Filler without digits, so a page number or a stamp that leaked into the text would show.
_WORDS = ("các cơ quan đơn vị tổ chức triển khai thực hiện nghiêm túc hiệu quả nhiệm vụ được giao bảo đảm "
          "đúng tiến độ chất lượng gắn với trách nhiệm người đứng đầu tăng cường kiểm tra giám sát đôn đốc").split()


def _filler(seed: int, n: int = 110) -> str:
    words = [_WORDS[(seed * 7 + i * 3) % len(_WORDS)] for i in range(n)]
    return " ".join(words).capitalize() + "."


def _plan_body(seed: int) -> list[tuple[str, str]]:
    return [("para", "Căn cứ Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ; " + _filler(seed, 30)),
            ("heading", "I. MỤC ĐÍCH, YÊU CẦU"), ("para", _filler(seed + 1)), ("para", _filler(seed + 2)),
            ("para", _filler(seed + 3)), ("heading", "II. MỤC TIÊU"), ("para", "a) Tối thiểu 95% hồ sơ được giải quyết đúng hạn."),
            ("heading", "III. NHIỆM VỤ, GIẢI PHÁP"), ("para", _filler(seed + 4)), ("para", _filler(seed + 5)),
            ("heading", "IV. TỔ CHỨC THỰC HIỆN"), ("heading", "1. Sở Nội vụ"),
            ("para", "Chủ trì, theo dõi, đôn đốc việc thực hiện Kế hoạch."), ("heading", "2. Sở Tài chính"),
            ("para", "Bảo đảm kinh phí thực hiện.")]


UBND_SIGN = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
APPX = "Phụ lục"


def _specs() -> list[DocumentSpec]:
    d = date
    out = [
        DocumentSpec("KẾ HOẠCH", ["ỦY BAN NHÂN DÂN", "TỈNH BẮC NINH"], "25/KH-UBND", "Bắc Ninh", d(2023, 1, 10),
                     ["Cải cách hành chính tỉnh Bắc Ninh năm 2023"], paragraphs=_plan_body(1), signature=UBND_SIGN,
                     appendix_title=[APPX, "NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2023",
                                     "(Kèm theo Kế hoạch số 25/KH-UBND ngày 10/01/2023 của UBND tỉnh Bắc Ninh)"],
                     expected=dict(doc_type="Kế hoạch", doc_type_code="KH", issuing_body="Ủy ban nhân dân tỉnh Bắc Ninh",
                                   parent_body=None, issuer_kind="people_committee", issuer_level="province",
                                   province="Bắc Ninh", plan_year=2023,
                                   title="Kế hoạch cải cách hành chính tỉnh Bắc Ninh năm 2023")),
        DocumentSpec("QUYẾT ĐỊNH", ["BỘ NÔNG NGHIỆP", "VÀ MÔI TRƯỜNG"], "1234/QĐ-BNNMT", "Hà Nội", d(2025, 3, 15),
                     ["Về việc ban hành Kế hoạch chuyển đổi số năm 2025"],
                     authority="BỘ TRƯỞNG BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
                     paragraphs=[("para", "Căn cứ Nghị định số 35/2025/NĐ-CP ngày 25/02/2025 của Chính phủ; " + _filler(2, 30)),
                                 ("para", "QUYẾT ĐỊNH:"),
                                 ("para", "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch chuyển đổi số năm 2025."),
                                 ("para", "Điều 2. Quyết định này có hiệu lực kể từ ngày ký."),
                                 ("para", "Điều 3. Chánh Văn phòng Bộ, Thủ trưởng các đơn vị chịu trách nhiệm thi hành.")],
                     signature=["KT. BỘ TRƯỞNG", "THỨ TRƯỞNG"], signer="Trần Thanh Nam",
                     attached=["KẾ HOẠCH", "Chuyển đổi số năm 2025 của Bộ Nông nghiệp và Môi trường",
                               "(Ban hành kèm theo Quyết định số 1234/QĐ-BNNMT ngày 15 tháng 3 năm 2025 của Bộ trưởng "
                               "Bộ Nông nghiệp và Môi trường)"],
                     attached_paragraphs=_plan_body(3),
                     appendix_title=[APPX, "DANH MỤC NHIỆM VỤ"],
                     table_labels=["STT", "NỘI DUNG NHIỆM VỤ", "ĐƠN VỊ CHỦ TRÌ", "THỜI GIAN HOÀN THÀNH"],
                     expected=dict(doc_type="Quyết định", doc_type_code="QĐ", issuing_body="Bộ Nông nghiệp và Môi trường",
                                   parent_body=None, issuer_kind="ministry", issuer_level="central", province=None,
                                   plan_year=2025, title="Quyết định về việc ban hành Kế hoạch chuyển đổi số năm 2025",
                                   issued_document_type="Kế hoạch",
                                   issued_document_title="Kế hoạch chuyển đổi số năm 2025 của Bộ Nông nghiệp và Môi trường",
                                   signer_title="Thứ trưởng", signer_name="Trần Thanh Nam")),
        DocumentSpec("NGHỊ QUYẾT", ["CHÍNH PHỦ"], "03/NQ-CP", "Hà Nội", d(2025, 1, 9),
                     ["Ban hành Chương trình hành động của Chính phủ thực hiện Nghị quyết số 57-NQ/TW"],
                     authority="CHÍNH PHỦ",
                     paragraphs=[("para", "Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025; " + _filler(4, 30)),
                                 ("para", "QUYẾT NGHỊ:"),
                                 ("para", "Điều 1. Ban hành kèm theo Nghị quyết này Chương trình hành động của Chính phủ "
                                          "thực hiện Nghị quyết số 57-NQ/TW."),
                                 ("para", "Điều 2. Nghị quyết này có hiệu lực từ ngày ký ban hành.")],
                     signature=["TM. CHÍNH PHỦ", "THỦ TƯỚNG"], signer="Phạm Minh Chính",
                     attached=["CHƯƠNG TRÌNH HÀNH ĐỘNG", "CỦA CHÍNH PHỦ THỰC HIỆN NGHỊ QUYẾT SỐ 57-NQ/TW",
                               "(Kèm theo Nghị quyết số 03/NQ-CP ngày 09 tháng 01 năm 2025 của Chính phủ)"],
                     attached_paragraphs=_plan_body(5),
                     appendix_title=[APPX, "NHIỆM VỤ CỤ THỂ"],
                     table_labels=["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
                     expected=dict(doc_type="Nghị quyết", doc_type_code="NQ", issuing_body="Chính phủ", parent_body=None,
                                   issuer_kind="government", issuer_level="central", province=None,
                                   issued_document_type="Chương trình hành động",
                                   issued_document_title="CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA CHÍNH PHỦ THỰC HIỆN NGHỊ QUYẾT SỐ 57-NQ/TW",
                                   signer_title="Thủ tướng")),
        DocumentSpec("CHỈ THỊ", ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HÀ NỘI"], "05/CT-UBND", "Hà Nội", d(2024, 4, 2),
                     ["Về tăng cường kỷ luật, kỷ cương hành chính năm 2024"],
                     paragraphs=[("para", _filler(6)), ("para", "1. Các sở, ban, ngành thành phố: " + _filler(7, 40)),
                                 ("para", "2. Ủy ban nhân dân các quận, huyện: " + _filler(8, 40)),
                                 ("para", _filler(9))],
                     signature=["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
                     expected=dict(doc_type="Chỉ thị", doc_type_code="CT", issuing_body="Ủy ban nhân dân thành phố Hà Nội",
                                   issuer_kind="people_committee", issuer_level="province", province="Hà Nội",
                                   plan_year=2024, signer_title="Chủ tịch")),
        DocumentSpec("", ["ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH", "VĂN PHÒNG ĐẢNG ỦY"], "402-CV/VPĐU", "Hưng Yên",
                     d(2025, 3, 10), ["V/v triển khai nhiệm vụ trọng tâm", "năm 2025"],
                     motto=("ĐẢNG CỘNG SẢN VIỆT NAM",), party=True,
                     paragraphs=[("para", "Kính gửi: Các chi bộ, đảng bộ cơ sở trực thuộc."), ("para", _filler(10)),
                                 ("para", _filler(11)), ("para", "Chi tiết tại Phụ lục kèm theo.")],
                     signature=["T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG"], signer="Lê Thị Hoa",
                     appendix_title=[APPX, "PHÂN CÔNG NHIỆM VỤ NĂM 2025",
                                     "(Kèm theo Công văn số 402-CV/VPĐU ngày 10/3/2025)"],
                     table_labels=["Stt", "Nội dung công việc", "Người phụ trách", "Tiến độ"],
                     expected=dict(doc_type="Công văn", doc_type_code="CV", issuing_body="Văn phòng Đảng ủy",
                                   parent_body="Đảng ủy Khối các cơ quan tỉnh", issuer_kind="party", issuer_level="province",
                                   subject="triển khai nhiệm vụ trọng tâm năm 2025", plan_year=2025,
                                   title="V/v triển khai nhiệm vụ trọng tâm năm 2025")),
        DocumentSpec("KẾ HOẠCH", ["UBND TỈNH QUẢNG NINH", "SỞ CÔNG THƯƠNG"], "2242/KH-SCT", "Quảng Ninh", d(2024, 6, 5),
                     ["Phát triển thương mại điện tử năm 2024"], paragraphs=_plan_body(12),
                     signature=["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"], signer="Vũ Văn Diện",
                     appendix_title=[APPX, "PHÂN CÔNG NHIỆM VỤ",
                                     "(Kèm theo Kế hoạch số 2242/KH-SCT ngày 05/6/2024 của Sở Công Thương)"],
                     table_labels=["TT", "Nhiệm vụ", "Người phụ trách", "Thời gian thực hiện"],
                     expected=dict(doc_type="Kế hoạch", doc_type_code="KH", issuing_body="Sở Công Thương",
                                   parent_body="Ủy ban nhân dân tỉnh Quảng Ninh", issuer_kind="department",
                                   issuer_level="province", province="Quảng Ninh", plan_year=2024,
                                   signer_title="Phó Giám đốc")),
        DocumentSpec("KẾ HOẠCH", ["ỦY BAN NHÂN DÂN", "XÃ TÂN AN"], "15/KH-UBND", "Tân An", d(2025, 8, 20),
                     ["Chuyển đổi số xã Tân An năm 2026"], paragraphs=_plan_body(13), signature=UBND_SIGN,
                     expected=dict(doc_type="Kế hoạch", issuing_body="Ủy ban nhân dân xã Tân An",
                                   issuer_kind="people_committee", issuer_level="commune", plan_year=2026)),
        DocumentSpec("KẾ HOẠCH", ["ỦY BAN NHÂN DÂN", "PHƯỜNG HỒNG CHÂU"], "7/KH-UBND", "Hồng Châu", d(2025, 9, 2),
                     ["Cải cách hành chính năm 2026"], paragraphs=_plan_body(14), signature=UBND_SIGN,
                     expected=dict(issuing_body="Ủy ban nhân dân phường Hồng Châu", issuer_level="commune")),
        DocumentSpec("CHƯƠNG TRÌNH", ["ĐẢNG BỘ TỈNH NGHỆ AN", "TỈNH ỦY"], "12-CTr/TU", "Vinh", d(2022, 5, 6),
                     ["Hành động thực hiện Nghị quyết Đại hội Đảng bộ tỉnh giai đoạn 2021 - 2025"],
                     motto=("ĐẢNG CỘNG SẢN VIỆT NAM",), party=True, paragraphs=_plan_body(15),
                     signature=["T/M BAN THƯỜNG VỤ", "BÍ THƯ"], signer="Thái Thanh Quý",
                     expected=dict(doc_type="Chương trình", doc_type_code="CTr", issuing_body="Tỉnh ủy",
                                   parent_body="Đảng bộ tỉnh Nghệ An", issuer_kind="party", issuer_level="province",
                                   province="Nghệ An", period_start=2021, period_end=2025, plan_year=None,
                                   signature_text="T/M BAN THƯỜNG VỤ / BÍ THƯ", signer_title="Bí thư")),
        DocumentSpec("THÔNG BÁO", ["UBND TỈNH LÀO CAI", "VĂN PHÒNG"], "45/TB-VPUBND", "Lào Cai", d(2024, 2, 27),
                     ["Kết luận của Chủ tịch UBND tỉnh tại cuộc họp về cải cách hành chính"],
                     paragraphs=[("para", _filler(16)), ("para", _filler(17))],
                     signature=["KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"],
                     expected=dict(doc_type="Thông báo", doc_type_code="TB", issuing_body="Văn phòng",
                                   parent_body="Ủy ban nhân dân tỉnh Lào Cai", issuer_kind="department",
                                   issuer_level="province", province="Lào Cai")),
        DocumentSpec("BÁO CÁO", ["HỘI ĐỒNG NHÂN DÂN", "TỈNH HƯNG YÊN"], "310/BC-HĐND", "Hưng Yên", d(2024, 12, 1),
                     ["Kết quả giám sát việc thực hiện cải cách hành chính năm 2024"],
                     paragraphs=[("para", _filler(18)), ("para", _filler(19))],
                     signature=["TM. THƯỜNG TRỰC HĐND", "CHỦ TỊCH"],
                     expected=dict(doc_type="Báo cáo", doc_type_code="BC", issuing_body="Hội đồng nhân dân tỉnh Hưng Yên",
                                   issuer_kind="people_council", issuer_level="province", province="Hưng Yên",
                                   plan_year=2024)),
        DocumentSpec("QUYẾT ĐỊNH", ["THỦ TƯỚNG CHÍNH PHỦ"], "468/QĐ-TTg", "Hà Nội", d(2021, 3, 27),
                     ["Phê duyệt Đề án đổi mới việc thực hiện cơ chế một cửa"],
                     authority="THỦ TƯỚNG CHÍNH PHỦ",
                     paragraphs=[("para", _filler(20)), ("para", "QUYẾT ĐỊNH:"),
                                 ("para", "Điều 1. Phê duyệt Đề án đổi mới việc thực hiện cơ chế một cửa."),
                                 ("para", "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký.")],
                     signature=["KT. THỦ TƯỚNG", "PHÓ THỦ TƯỚNG"], signer="Phạm Bình Minh",
                     expected=dict(doc_type="Quyết định", issuing_body="Thủ tướng Chính phủ", issuer_kind="government",
                                   issuer_level="central", issued_document_type=None)),
    ]
    for s in out:
        s.expected.setdefault("plan_number", s.number)
        s.expected.setdefault("issue_date", s.issued)
        s.expected.setdefault("issue_place", s.place)
        s.expected.setdefault("signer_name", s.signer)
    return out


SPECS = _specs()
IDS = [re.sub(r"\W+", "-", s.number) for s in SPECS]
STAMPS = ("none", "inline", "form", "annotation", "offset")


def _read(spec: DocumentSpec, tmp_path, name: str = "doc.pdf"):
    path = tmp_path / name
    table_page = render_document(spec, path)
    doc = open_pdf(path)
    try:
        first = find_first_appendix_page(doc)
        rec = pdf_body_to_records(doc, first, registry=None)
    finally:
        doc.close()
    return table_page, first, rec


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_metadata_of_each_type(spec, tmp_path):
    table_page, first, rec = _read(spec, tmp_path)
    got = {k: getattr(rec.meta, k) for k in spec.expected}
    assert got == spec.expected
    assert (rec.meta.number_source, rec.meta.date_source) == ("header", "header")
    assert first == (table_page or None)


@pytest.mark.parametrize("stamp", STAMPS[1:])
@pytest.mark.parametrize("k", [0, 1, 4, 5, 8], ids=lambda k: IDS[k])
def test_stamped_number_and_date(k, stamp, tmp_path):
    """The Word text keeps "Số:      /KH-UBND" and "ngày      tháng      năm 2023"; the values come
    from the objects stamped over them, and the text never shows them as body lines."""
    spec = dataclasses.replace(SPECS[k], stamp=stamp)
    _, _, rec = _read(spec, tmp_path)
    m = rec.meta
    assert (m.plan_number, m.issue_date) == (spec.number, spec.issued)
    assert (m.number_source, m.date_source) == ("stamp", "stamp")
    assert m.stamp_detail and (stamp in m.stamp_detail if stamp in ("form", "annotation") else "content" in m.stamp_detail)
    for key in ("issuing_body", "doc_type", "issue_place", "title"):
        if key in spec.expected:
            assert getattr(m, key) == spec.expected[key], key
    assert any(w.severity == Severity.INFO and "stamped" in w.message for w in rec.warnings)
    digits = spec.number.split("/")[0].split("-")[0]
    assert not any(p == digits for s in rec.sections for p in s.text.split("\n"))


def _printed_paragraphs(items):
    out = []
    for kind, text in items:
        if kind != "para":
            continue
        text = re.sub(r"^Điều \d+\.\s*", "", text)
        out.append(text)
    return out


@pytest.mark.parametrize("k", [0, 1, 2, 5], ids=lambda k: IDS[k])
def test_paragraphs_exact_without_page_numbers_or_stamps(k, tmp_path):
    """Every paragraph comes back whole across page breaks; the page numbers at the top of pages
    from page 2 and the stamped values are never part of the text."""
    spec = dataclasses.replace(SPECS[k], stamp="inline")
    _, _, rec = _read(spec, tmp_path)
    ours = [p for s in rec.sections for p in s.text.split("\n") if p]
    authority = [spec.authority] if spec.authority else []  # kept as printed, before the preamble
    assert ours == authority + _printed_paragraphs(spec.paragraphs + spec.attached_paragraphs)
    assert max(s.page_end for s in rec.sections) >= 2  # page breaks were crossed


def test_a_decision_keeps_its_articles_apart_from_the_plan_it_issues(tmp_path):
    _, _, rec = _read(SPECS[1], tmp_path)
    paths = [s.path for s in rec.sections]
    assert paths[:4] == ["preamble", "Điều 1", "Điều 2", "Điều 3"]
    assert paths[4:] == ["attachment", "I", "II", "III", "IV", "IV.1", "IV.2"]
    assert [(r.heading_no, r.agency_text) for r in rec.responsibilities] == [(1, "Sở Nội vụ"), (2, "Sở Tài chính")]
    assert [t.value for t in rec.targets] == [95.0]
    assert "1234/QĐ-BNNMT" not in {r.code for r in rec.references}  # the decision itself is not a reference


def test_parts_a_type_lacks_are_info_not_faults(tmp_path):
    _, _, rec = _read(SPECS[3], tmp_path)  # a Chỉ thị: numbered paragraphs, no MỤC TIÊU, no TỔ CHỨC THỰC HIỆN
    info = [w.message for w in rec.warnings if w.severity == Severity.INFO]
    assert any("MỤC TIÊU" in w and "Chỉ thị" in w for w in info)
    assert any("TỔ CHỨC THỰC HIỆN" in w for w in info)
    assert all(w.severity != Severity.ERROR for w in rec.warnings)
    assert all(w.stage == "body" for w in rec.warnings)


def test_full_plan_has_no_warnings(tmp_path):
    _, _, rec = _read(SPECS[0], tmp_path)
    assert rec.warnings == []


@pytest.mark.parametrize("k", range(len(SPECS)), ids=IDS)
def test_identity_is_the_same_printed_or_stamped(k, tmp_path):
    plain = _read(SPECS[k], tmp_path, "a.pdf")[2].meta
    stamped = _read(dataclasses.replace(SPECS[k], stamp="inline", page_numbers=False), tmp_path, "renamed.pdf")[2].meta
    assert plain.plan_identity == stamped.plan_identity


def test_identity_folds_and_tolerates_unknown_parts():
    a = plan_identity("Ủy ban nhân dân tỉnh Hưng Yên", "196/KH-UBND", date(2021, 12, 24),
                      "Kế hoạch cải cách hành chính nhà nước tỉnh Hưng Yên năm 2022")
    scan = plan_identity("UBND tinh Hung Yen", None, date(2021, 12, 24),
                         "KẾ HOẠCH  cải cách hành chính nhà nước tỉnh Hưng Yên năm  2022")
    assert scan.key == a.key and same_plan(a, scan)
    tones = plan_identity("Uỷ ban nhân dân tỉnh Hưng Yên", "196 / KH-UBND", date(2021, 12, 24),
                          "Kế hoạch cải cách hành chính nhà nước tỉnh Hưng Yên năm 2022")
    assert tones.key == a.key
    other_year = plan_identity("Ủy ban nhân dân tỉnh Hưng Yên", "201/KH-UBND", date(2022, 12, 20),
                               "Kế hoạch cải cách hành chính nhà nước tỉnh Hưng Yên năm 2023")
    assert other_year.key != a.key and not same_plan(a, other_year)
    renumbered = dataclasses.replace(a, number="197khubnd")
    assert not same_plan(a, renumbered)  # same title and date but another number: another document
    untitled = plan_identity("Ủy ban nhân dân tỉnh Hưng Yên", "196/KH-UBND", date(2021, 12, 24), None)
    assert same_plan(a, untitled)
    nothing = plan_identity(None, None, date(2021, 12, 24), None)
    assert not same_plan(a, nothing)  # a date alone does not make the same plan


# ---- persons as leads (a department's plan names officials) -----------------------------------

@pytest.mark.parametrize("text, name", [
    ("Đồng chí Nguyễn Văn An, Phó Giám đốc Sở", "Nguyễn Văn An"),
    ("Đ/c Lê Thị Hoa - Trưởng phòng Quản lý thương mại", "Lê Thị Hoa"),
    ("Phó Giám đốc Trần Thị Bình", "Trần Thị Bình"),
    ("Nguyễn Thị Lan (Trưởng phòng)", "Nguyễn Thị Lan"),
    ("Ông Vũ Văn Diện", "Vũ Văn Diện"),
    ("Sở Nội vụ", None), ("Lãnh đạo Sở", None), ("Văn phòng Sở", None), ("Phòng Quản lý thương mại", None),
    ("Ủy ban nhân dân các xã, phường", None), ("Giám đốc Sở", None), ("Trung tâm Xúc tiến", None),
])
def test_person_or_body(text, name):
    from normalizers.responsibilities import person_name
    assert person_name(text) == name


def test_persons_named_as_leads_are_not_unmatched_agencies(tmp_path):
    body = _plan_body(21)
    k = body.index(("heading", "1. Sở Nội vụ"))
    body[k] = ("heading", "1. Đồng chí Nguyễn Văn An, Phó Giám đốc Sở")
    spec = dataclasses.replace(SPECS[5], paragraphs=body)

    class Registry:  # matches nothing: every part is unmatched unless it is a person
        def resolve_cell(self, text, year=None):
            return [type("M", (), {"text": p.strip(), "agency_id": None, "agency_name": None})()
                    for p in text.split(",")]

    path = tmp_path / "so.pdf"
    render_document(spec, path)
    doc = open_pdf(path)
    try:
        rec = pdf_body_to_records(doc, None, registry=Registry())
    finally:
        doc.close()
    first = next(r for r in rec.responsibilities if r.heading_no == 1)
    assert first.agency_text == "Đồng chí Nguyễn Văn An, Phó Giám đốc Sở"  # as printed
    assert (first.persons, first.agency_unmatched) == (["Nguyễn Văn An"], [])
    second = next(r for r in rec.responsibilities if r.heading_no == 2)
    assert (second.persons, second.agency_unmatched) == ([], ["Sở Tài chính"])


# ---- headers read as plain text (OCR, or the two columns interleaved line by line) ------------

MOTTO1, MOTTO2 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"


@pytest.mark.parametrize("header, expected", [
    # (issuing_body, parent_body, issuer_kind, issuer_level, plan_number, issue_date, issue_place)
    ([f"UBND TỈNH QUẢNG NINH {MOTTO1}", f"SỞ CÔNG THƯƠNG {MOTTO2}", "Số: 2242/KH-SCT Quảng Ninh, ngày 05 tháng 6 năm 2024"],
     ("Sở Công Thương", "Ủy ban nhân dân tỉnh Quảng Ninh", "department", "province", "2242/KH-SCT", date(2024, 6, 5),
      "Quảng Ninh")),
    (["TỈNH ỦY HƯNG YÊN ĐẢNG CỘNG SẢN VIỆT NAM", "*", "Số 06-KH/TU Hưng Yên, ngày 02 tháng 3 năm 2021"],
     ("Tỉnh ủy Hưng Yên", None, "party", "province", "06-KH/TU", date(2021, 3, 2), "Hưng Yên")),
    (["ĐẢNG BỘ TỈNH HƯNG YÊN ĐẢNG CỘNG SẢN VIỆT NAM", "BAN THƯỜNG VỤ TỈNH ỦY", "*",
      "Số 15-CT/TU Hưng Yên, ngày 20 tháng 5 năm 2023"],
     ("Ban Thường vụ Tỉnh ủy", "Đảng bộ tỉnh Hưng Yên", "party", "province", "15-CT/TU", date(2023, 5, 20), "Hưng Yên")),
    ([f"BỘ TÀI CHÍNH {MOTTO1}", MOTTO2, "Số: 1234/QĐ-BTC Hà Nội, ngày 12 tháng 7 năm 2025"],
     ("Bộ Tài chính", None, "ministry", "central", "1234/QĐ-BTC", date(2025, 7, 12), "Hà Nội")),
    ([f"BỘ VĂN HÓA, THỂ THAO {MOTTO1}", f"VÀ DU LỊCH {MOTTO2}", "Số: 88/KH-BVHTTDL Hà Nội, ngày 3/02/2022"],
     ("Bộ Văn hóa, Thể thao và Du lịch", None, "ministry", "central", "88/KH-BVHTTDL", date(2022, 2, 3), "Hà Nội")),
    ([f"BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG {MOTTO1}", f"CỤC CHUYỂN ĐỔI SỐ {MOTTO2}",
      "Số: 17/KH-CĐS Hà Nội, ngày 10 tháng 4 năm 2025"],
     ("Cục Chuyển đổi số", "Bộ Nông nghiệp và Môi trường", "department", "central", "17/KH-CĐS", date(2025, 4, 10),
      "Hà Nội")),
    ([f"ỦY BAN NHÂN DÂN {MOTTO1}", f"THÀNH PHỐ HỒ CHÍ MINH {MOTTO2}",
      "Số: 4567/KH-UBND Thành phố Hồ Chí Minh, ngày 28 tháng 12 năm 2024"],
     ("Ủy ban nhân dân thành phố Hồ Chí Minh", None, "people_committee", "province", "4567/KH-UBND",
      date(2024, 12, 28), "Thành phố Hồ Chí Minh")),
    ([f"ỦY BAN NHÂN DÂN {MOTTO1}", f"HUYỆN KIM ĐỘNG {MOTTO2}", "Số: 90/KH-UBND Kim Động, ngày 5 tháng 1 năm 2024"],
     ("Ủy ban nhân dân huyện Kim Động", None, "people_committee", "district", "90/KH-UBND", date(2024, 1, 5),
      "Kim Động")),
    ([f"UBND TỈNH HƯNG YÊN {MOTTO1}", f"BAN CHỈ ĐẠO CẢI CÁCH HÀNH CHÍNH {MOTTO2}",
      "Số: 01/KH-BCĐ Hưng Yên, ngày 15 tháng 1 năm 2022"],
     ("Ban Chỉ đạo cải cách hành chính", "Ủy ban nhân dân tỉnh Hưng Yên", "department", "province", "01/KH-BCĐ",
      date(2022, 1, 15), "Hưng Yên")),
    ([f"UỶ BAN NHÂN DÂN {MOTTO1}", f"XÃ ĐÔNG HƯNG {MOTTO2}", "Số: /KH-UBND Đông Hưng, ngày tháng năm 2025"],
     ("Ủy ban nhân dân xã Đông Hưng", None, "people_committee", "commune", None, None, "Đông Hưng")),
])
def test_header_read_as_plain_text(header, expected):
    from extractors.body_text import lines_from_text
    from normalizers.body import lines_to_records
    text = "\n".join(header + ["KẾ HOẠCH", "Thực hiện nhiệm vụ năm 2025", "Căn cứ Luật Tổ chức chính quyền địa phương;"])
    m = lines_to_records(lines_from_text(text)).meta
    assert (m.issuing_body, m.parent_body, m.issuer_kind, m.issuer_level, m.plan_number, m.issue_date,
            m.issue_place) == expected


def test_a_public_letter_read_as_plain_text():
    from extractors.body_text import lines_from_text
    from normalizers.body import lines_to_records
    text = "\n".join([
        f"ỦY BAN NHÂN DÂN {MOTTO1}", f"TỈNH HƯNG YÊN {MOTTO2}", "Số: 1520/UBND-KT Hưng Yên, ngày 12 tháng 6 năm 2024",
        "V/v triển khai thực hiện các nhiệm vụ", "chuyển đổi số năm 2024", "Kính gửi: Các sở, ban, ngành tỉnh.",
        "Thực hiện Kế hoạch số 196/KH-UBND ngày 24/12/2021 của UBND tỉnh, " + _filler(30, 20),
        "Chi tiết tại Phụ lục kèm theo.", "Nơi nhận:", "- Như trên;", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Hùng Nam"])
    got = lines_to_records(lines_from_text(text))
    m = got.meta
    assert (m.doc_type, m.doc_type_code, m.plan_number, m.issue_date) == ("Công văn", None, "1520/UBND-KT",
                                                                          date(2024, 6, 12))
    assert m.subject == "triển khai thực hiện các nhiệm vụ chuyển đổi số năm 2024"
    assert (m.issuing_body, m.plan_year, m.signer_name) == ("Ủy ban nhân dân tỉnh Hưng Yên", 2024, "Nguyễn Hùng Nam")
    assert [r.code for r in got.references] == ["196/KH-UBND"]
    assert got.sections[0].text.startswith("Kính gửi: Các sở, ban, ngành tỉnh.")


@pytest.mark.parametrize("heading", [[APPX, "PHÂN CÔNG NHIỆM VỤ"], []], ids=["under-phu-luc", "no-heading"])
def test_table_on_the_last_body_page(heading, tmp_path):
    """The task table starts on the page where the body ends (under "Phụ lục", or with no heading
    at all): that page's text above it is still body, and it is the table's first page."""
    spec = dataclasses.replace(SPECS[4], appendix_title=heading, table_on_body_page=True,
                               paragraphs=SPECS[4].paragraphs[:2] + [("para", "Phân công nhiệm vụ như sau:")])
    table_page, first, rec = _read(spec, tmp_path)
    assert first == table_page == 1 and rec.body_pages == [1]
    ours = [p for s in rec.sections for p in s.text.split("\n") if p]
    assert ours == _printed_paragraphs(spec.paragraphs)
    assert rec.meta.signer_name == spec.signer and rec.meta.recipients == ["Như trên", "Lưu: VT"]
    assert rec.meta.plan_number == spec.number


def test_decision_whose_plan_repeats_the_header_read_as_plain_text():
    from extractors.body_text import lines_from_text
    from normalizers.body import lines_to_records
    text = "\n".join([
        f"ỦY BAN NHÂN DÂN {MOTTO1}", f"TỈNH HƯNG YÊN {MOTTO2}", "Số: 2890/QĐ-UBND Hưng Yên, ngày 30 tháng 12 năm 2024",
        "QUYẾT ĐỊNH", "Ban hành Kế hoạch cải cách hành chính tỉnh Hưng Yên năm 2025",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH HƯNG YÊN", "Căn cứ Luật Tổ chức chính quyền địa phương;", "QUYẾT ĐỊNH:",
        "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch cải cách hành chính tỉnh Hưng Yên năm 2025.",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.", "Nơi nhận:", "- Như Điều 2;", "- Lưu: VT.",
        "CHỦ TỊCH", "Trần Quốc Văn",
        f"ỦY BAN NHÂN DÂN {MOTTO1}", f"TỈNH HƯNG YÊN {MOTTO2}",
        "KẾ HOẠCH", "Cải cách hành chính tỉnh Hưng Yên năm 2025",
        "(Ban hành kèm theo Quyết định số 2890/QĐ-UBND ngày 30/12/2024", "của Chủ tịch UBND tỉnh Hưng Yên)",
        "I. MỤC TIÊU", "a) Trên 98% hồ sơ được giải quyết đúng hạn.", "II. TỔ CHỨC THỰC HIỆN", "1. Sở Nội vụ",
        "Chủ trì theo dõi, tổng hợp."])
    got = lines_to_records(lines_from_text(text))
    m = got.meta
    assert (m.doc_type, m.plan_number, m.issue_date, m.signer_name, m.signer_title) == (
        "Quyết định", "2890/QĐ-UBND", date(2024, 12, 30), "Trần Quốc Văn", "Chủ tịch")
    assert (m.issued_document_type, m.issued_document_title, m.plan_year) == (
        "Kế hoạch", "Kế hoạch cải cách hành chính tỉnh Hưng Yên năm 2025", 2025)
    assert [s.path for s in got.sections] == ["preamble", "Điều 1", "Điều 2", "I", "II", "II.1"]
    assert [t.value for t in got.targets] == [98.0] and [r.agency_text for r in got.responsibilities] == ["Sở Nội vụ"]
    assert m.recipients == ["Như Điều 2", "Lưu: VT"]


@pytest.mark.parametrize("seed", range(24))
def test_random_type_stamp_and_length(seed, tmp_path):
    """Random combinations of type/issuer, stamping, page numbers and body length."""
    import random
    rng = random.Random(seed)
    base = rng.choice(SPECS)
    paragraphs = [p if p[0] == "heading" else ("para", _filler(rng.randrange(100), rng.randrange(20, 160)))
                  for p in base.paragraphs] if base.doc_type in ("KẾ HOẠCH", "CHƯƠNG TRÌNH") else base.paragraphs
    spec = dataclasses.replace(base, stamp=rng.choice(STAMPS), page_numbers=rng.random() < 0.7, paragraphs=paragraphs)
    _, _, rec = _read(spec, tmp_path)
    m = rec.meta
    for key in ("plan_number", "issue_date", "issuing_body", "parent_body", "doc_type", "issuer_kind", "issuer_level"):
        if key in spec.expected:
            assert getattr(m, key) == spec.expected[key], (key, spec.stamp)
    assert (m.number_source == "stamp") == (spec.stamp != "none")
    assert m.plan_identity == _read(base, tmp_path, "base.pdf")[2].meta.plan_identity

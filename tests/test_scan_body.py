"""The body of a scanned plan: read once, by the read stage's OCR workers, beside the table cells.

A page without a ruled table is read whole there; a table page only above its first table (where the
body ends and the appendix heading stands). The body stage takes those lines and starts no Tesseract
process of its own. Part numerals that OCR garbles ("H." for "II.") take their number from the sequence.
"""
from __future__ import annotations

import shutil

import pytest

import pipeline.body
from core.records import BodyLine
from extractors import body_text, ocr
from extractors.body_text import pdf_to_body_text
from normalizers.body_sections import parse_body
from pipeline.stages import run_stages
from tests.conftest import SAMPLE_PDF
from tests.factory.scan import scan_pdf

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")


@pytest.fixture(scope="module")
def two_page_scan(tmp_path_factory):
    """Page 1 (body: national header, number, title, parts I and II) and page 13 (the "Phụ lục"
    heading above the first appendix table) of the born-digital sample, scanned."""
    path = tmp_path_factory.mktemp("scan") / "two-pages.pdf"
    scan_pdf(SAMPLE_PDF, path, seed=3, pages=[1, 13])
    return path


@needs_tesseract
def test_body_of_a_scan_is_read_by_the_read_stage_only(two_page_scan, params, monkeypatch):
    def no_second_read(*args, **kwargs):
        raise AssertionError("the body stage read a page with Tesseract again")

    monkeypatch.setattr(body_text, "ocr_page_lines", no_second_read)
    calls: list[int] = []
    real = ocr.image_to_words

    def count(image, **kw):
        calls.append(kw["psm"])
        return real(image, **kw)

    monkeypatch.setattr(ocr, "image_to_words", count)
    texts = []

    def keep(*args, **kwargs):
        texts.append(pdf_to_body_text(*args, **kwargs))
        return texts[-1]

    monkeypatch.setattr(pipeline.body, "pdf_to_body_text", keep)
    run = run_stages(two_page_scan, params, until="check")
    assert {p: t.region for p, t in run.doc.ocr_text.items()} == {1: "page", 2: "above_table"}
    assert calls.count(3) == 2, "one automatic-layout read per page, on the OCR workers"
    meta = run.body.meta
    assert meta.plan_number == "196/KH-UBND"
    assert meta.issue_date.isoformat() == "2021-12-24"
    assert meta.issuing_body == "Ủy ban nhân dân tỉnh Hưng Yên"
    assert run.body.ocr_pages == [1, 2]
    # The heading comes from above the table: nothing of the table's header is taken for it.
    heading = " ".join(ln.text for ln in texts[0].appendix_heading)
    assert heading.startswith("Phụ lục")
    assert "Kèm theo Kế hoạch số 196" in heading.replace(" /", "/")
    assert "Nhiệm vụ" not in heading and "Chủ trì" not in heading


@needs_tesseract
def test_scanned_body_keeps_the_born_digital_parts(scan_run, sample_run):
    """Page 1 of the bundled scan has the parts and sections of page 1 of the born-digital sample."""
    def page1(run):
        return [(s.path, s.level) for s in run.body.sections if s.page_start == 1]

    assert page1(scan_run) == page1(sample_run)


def _lines(*texts: str) -> list[BodyLine]:
    return [BodyLine(1, t) for t in texts]


@pytest.mark.parametrize("garbled", ["H. MỤC TIỂU", "Il. MỤC TIÊU", "IL.MỤC TIÊU", "MỤC TIÊU"])
def test_a_garbled_part_numeral_takes_the_next_number(garbled):
    body = parse_body(_lines("KẾ HOẠCH", "Cải cách hành chính năm 2022", "I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích",
                             "Triển khai thực hiện.", "2. Yêu cầu", "Đầy đủ.", garbled, "1. Cải cách thể chế",
                             "a) 100% văn bản."))
    parts = [(s.path, s.title) for s in body.sections if s.kind in ("part", "section")]
    assert [p for p, _ in parts] == ["I", "I.1", "I.2", "II", "II.1"]
    assert body.find_part("mục tiêu") is not None, "found though a mark was misread"


def test_an_arabic_number_in_capitals_is_not_a_part():
    body = parse_body(_lines("KẾ HOẠCH", "Cải cách hành chính năm 2022", "I. MỤC ĐÍCH, YÊU CẦU", "1. MỤC ĐÍCH",
                             "Triển khai thực hiện."))
    assert [(s.path, s.kind) for s in body.sections if s.kind != "preamble"] == [("I", "part"), ("I.1", "section")]

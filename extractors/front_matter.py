"""The few lines that identify a plan: its first page and the heading above the appendix table."""
from __future__ import annotations

from dataclasses import dataclass

from extractors.pdf_document import OpenedPdf
from normalizers.text import clean


@dataclass
class FrontMatter:
    first_page_lines: list[str]
    appendix_heading: str  # the text above the table on the first appendix page ("Phụ lục …")


def pdf_to_front_matter(doc: OpenedPdf, appendix_page: int, table_top: float) -> FrontMatter:
    first = doc.pdf[0].get_textpage()
    lines = [clean(l) for l in first.get_text_range().splitlines() if clean(l)]
    first.close()
    page = doc.pdf[appendix_page - 1]
    tp = page.get_textpage()
    heading = clean(tp.get_text_bounded(left=0, bottom=page.get_height() - table_top, right=page.get_width(),
                                        top=page.get_height()))
    tp.close()
    return FrontMatter(lines, heading)

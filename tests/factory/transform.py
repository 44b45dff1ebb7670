"""Rotated and mixed-orientation copies of factory PDFs (test support).

A page of the copy is described by `PageTurn(rotate, content, how)`:
  rotate   the page's /Rotate (0, 90, 180, 270: clockwise when displayed)
  content  the angle (degrees, counter-clockwise) the original page's content is drawn at on the new
           page; the new MediaBox is the original one turned by that angle
  how      "form": the page is placed as a Form XObject with that matrix (what N-up and imposition
           tools write); "objects": every page object is transformed and the content stream is
           regenerated (what editors that "rotate content" write)

`rotate=90, content=270` is how printers store a landscape page: a portrait MediaBox with the
content drawn turned, and /Rotate turning it back so that it displays upright. `rotate=0, content=90`
is a landscape table drawn turned on a portrait page (it displays sideways).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium


@dataclass(frozen=True)
class PageTurn:
    rotate: int = 0
    content: int = 0
    how: str = "form"


UPRIGHT = PageTurn()


def _matrix(angle: int, w: float, h: float) -> pdfium.PdfMatrix:
    """Turn a w×h page by `angle` (ccw) about the origin, then shift it back into the positive quadrant."""
    m = pdfium.PdfMatrix().rotate(angle, ccw=True)
    shift = {0: (0, 0), 90: (h, 0), 180: (w, h), 270: (0, w)}[angle % 360]
    return m.translate(*shift)


def turned_copy(src: str | Path, dst: str | Path, turns) -> Path:
    """Write a copy of `src` whose page i is turned by `turns(i)` (a PageTurn), or by `turns[i]`."""
    pick = turns if callable(turns) else (lambda i: turns[i])
    source = pdfium.PdfDocument(str(src))
    out = pdfium.PdfDocument.new()
    try:
        for i in range(len(source)):
            turn: PageTurn = pick(i) or UPRIGHT
            page = source[i]
            w, h = page.get_size()
            nw, nh = (h, w) if turn.content % 180 else (w, h)
            if turn.how == "form":
                new = out.new_page(nw, nh)
                xobj = source.page_as_xobject(i, out)
                obj = xobj.as_pageobject()
                obj.transform(_matrix(turn.content, w, h))
                new.insert_obj(obj)
                new.gen_content()
            elif turn.how == "objects":
                out.import_pages(source, [i])
                new = out[len(out) - 1]
                if turn.content % 360:
                    m = _matrix(turn.content, w, h)
                    for obj in list(new.get_objects(max_depth=1)):
                        obj.transform(m)
                    new.set_mediabox(0, 0, nw, nh)
                    new.set_cropbox(0, 0, nw, nh)
                    new.gen_content()
            else:
                raise ValueError(f"unknown way to turn a page: {turn.how!r}")
            if turn.rotate % 360:
                new.set_rotation(turn.rotate % 360)
            new.close()
            page.close()
        out.save(str(dst))
    finally:
        out.close()
        source.close()
    return Path(dst)

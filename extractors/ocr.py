"""Scanned pages → the same PageGrids as the text layer gives, read from the page image.

    page image ──deskew──▶ ruling lines (OpenCV) ──▶ Rules in PDF points ──▶ grid.rules_to_grids
                                  │                                              ▲
                                  └──▶ cells ──▶ cell crops ──▶ Tesseract ──▶ OcrText (a TextSource)

Why crops and not the whole page: Tesseract's page layout analysis reads lines straight across
table columns, and the ruling lines leave junk tokens. With the grid known first, every cell's
content is cut out and the crops are stacked, with white gaps, into ONE image per page: one
Tesseract process per page (no per-cell start-up cost) that reads one cell's lines at a time.
Words come back with their boxes and are mapped to the page by the crop they fall in.
Measured on 5 pages of the scanned seed appendix (200 dpi scan, read at 300 dpi, before
post-correction): stacked crops 0.68% character errors at 2.3 s CPU a page; one Tesseract
process per cell 0.70% at 5.7 s; the whole page with rules erased (--psm 11) 0.93% at 2.6 s.

Short cells (one to three glyphs: Stt numbers, Roman section numerals, the "1 2 3 4 5 6" row)
are read twice: with the other cells by the Vietnamese model, and stacked apart, levelled, by the
English model (read_short_crops): the Vietnamese model misreads lone digits and Roman numerals
("5" → "°", "II" → "H"), the English one reads them right but drops the marks of short words.
Reading them in the same Vietnamese call as the long cells saves a Tesseract process a page; on
the two factory scans of the seed plan the keyed character accuracy stayed 99.83% / 99.81% and
the deadlines 100% / 99%.

All coordinates handed to the pipeline are PDF points, top-left origin, in the DESKEWED page:
the page is turned back about its centre, so rules, cells and words share one frame.
"""
from __future__ import annotations

import os
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import cv2
import numpy as np

from core.records import OcrPageText, PageGrid, PageRoute, Rule
from core.text import clean
from core.vocabulary import HEADER_VOCABULARY
from extractors import ocr_image
from extractors.grid import covered_length, lines_to_tables, rules_to_grids, rules_to_lines, table_to_cells
from extractors.header import is_roman, label_to_field
from extractors.ocr_tesseract import OcrUnavailable, Word, check_tesseract, image_to_words, words_to_lines
from normalizers.ocr_correct import correct_cell

Box = tuple[float, float, float, float]

CROP_PAD_PT = 2.0  # white margin kept around a cell's ink
STACK_GAP_PT = 12.0  # white space between stacked crops (about one line)
SHORT_MAX_ASPECT = 3.0  # a crop narrower than 3x its height holds at most ~3 glyphs…
SHORT_MAX_HEIGHT_PT = 16.0  # …on one line
SHORT_NUMERAL_LANG = "eng"  # model that reads numbers and Roman numerals in short cells (module doc)
INK_LEVEL = 160  # grey level below which a pixel of the normalised page is ink
MIN_INK_AREA_PT2 = 0.3  # smaller ink blobs do not make a cell non-empty


@dataclass(frozen=True)
class OcrWord:
    """One word read by Tesseract, on the page in PDF points (top-left origin, deskewed page)."""
    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    conf: float  # Tesseract's word confidence, 0..100
    line: tuple  # words printed on one line share this key
    doubt: str | None = None  # why the reading stays doubtful after a constrained re-read (reread_text_numerals)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class OcrCell:
    """What OCR made of one box: the text handed on, Tesseract's raw reading and its confidence."""
    text: str  # after Vietnamese post-correction (normalizers.ocr_correct), lines joined by "\n"
    raw: str  # Tesseract's words as read, lines joined by "\n"
    conf: float | None  # mean word confidence (0..100), None when the box holds no word
    n_words: int
    min_conf: float | None = None  # the lowest word confidence
    doubts: tuple[str, ...] = ()  # the words' doubts (OcrWord.doubt)


@dataclass
class OcrPage:
    """The result of reading one page image: its rules and words, in PDF points."""
    page_no: int
    width: float
    height: float
    skew: float  # degrees, counter-clockwise, as found on the page (it was turned back by this)
    rules: list[Rule]
    words: list[OcrWord]
    seconds: float = 0.0
    # The clean page image down to HEADER_ZONE_PT below the first table's top, PNG-encoded (small),
    # so header cells can be re-read once the grid shows which row is the header (fix_header_labels)
    header_png: bytes | None = None
    dpi: float = 0.0
    text: OcrPageText | None = None  # the lines outside the tables, for the body stage (read_page_text)
    turn: int = 0  # degrees counter-clockwise the scanned image was turned to read upright (upright_turn);
    # width, height, rules and words are those of the turned page


class OcrText:
    """TextSource over OCR words: the words whose centre lies in a box, grouped into lines.

    Every box asked for is remembered in `cells` (box → OcrCell): the raw Tesseract text and the
    mean confidence of each cell of the grids built from this source. The box is the one the grid
    code asks about: a Cell's bbox shrunk by ReadSettings.cell_inset on every side; `cell_for`
    does that lookup from a Cell."""

    def __init__(self, words: list[OcrWord], correct: bool = True):
        self.words = words
        self.correct = correct
        self.cells: dict[Box, OcrCell] = {}

    def _inside(self, box: Box) -> list[OcrWord]:
        x0, top, x1, bottom = box
        return [w for w in self.words if x0 <= w.cx <= x1 and top <= w.cy <= bottom]

    def read(self, box: Box) -> OcrCell:
        words = self._inside(box)
        lines: dict[tuple, list[OcrWord]] = {}
        for w in words:
            lines.setdefault(w.line, []).append(w)
        ordered = sorted(lines.values(), key=lambda ws: min(w.top for w in ws))
        read = [[(w.text, w.conf) for w in sorted(ws, key=lambda w: w.x0)] for ws in ordered]
        raw_lines = [[t for t, _ in line] for line in read]
        fixed = correct_cell(read) if self.correct else raw_lines
        conf = sum(w.conf for w in words) / len(words) if words else None
        return OcrCell("\n".join(" ".join(l) for l in fixed if l), "\n".join(" ".join(l) for l in raw_lines),
                       conf, len(words), min((w.conf for w in words), default=None),
                       tuple(w.doubt for w in words if w.doubt))

    def text(self, box: Box) -> str:
        key: Box = (box[0], box[1], box[2], box[3])
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = self.read(box)
        return cell.text

    def lowest_text_bottom(self, box: Box) -> float | None:
        words = self._inside(box)
        return max((w.bottom for w in words), default=None)

    def cell_for(self, cell, inset: float) -> OcrCell | None:
        """The OcrCell of a grid Cell built from this source (None if the grid never asked)."""
        x0, top, x1, bottom = cell.bbox
        return self.cells.get((x0 + inset, top + inset, x1 - inset, bottom - inset))


# ---- page image → rules and words --------------------------------------------------------

RULE_PIECE_PT = 4.0  # the shortest piece of a broken scanned rule that is kept when it continues a rule


def rule_pieces(ink: np.ndarray, rules: list[Rule], dpi: float, settings) -> list[Rule]:
    """Pieces of broken rules: a photocopied rule with gaps leaves pieces shorter than the shortest
    rule looked for (read.ocr_line_scale: letters must not pass for rules), which vanish, and with them
    a cell border. A short straight run of ink is taken back as a rule only where it continues one:
    on its line (within ocr_snap_tolerance), within ocr_join_tolerance of an end of it or of another
    piece taken back, and only when it stands alone (_stands_alone). Past an end where a rule crosses
    (a rule may stop there on purpose: above a section row, under a group label) the pieces must fill
    most of the span to the next crossing."""
    snap, join = settings.ocr_snap_tolerance, settings.ocr_join_tolerance
    k = dpi / 72
    short = max(3, int(round(RULE_PIECE_PT * k)))
    # Most short runs of ink are letter strokes nowhere near a rule's line: only the strips along the
    # rules are looked at (a page has thousands of strokes and a few dozen rules; the whole page's
    # connected components cost more than all the rest of this).
    reach = int(np.ceil(snap * k))
    pieces: list[Rule] = []
    for o in ("h", "v"):
        page = ink if o == "h" else ink.T
        rows = np.zeros(page.shape[0], bool)
        for r in rules:
            if r.orientation == o:
                at = int(round(r.pos * k))
                rows[max(0, at - reach):at + reach + 1] = True
        edges = np.flatnonzero(np.diff(np.concatenate(([0], rows.astype(np.int8), [0]))))
        for y0, y1 in zip(edges[::2], edges[1::2]):
            strip = np.ascontiguousarray(page[y0:y1])
            found = ocr_image.masks_to_rules(ocr_image.ink_to_rule_masks(strip, short)[0], np.zeros_like(strip), dpi,
                                             short, settings.max_rule_thickness * k)
            pieces += [replace(q, orientation=o, pos=q.pos + y0 / k) for q in found]

    def crossed(rule: Rule, at: float) -> bool:
        return any(r.orientation != rule.orientation and abs(r.pos - at) <= snap
                   and r.start - snap <= rule.pos <= r.end + snap for r in rules)

    # (rule, its start is open, its end is open): where a piece may continue it
    ends = [(r, not crossed(r, r.start), not crossed(r, r.end)) for r in rules]
    taken: list[Rule] = []
    todo = [p for p in pieces if not any(_covered(p, r, snap) for r in rules) and _stands_alone(ink, p, dpi)]

    def filled_beyond(r: Rule, at: float, step: int) -> bool:
        """Past a crossed end `at` of r (step +1: after it, -1: before it), up to the next crossing
        rule: do the pieces on r's line fill most of that span? A rule broken there leaves pieces
        along most of it; a letter stroke in a section row, under a rule that stops on purpose, does not."""
        crossings = [q.pos for q in rules if q.orientation != r.orientation
                     and q.start - snap <= r.pos <= q.end + snap and (q.pos - at) * step > snap]
        if not crossings:
            return False
        far = min(crossings, key=lambda x: abs(x - at))
        lo, hi = sorted((at, far))
        spans = [(q.start, q.end) for q in todo if q.orientation == r.orientation and abs(q.pos - r.pos) <= snap]
        return covered_length(spans, lo, hi) >= 0.5 * (hi - lo)

    def continues(p: Rule) -> bool:
        for r, open_start, open_end in ends:
            if r.orientation != p.orientation or abs(r.pos - p.pos) > snap:
                continue
            if r.end - snap <= p.start <= r.end + join and (open_end or filled_beyond(r, r.end, 1)):
                return True
            if r.start - join <= p.end <= r.start + snap and (open_start or filled_beyond(r, r.start, -1)):
                return True
        return False

    grew = True
    while grew and todo:  # a run of pieces along a gap is taken back piece by piece
        grew = False
        for p in list(todo):
            if continues(p):
                ends.append((p, True, True))
                taken.append(p)
                todo.remove(p)
                grew = True
    return taken


def _stands_alone(ink: np.ndarray, piece: Rule, dpi: float, side_pt: float = 2.0, max_ink: float = 0.15) -> bool:
    """A piece of rule has paper on both sides along it; the bar of a letter ("T", "Đ", "E") has its
    stem beside it. A little of each end is left out (a rule crossing there is not the piece's ink)."""
    k = dpi / 72
    thick, side = int(round(1.5 * k)), max(1, int(round(side_pt * k)))
    margin = min(side_pt, 0.25 * (piece.end - piece.start))
    pos, a, b = int(round(piece.pos * k)), int(round((piece.start + margin) * k)), int(round((piece.end - margin) * k))
    if b - a < 2:
        return False  # too short to tell
    img = ink if piece.orientation == "h" else ink.T
    before = img[max(0, pos - thick - side):max(0, pos - thick), a:b]
    after = img[pos + thick + 1:pos + thick + 1 + side, a:b]
    return all(band.size == 0 or np.count_nonzero(band) <= max_ink * band.size for band in (before, after))


def _covered(piece: Rule, rule: Rule, snap: float) -> bool:
    return (piece.orientation == rule.orientation and abs(piece.pos - rule.pos) <= snap
            and rule.start - snap <= piece.start and piece.end <= rule.end + snap)


def scan_settings(settings):
    """The read settings for rules found in an image: the scan tolerances for snapping and joining."""
    return settings.model_copy(update={"snap_tolerance": max(settings.snap_tolerance, settings.ocr_snap_tolerance),
                                       "join_tolerance": max(settings.join_tolerance, settings.ocr_join_tolerance)})


def _cell_boxes(rules: list[Rule], settings) -> list[Box]:
    """The cells rules_to_grids will build from these rules (same code, same settings: scan_settings)."""
    settings = scan_settings(settings)
    boxes: list[Box] = []
    lines = rules_to_lines(rules, settings.snap_tolerance, settings.join_tolerance)
    for table in lines_to_tables(lines, settings.snap_tolerance, min_cols=settings.min_columns):
        xs, ys, cells = table_to_cells(table, settings.snap_tolerance)
        boxes.extend((xs[c], ys[r], xs[c + cs], ys[r + rs]) for r, c, rs, cs in cells)
    return boxes


@dataclass
class _Crop:
    x: int  # where the crop sits on the page (pixels)
    y: int
    image: np.ndarray


def _crop_cells(clean: np.ndarray, boxes: list[Box], dpi: float) -> list[_Crop]:
    """Each non-empty cell's ink, with a small white margin (pixels of the normalised page)."""
    k = dpi / 72
    pad = int(round(CROP_PAD_PT * k))
    min_area = MIN_INK_AREA_PT2 * k * k
    h_img, w_img = clean.shape
    ink = (clean < INK_LEVEL).astype(np.uint8)
    crops = []
    for x0, top, x1, bottom in boxes:
        X0, T = max(0, int(np.ceil(x0 * k)) + 1), max(0, int(np.ceil(top * k)) + 1)
        X1, B = min(w_img, int(x1 * k) - 1), min(h_img, int(bottom * k) - 1)
        if X1 - X0 < 2 or B - T < 2:
            continue
        n, _, stats, _ = cv2.connectedComponentsWithStats(ink[T:B, X0:X1], connectivity=8)
        keep = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= min_area]
        if not keep:
            continue
        xa = min(stats[i, cv2.CC_STAT_LEFT] for i in keep)
        ya = min(stats[i, cv2.CC_STAT_TOP] for i in keep)
        xb = max(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] for i in keep)
        yb = max(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] for i in keep)
        xa, ya = max(0, xa - pad), max(0, ya - pad)
        xb, yb = min(X1 - X0, xb + pad), min(B - T, yb + pad)
        crops.append(_Crop(X0 + xa, T + ya, clean[T + ya:T + yb, X0 + xa:X0 + xb]))
    return crops


def _is_short(crop: _Crop, dpi: float) -> bool:
    h, w = crop.image.shape
    return w < SHORT_MAX_ASPECT * h and h <= SHORT_MAX_HEIGHT_PT * dpi / 72


def read_crops(crops: list[_Crop], dpi: float, lang: str, call: int,
               whitelist: str | None = None) -> list[tuple[Word, _Crop]]:
    """Stack the crops (top to bottom, white gaps) into one image, run Tesseract once, and give
    each word back with the crop it came from (the one whose band holds the word's centre)."""
    if not crops:
        return []
    gap = int(round(STACK_GAP_PT * dpi / 72))
    width = max(c.image.shape[1] for c in crops) + 2 * gap
    height = sum(c.image.shape[0] + gap for c in crops) + gap
    canvas = np.full((height, width), 255, np.uint8)
    bands = []  # (band top, band bottom, crop, y of the crop on the canvas)
    y = gap
    for c in crops:
        h, w = c.image.shape
        canvas[y:y + h, gap:gap + w] = c.image
        bands.append((y - gap // 2, y + h + gap // 2, c, y))
        y += h + gap
    out = []
    for word in image_to_words(canvas, lang=lang, psm=6, dpi=int(round(dpi)), whitelist=whitelist):
        cy = word.top + word.height / 2
        for top, bottom, crop, cy0 in bands:
            if top <= cy < bottom:
                dx, dy = crop.x - gap, crop.y - cy0
                out.append((replace(word, left=word.left + dx, top=word.top + dy, line=(call,) + word.line), crop))
                break
    return out


NUMERAL = re.compile(r"^(?:\d{1,3}|(?=[IVXLC])M*(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3}))\.?$")


_ROMANISH = re.compile(r"^[IVXivxl1|!H]+\.?$")


def roman_repair(token: str) -> str:
    """'Ill' → 'III', 'Vil' → 'VII', 'I1' → 'II', 'VH' → 'VII': in a short token of Roman-numeral
    look with a capital I, V, X or H, the strokes l, 1, |, ! and i are the letter I, and H is two
    I's whose serifs touch. Returned only if the result is a valid numeral; pure digits ('11') and
    anything else come back unchanged."""
    if _ROMANISH.match(token) and any(c in "IVXH" for c in token):
        fixed = re.sub(r"[il1|!]", "I", token).replace("H", "II").replace("v", "V").replace("x", "X")
        if is_roman(fixed.rstrip(".")):
            return fixed
    return token


def read_short_crops(crops: list[_Crop], dpi: float, lang: str,
                     native: list[tuple[Word, _Crop]] | None = None) -> list[tuple[Word, _Crop]]:
    """Short cells read twice: by `lang` as they are, and by the English model with hard paper/ink
    levels. A cell whose English reading is one number or Roman numeral takes it (the Vietnamese
    model reads a lone "5" as "°" and "II" as "H"); any other cell keeps the Vietnamese reading
    (the English model drops the marks of a short word: "Thường" → "Thuong")."""
    if not crops:
        return []
    if native is None:  # `native`: the crops' `lang` reading when the caller has it already
        native = read_crops(crops, dpi, lang, 1)
    levelled = [replace(c, image=ocr_image.stretch_levels(c.image)) for c in crops]
    try:
        english = read_crops(levelled, dpi, SHORT_NUMERAL_LANG, 2)
    except OcrUnavailable:  # no English model: the Vietnamese reading, repaired below, has to do
        english = []
    by_crop: dict[int, list[tuple[Word, _Crop]]] = {}
    for word, crop in english:
        by_crop.setdefault(id(crop), []).append((word, crop))
    out = []
    for i, crop in enumerate(crops):
        eng = by_crop.get(id(levelled[i]), [])
        mine = [w for w, c in native if c is crop]
        numeral = roman_repair(eng[0][0].text) if len(eng) == 1 else ""
        if not NUMERAL.match(numeral) and len(mine) == 1:
            numeral = roman_repair(mine[0].text)
        if NUMERAL.match(numeral):
            if numeral.endswith(".") and not trailing_dot_is_printed(crop.image, dpi):
                numeral = numeral[:-1]
            out.append((replace(eng[0][0] if len(eng) == 1 else mine[0], text=numeral), crop))
        else:
            out.extend((w, crop) for w in mine)
    return out


def trailing_dot_is_printed(image: np.ndarray, dpi: float) -> bool:
    """Is there a printed full stop after the glyphs of this short crop? A printed one sits on the
    baseline (its bottom level with the glyphs' bottom) just right of the last glyph; a speck of
    dust that Tesseract read as "." sits anywhere."""
    k = dpi / 72
    n, _, stats, _ = cv2.connectedComponentsWithStats((image < INK_LEVEL).astype(np.uint8), connectivity=8)
    blobs = [stats[i] for i in range(1, n)]
    if not blobs:
        return False
    glyphs = [b for b in blobs if b[cv2.CC_STAT_HEIGHT] > 3 * k]
    dots = [b for b in blobs if b[cv2.CC_STAT_HEIGHT] <= 2 * k and b[cv2.CC_STAT_WIDTH] <= 2 * k]
    if not glyphs or not dots:
        return False
    right = max(b[cv2.CC_STAT_LEFT] + b[cv2.CC_STAT_WIDTH] for b in glyphs)
    base = max(b[cv2.CC_STAT_TOP] + b[cv2.CC_STAT_HEIGHT] for b in glyphs)
    return any(0 <= d[cv2.CC_STAT_LEFT] - right <= 2.5 * k
               and abs(d[cv2.CC_STAT_TOP] + d[cv2.CC_STAT_HEIGHT] - base) <= 0.8 * k for d in dots)


# ---- constrained re-reads of numerals ----------------------------------------------------------
#
# Structure and deadlines hang on a few numerals: the Stt column (I, II, III / 1, 2, 3) and the
# Roman quarter of "Quý III/2022". Tesseract's free reading of those is the weak spot ("1" → "I",
# "III" → "II", "II" → "H"). A numeral cut out on its own, upscaled, and read with a numeral-only
# character set (tessedit_char_whitelist) by both models, in one line (psm 7), is read right far
# more often. Measured on the Stt cells of the bundled scan: the free short-cell reading gave "I"
# for "1"; the constrained read gave 10 of 10 right with either model.

NUMERAL_WHITELIST = "IVXLC0123456789."  # Stt numerals: Roman sections, Arabic (or 1.2) tasks
TEXT_NUMERAL_WHITELISTS = {"quarter": "IV0123456789/,.-", "roman": "IVXLC", "date": "0123456789/.-"}
REREAD_MODELS = ("eng", "vie")  # two models: agreement of both is what makes a re-read sure
REREAD_SCALE = 2.0  # crops are upscaled by this before the re-read
REREAD_BELOW_CONF = 90.0  # a numeral inside text read with less confidence is re-read
STROKE_MAX_LEAN = 0.12  # dx/dy of an upright stroke at most (roman_strokes)
STROKES_CONF = 90.0  # confidence given to a Roman numeral read by its strokes (roman_strokes)
_QUARTERS = ("I", "II", "III", "IV")
_DATE_LIKE = re.compile(r"^[0-9Il|!O]{1,4}(?:/[0-9Il|!O]{1,4}){1,2}$")


def _upscale(image: np.ndarray, scale: float = REREAD_SCALE) -> np.ndarray:
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


def _strip_punct(text: str) -> tuple[str, str]:
    """("II/2022", ",") from "II/2022,": the reading and its trailing punctuation."""
    m = re.match(r"^(.*?)([,.;:)]*)$", text)
    return (m.group(1), m.group(2)) if m else (text, "")


def _quarter_key(text: str) -> str:
    """The quarter a reading names, with stroke look-alikes as I ("11/2022" → "II/2022")."""
    core, _ = _strip_punct(text)
    head, sep, year = core.partition("/")
    head = re.sub(r"[1lI|!]", "I", head).replace("H", "II")
    return head + sep + year


def _text_numeral_kind(prev: str, prev_kind: str | None, token: str) -> str | None:
    p = prev.lower().strip(".,;:()")
    if p == "quý" or (prev_kind == "quarter" and prev.endswith(",")):
        return "quarter"
    if p in ("khóa", "khoá"):
        return "roman"
    if _DATE_LIKE.match(_strip_punct(token)[0]):
        return "date"
    return None


def _valid(kind: str, text: str) -> bool:
    core, _ = _strip_punct(text)
    if kind == "quarter":
        head, _, year = _quarter_key(text).partition("/")
        return head in _QUARTERS and (not year or bool(re.fullmatch(r"\d{4}", year)))
    if kind == "roman":
        return is_roman(core)
    return bool(re.fullmatch(r"\d{1,4}(?:/\d{1,4}){1,2}", core))


def text_numeral_targets(words: list[Word], crops: list | None = None,
                         every_quarter: bool = False) -> list[tuple[int, str]]:
    """(index, kind) of the numerals inside text that need a constrained re-read: after "Quý"
    (quarter), after "khóa" (Roman), date-like tokens; re-read when Tesseract was unsure, when
    the reading is not a valid numeral of its kind, or when a quarter list skips ("II, IV").
    Words are taken in reading order within their cell (`crops[i]`: the crop word i came from),
    so "Quý" at the end of a line reaches the numeral that starts the next one."""
    cells: dict[int, list[int]] = {}
    for i, w in enumerate(words):
        cells.setdefault(id(crops[i]) if crops else hash(w.line), []).append(i)
    out: list[tuple[int, str]] = []
    for idxs in cells.values():
        tops: dict[tuple, int] = {}
        for i in idxs:
            tops[words[i].line] = min(tops.get(words[i].line, words[i].top), words[i].top)
        idxs.sort(key=lambda i: (tops[words[i].line], words[i].left))
        prev_kind: str | None = None
        quarters: list[int] = []
        for j, i in enumerate(idxs):
            kind = _text_numeral_kind(words[idxs[j - 1]].text if j else "", prev_kind, words[i].text)
            if kind is not None and (words[i].conf < REREAD_BELOW_CONF or not _valid(kind, words[i].text)
                                     or (every_quarter and kind == "quarter")):
                out.append((i, kind))
            if kind == "quarter":
                quarters.append(i)
            prev_kind = kind
        keys = [_quarter_key(words[i].text).partition("/")[0] for i in quarters]
        if len(keys) > 1 and all(k in _QUARTERS for k in keys):
            ranks = [_QUARTERS.index(k) for k in keys]
            if ranks != list(range(ranks[0], ranks[0] + len(ranks))):  # "Quý II, IV": is it III, IV?
                out.extend((i, "quarter") for i in quarters if (i, "quarter") not in out)
    return out


def roman_strokes(image: np.ndarray) -> str | None:
    """Read a Roman numeral of I's and V's by its strokes, for where Tesseract fails: serif I's
    joined by their serifs ("III" read "II", "I", "H" by both models even when constrained).
    In a band across the middle of the capitals (no serifs there) each stroke is one piece of ink:
    upright is I, leaning left-to-right then right-to-left ("\\" then "/") is V; the first other
    stroke (a "/" of "III/2022", a digit) ends the numeral. None when no numeral is seen."""
    ink = (image < 128).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n < 2:
        return None
    tallest = max(stats[i][cv2.CC_STAT_HEIGHT] for i in range(1, n))
    glyphs = [i for i in range(1, n) if stats[i][cv2.CC_STAT_HEIGHT] >= 0.6 * tallest]
    top = int(np.median([stats[i][cv2.CC_STAT_TOP] for i in glyphs]))
    bottom = int(np.median([stats[i][cv2.CC_STAT_TOP] + stats[i][cv2.CC_STAT_HEIGHT] for i in glyphs]))
    height = bottom - top
    if height < 12:
        return None
    y0, y1 = top + int(0.3 * height), top + int(0.7 * height)
    band = ink[y0:y1]
    m, labels, bstats, _ = cv2.connectedComponentsWithStats(band, connectivity=8)
    tall = y1 - y0
    strokes = []
    for j in range(1, m):
        if bstats[j][cv2.CC_STAT_HEIGHT] < 0.9 * tall:
            if bstats[j][cv2.CC_STAT_AREA] >= 0.02 * height * height:  # a broken stroke ("/" of a light scan):
                strokes.append((int(bstats[j][cv2.CC_STAT_LEFT]), float("nan"), 0, False))  # ends the numeral
            continue  # dust
        ys, xs = np.nonzero(labels == j)
        piece = labels == j
        runs = [int(np.count_nonzero(np.diff(np.concatenate(([0], piece[r].astype(np.int8), [0]))) == 1))
                for r in (0, tall - 1)]
        slope = float(np.polyfit(ys.astype(np.float64), xs.astype(np.float64), 1)[0])  # dx/dy, y down
        strokes.append((int(bstats[j][cv2.CC_STAT_LEFT]), slope, int(bstats[j][cv2.CC_STAT_WIDTH]), min(runs) >= 2))
    strokes.sort()
    # Upright within ~7° (a stem; residual skew is under 1°); a "/" leans ~20° (x falls as y grows).
    marks = ["?" if slope != slope else "|" if abs(slope) < STROKE_MAX_LEAN else "/" if slope < 0 else "\\"
             for _, slope, _, _ in strokes]
    out, i = "", 0
    while i < len(marks):
        if i and strokes[i][0] - strokes[i - 1][0] > 0.8 * height:
            break  # strokes of one numeral stand close together
        if marks[i] == "|":
            out += "I"
        elif marks[i] == "\\" and i + 1 < len(marks) and marks[i + 1] == "/":
            out, i = out + "V", i + 1
        else:
            break
        i += 1
    if any(crossed for *_, crossed in strokes[:i]):
        return None  # an X (two strokes crossing in the band), not a numeral of I's and V's
    return out or None


def _word_crop(clean: np.ndarray, w: Word, dpi: float) -> _Crop:
    k = dpi / 72
    ph, pv = int(round(1.0 * k)), int(round(1.5 * k))
    h_img, w_img = clean.shape
    x0, y0 = max(0, w.left - ph), max(0, w.top - pv)
    x1, y1 = min(w_img, w.left + w.width + ph), min(h_img, w.top + w.height + pv)
    return _Crop(x0, y0, _upscale(ocr_image.stretch_levels(clean[y0:y1, x0:x1])))


def _band_texts(crops: list[_Crop], dpi: float, lang: str, whitelist: str) -> list[tuple[str, float]]:
    """Each crop's constrained reading: its words joined, with their lowest confidence."""
    got: dict[int, list[Word]] = {}
    try:
        for word, crop in read_crops(crops, dpi, lang, 3, whitelist=whitelist):
            got.setdefault(id(crop), []).append(word)
    except OcrUnavailable:
        return [("", 0.0)] * len(crops)
    out = []
    for c in crops:
        ws = sorted(got.get(id(c), []), key=lambda w: w.left)
        out.append(("".join(w.text for w in ws), min((w.conf for w in ws), default=0.0)))
    return out


def reread_text_numerals(clean: np.ndarray, read: list[tuple[Word, _Crop]], dpi: float,
                         lang: str) -> tuple[list[tuple[Word, _Crop]], dict[int, str]]:
    """Constrained re-reads of the numerals inside text (text_numeral_targets), all of a page in
    one Tesseract call per model and kind. Every quarter is also read by its strokes (roman_strokes,
    no Tesseract call), which decides its numeral; a quarter whose strokes no Tesseract reading
    confirms is marked doubtful. Other numerals take the constrained readings when the valid ones
    agree; when they disagree, the free reading is kept and the word is marked doubtful
    (index → why): a wrong quarter is worse than a flagged one."""
    words = [w for w, _ in read]
    found = text_numeral_targets(words, [c for _, c in read], every_quarter=True)
    if not found:
        return read, {}
    unsure = set(text_numeral_targets(words, [c for _, c in read]))
    keys = {i: _quarter_key if kind == "quarter" else (lambda t: _strip_punct(t)[0]) for i, kind in found}
    crops = {i: _word_crop(clean, words[i], dpi) for i, _ in found}
    # Quarters are also read by their strokes (no Tesseract call); a disagreement makes them unsure.
    strokes: dict[int, str] = {}
    for i, kind in found:
        if kind == "quarter" and (got := roman_strokes(crops[i].image)) in _QUARTERS:
            strokes[i] = got
            if got != keys[i](words[i].text).partition("/")[0]:
                unsure.add((i, kind))
    targets = [t for t in found if t in unsure]
    readings: dict[int, list[tuple[str, float]]] = {i: [] for i, _ in targets}
    for model in REREAD_MODELS:
        # The second model only where the first one's constrained reading differs from the free one.
        ask = [(i, kind) for i, kind in targets
               if not readings[i] or keys[i](readings[i][0][0]) != keys[i](words[i].text)]
        by_kind: dict[str, list[int]] = {}
        for i, kind in ask:
            by_kind.setdefault(kind, []).append(i)
        for kind, idxs in by_kind.items():
            texts = _band_texts([crops[i] for i in idxs], dpi * REREAD_SCALE, model, TEXT_NUMERAL_WHITELISTS[kind])
            for i, reading in zip(idxs, texts):
                readings[i].append(reading)
    out, doubts = list(read), {}
    for i, kind in targets:
        w, key = words[i], keys[i]
        core, trail = _strip_punct(w.text)
        again = [(key(_strip_punct(t)[0]), c) for t, c in readings[i] if t]
        valid = [(t, c) for t, c in again if _valid(kind, t)]
        said = " / ".join(repr(t) for t, _ in again)
        text, conf = key(core), w.conf
        # The strokes count upright I's well; a V whose arms touch or break in the band is missed.
        # So they decide how many I's, not whether there is a V: when every Tesseract reading agrees
        # on the V's and the strokes do not, the readings are used (and the quarter flagged).
        # The numeral of each reading (a re-read's year may come out garbled: "IV2022", "IV.2032").
        numerals = [m.group() for t in [key(core)] + [t for t, _ in again] if (m := re.match(r"[IVX]+", t))]
        v_counts = {n.count("V") for n in numerals}
        strokes_miss_v = (i in strokes and len(numerals) >= 2 and numerals[0] in _QUARTERS and len(v_counts) == 1
                          and strokes[i].count("V") not in v_counts)  # re-reads that vouch, not one doubted read
        if i in strokes and not strokes_miss_v:
            # The strokes decide the numeral (Tesseract reads serif "III" as "II" even constrained);
            # the year comes from the readings. Doubtful when no Tesseract reading agrees.
            year = next((t.partition("/")[2] for t, _ in [(text, 0.0)] + valid if t.partition("/")[2]), "")
            text = strokes[i] + ("/" + year if year else "")
            agree = [c for t, c in [(key(core), w.conf)] + valid if t.partition("/")[0] == strokes[i]]
            conf = max(agree) if agree else min(w.conf, 50.0)
            if not agree:
                doubts[i] = f"{kind}: read {core!r}, strokes {strokes[i]!r}, re-read {said}"
        elif valid and all(t == valid[0][0] for t, _ in valid):
            text, conf = valid[0][0], max(c for _, c in valid)
            # Only one model vouches for a change (the other read nothing valid): used, but flagged.
            if text != key(core) and len(valid) < 2:
                doubts[i] = f"{kind}: read {core!r}, re-read {said}"
        elif valid:
            doubts[i] = f"{kind}: read {core!r}, re-read {said}"
        if strokes_miss_v:
            doubts.setdefault(i, f"{kind}: read {core!r}, strokes {strokes[i]!r} (V not matched), re-read {said}")
        if kind == "quarter" and not _valid(kind, text):
            doubts.setdefault(i, f"{kind}: {core!r} is not a quarter")
        out[i] = (replace(w, text=(text or core) + trail, conf=min(w.conf, conf) if i in doubts else conf), read[i][1])
    return out, doubts


def numeral_crop(gray: np.ndarray, page_width: float, bbox: Box) -> np.ndarray | None:
    """The first printed line of a cell (the numeral at the top of a tall Stt cell), cut out of a
    deskewed page render, paper and rule pieces cleared, upscaled, with a white margin; None when
    the cell holds no glyph. Pixels per point come from the image (any render size)."""
    k = gray.shape[1] / page_width
    x0, top, x1, bottom = bbox
    inset = 1.5
    region = gray[max(0, int((top + inset) * k)):int((bottom - inset) * k),
                  max(0, int((x0 + inset) * k)):int((x1 - inset) * k)]
    if region.size == 0:
        return None
    region = ocr_image.stretch_levels(region)
    n, labels, stats, _ = cv2.connectedComponentsWithStats((region < INK_LEVEL).astype(np.uint8), connectivity=8)
    h, w = region.shape
    glyphs = []
    for i in range(1, n):
        x, y, ww, hh, _ = stats[i]
        touches = x == 0 or y == 0 or x + ww >= w or y + hh >= h  # a piece of the cell's rules
        if not touches and 3 * k <= hh <= 20 * k:
            glyphs.append(i)
    if not glyphs:
        return None
    first = min(glyphs, key=lambda i: stats[i][1])
    y0, y1 = stats[first][1], stats[first][1] + stats[first][3]
    line = [i for i in glyphs if stats[i][1] < y1 and stats[i][1] + stats[i][3] > y0]
    ya = min(stats[i][1] for i in line)
    yb = max(stats[i][1] + stats[i][3] for i in line)
    xa = min(stats[i][0] for i in line)
    xb = max(stats[i][0] + stats[i][2] for i in line)
    keep = np.isin(labels, line)
    for i in range(1, n):  # a full stop after the numeral: small, on the line, just right of it
        x, y, ww, hh, area = stats[i]
        if i not in line and hh < 3 * k and area >= 2 and ya <= y and y + hh <= yb + 1 and xb <= x <= xb + 3 * k:
            keep |= labels == i
            xb = max(xb, x + ww)
    out = _upscale(np.where(keep, region, 255).astype(np.uint8)[ya:yb, xa:xb])
    pad = int(10 * k)
    return cv2.copyMakeBorder(out, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


@dataclass(frozen=True)
class Reading:
    text: str
    conf: float  # 0..100
    how: str  # e.g. "eng whitelist psm7"


class OcrRereader:
    """Constrained re-reads of single cells of OCR pages, after the grids are built: the page is
    rendered again (same renderer, same dpi), turned as it was read (PageGrid.ocr_turn) and back
    by the skew found then (PageGrid.ocr_skew), and the cell is cut out by its bbox in points. One page image is kept
    (re-reads come page by page). For the stage that repairs numbering (pipeline.numbering_repair)."""

    def __init__(self, pdf, grids: list[PageGrid], settings):
        self.pdf = pdf  # pypdfium2.PdfDocument (the run's OpenedPdf.pdf)
        self.settings = settings
        self.skew = {g.page_no: g.ocr_skew for g in grids if g.source == PageRoute.OCR and g.ocr_skew is not None}
        self.turn = {g.page_no: g.ocr_turn for g in grids if g.source == PageRoute.OCR}
        self._page: tuple[int, np.ndarray, float] | None = None
        self.calls = 0  # tesseract runs made, for the benchmark and the report

    def can_read(self, page_no: int) -> bool:
        return page_no in self.skew and self.pdf is not None

    def _image(self, page_no: int) -> tuple[np.ndarray, float]:
        if self._page is None or self._page[0] != page_no:
            page = self.pdf[page_no - 1]
            try:
                gray = ocr_image.page_to_gray(page, self.settings.ocr_dpi, self.settings.max_render_pixels)
                quarter_turns = self.turn.get(page_no, 0) // 90
                gray = np.ascontiguousarray(np.rot90(gray, quarter_turns))  # as it was read (upright_turn)
                width = page.get_height() if quarter_turns % 2 else page.get_width()
            finally:
                page.close()
            self._page = (page_no, ocr_image.rotate_gray(gray, -self.skew[page_no]), width)
        return self._page[1], self._page[2]

    def cell_crop(self, page_no: int, bbox: Box, margin_pt: float = 2.0) -> np.ndarray | None:
        """The whole cell as scanned (deskewed grey), for the review report's "image beside the text"."""
        if not self.can_read(page_no):
            return None
        gray, width = self._image(page_no)
        k = gray.shape[1] / width
        x0, top, x1, bottom = bbox
        return gray[max(0, int((top - margin_pt) * k)):int((bottom + margin_pt) * k),
                    max(0, int((x0 - margin_pt) * k)):int((x1 + margin_pt) * k)].copy()

    def cell_image(self, page_no: int, bbox: Box) -> np.ndarray | None:
        """The numeral crop of a cell, as the re-read sees it."""
        if not self.can_read(page_no):
            return None
        gray, width = self._image(page_no)
        return numeral_crop(gray, width, bbox)

    def read_numeral(self, page_no: int, bbox: Box) -> list[Reading]:
        """The cell's first line read with the numeral-only character set by each model (psm 7)."""
        crop = self.cell_image(page_no, bbox)
        if crop is None:
            return []
        dpi = int(round(self.settings.ocr_dpi * REREAD_SCALE))
        out = []
        for model in REREAD_MODELS:
            try:
                words = image_to_words(crop, lang=model, psm=7, dpi=dpi, whitelist=NUMERAL_WHITELIST)
            except OcrUnavailable:
                continue
            self.calls += 1
            if words:
                out.append(Reading("".join(w.text for w in words), min(w.conf for w in words),
                                   f"{model} numerals-only psm7"))
        # Serif I's joined by their serifs: Tesseract drops one ("III" → "II") even constrained; when
        # it reads a Roman numeral, its strokes are counted too (not for digits: a "1" is one stroke).
        if out and all(re.fullmatch(r"[IVX]+\.?", r.text) for r in out):
            strokes = roman_strokes(crop)
            if strokes and strokes != out[0].text.rstrip("."):
                out.append(Reading(strokes, STROKES_CONF, "stroke count"))
        return out


def _is_dust(word: Word, typical_height: float) -> bool:
    """A 'word' of punctuation only, far smaller than the letters: a speck Tesseract read as ':' or '-'."""
    if any(ch.isalnum() for ch in word.text):
        return False
    return max(word.width, word.height) < 0.2 * typical_height or word.conf < 20


def gray_to_ocr_page(gray: np.ndarray, page_no: int, width: float, height: float, dpi: float, settings) -> OcrPage:
    """Everything OCR does to one rendered page: deskew, rules, cells, Tesseract, words in points.
    A page scanned sideways or upside down (its cells read as noise) is read again turned upright
    (upright_turn). (The one function that runs Tesseract on a page: pipeline.ocr_cache wraps it.)"""
    return _read_page(gray, page_no, width, height, dpi, settings, None)


def _read_page(gray: np.ndarray, page_no: int, width: float, height: float, dpi: float, settings,
               turn: int | None) -> OcrPage:
    """gray_to_ocr_page; `turn` is set on the second reading of a turned page (degrees counter-clockwise)."""
    started = time.perf_counter()
    scanned = gray
    skew = ocr_image.ink_to_skew(ocr_image.gray_to_ink(gray, dpi), dpi)
    gray = ocr_image.rotate_gray(gray, -skew)
    ink = ocr_image.gray_to_ink(gray, dpi)
    min_len = max(3, int(min(gray.shape) / settings.ocr_line_scale))
    h_mask, v_mask = ocr_image.ink_to_rule_masks(ink, min_len)
    rules = ocr_image.masks_to_rules(h_mask, v_mask, dpi, min_len, settings.max_rule_thickness * dpi / 72)
    rules += rule_pieces(ink, rules, dpi, settings)
    boxes = _cell_boxes(rules, settings)
    words: list[OcrWord] = []
    clean = ocr_image.normalize_for_ocr(gray, h_mask, v_mask, dpi)
    if boxes:
        crops = _crop_cells(clean, boxes, dpi)
        short = [c for c in crops if _is_short(c, dpi)]
        # One Vietnamese read of all crops (long and short stacked together: one Tesseract process
        # less a page); the short ones are read by the English model too (read_short_crops).
        first = read_crops(crops, dpi, settings.ocr_lang, 0)
        if turn is None and (quarter_turns := upright_turn(first, crops, dpi, settings.ocr_lang)):
            size = (height, width) if quarter_turns % 2 else (width, height)
            page = _read_page(np.ascontiguousarray(np.rot90(scanned, quarter_turns)), page_no, *size, dpi,
                              settings, 90 * quarter_turns)
            page.seconds = time.perf_counter() - started
            return page
        is_short = {id(c) for c in short}
        read = [(w, c) for w, c in first if id(c) not in is_short]
        read += read_short_crops(short, dpi, settings.ocr_lang, [(w, c) for w, c in first if id(c) in is_short])
        read, doubts = reread_text_numerals(clean, read, dpi, settings.ocr_lang)
        heights = sorted(w.height for w, _ in read if any(ch.isalpha() for ch in w.text))
        typical = heights[len(heights) // 2] if heights else dpi / 72 * 8
        k = 72 / dpi
        for i, (w, _) in enumerate(read):
            if _is_dust(w, typical):
                continue
            words.append(OcrWord(w.left * k, w.top * k, (w.left + w.width) * k, (w.top + w.height) * k,
                                 w.text, w.conf, w.line, doubts.get(i)))
    text = read_page_text(clean, page_no, boxes, dpi, settings.ocr_lang)
    header_png = None
    if boxes:
        bottom = int((min(b[1] for b in boxes) + HEADER_ZONE_PT) * dpi / 72)
        ok, buf = cv2.imencode(".png", clean[:bottom])
        header_png = buf.tobytes() if ok else None
    return OcrPage(page_no, width, height, skew, rules, words, time.perf_counter() - started, header_png, dpi, text,
                   turn or 0)


ORIENTATION_CHECK_CONF = 60.0  # median word confidence of a page under which it may be turned…
ORIENTATION_MIN_GAIN = 20.0  # …and by how much a turned sample must read better to be turned
ORIENTATION_SAMPLE = 8  # the largest cell crops, read in each other orientation


def _letter_confs(words) -> list[float]:
    return [w.conf for w in words if sum(ch.isalpha() for ch in w.text) >= 2]


def upright_turn(read: list[tuple[Word, _Crop]], crops: list[_Crop], dpi: float, lang: str) -> int:
    """Quarter turns (counter-clockwise, as numpy's rot90) that make a page's text upright: 0 unless
    its cells read as noise. A landscape appendix page is often scanned sideways onto a portrait page
    with no /Rotate, or a page fed upside down; its grid is still found (a turned grid is a grid), but
    Tesseract reads the cells at a median confidence of 30-45 against about 95 upright (the bundled
    scan's page 4). Then the largest cells are read turned each other way, stacked, one Tesseract call
    a way; the best way is taken when it reads clearly better. An upright page costs nothing here."""
    confs = _letter_confs(w for w, _ in read)
    if len(confs) < 10 or float(np.median(confs)) >= ORIENTATION_CHECK_CONF:
        return 0
    sample = sorted(crops, key=lambda c: c.image.size, reverse=True)[:ORIENTATION_SAMPLE]
    ids = {id(c) for c in sample}
    now = _letter_confs(w for w, c in read if id(c) in ids)
    best_k, best = 0, float(np.median(now)) if now else 0.0
    floor = best + ORIENTATION_MIN_GAIN
    for k in (1, 2, 3):
        turned = [replace(c, image=np.ascontiguousarray(np.rot90(c.image, k))) for c in sample]
        got = _letter_confs(w for w, _ in read_crops(turned, dpi, lang, 9))
        if len(got) >= 5 and float(np.median(got)) > best:
            best_k, best = k, float(np.median(got))
    return best_k if best >= floor else 0


def read_page_text(clean: np.ndarray, page_no: int, boxes: list[Box], dpi: float, lang: str) -> OcrPageText:
    """The lines the body stage needs from a scanned page, read here on the worker thread with
    Tesseract's automatic layout (psm 3: the two-column national header comes out as lines): the
    whole page when it holds no ruled table, else only the part above its first table (the end of
    the body, the "Phụ lục" heading). Only the ink's bounding box is handed to Tesseract, so a margin
    with a page number costs little. Read from `clean` (flat paper, no rules, no dust), not from the
    grey page: on 8 scanned body pages of the seed plan (two factory scans) 99.03% of characters
    right against 98.64%."""
    k = dpi / 72
    region = "above_table" if boxes else "page"
    bottom = int((min(b[1] for b in boxes) - 1.0) * k) if boxes else clean.shape[0]
    ink = clean[:max(0, bottom)] < INK_LEVEL
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return OcrPageText(page_no, region)
    pad = int(round(6 * k))
    crop = clean[max(0, rows[0] - pad):min(bottom, rows[-1] + pad + 1), max(0, cols[0] - pad):cols[-1] + pad + 1]
    return OcrPageText(page_no, region, words_to_lines(image_to_words(crop, lang=lang, psm=3, dpi=int(round(dpi)))))


HEADER_ZONE_PT = 120.0  # header rows lie within this distance below a table's top
HEADER_MIN_SIMILARITY = 86.0  # as the header finder's default (LocateSettings.min_similarity)
_HEADER_CHARS = "".join(sorted({ch for labels in HEADER_VOCABULARY.values() for label in labels
                                for ch in label if not ch.isspace()}))


def fix_header_labels(grid: PageGrid, page: OcrPage, settings, max_rows: int = 3) -> PageGrid:
    """OCR'd header labels ("TT" read as "EE" or '"') must not stop the table. In a top row that
    already reads as a header (two labels or more, and more than half of its non-empty cells, match
    the vocabulary), each other cell is read again from the page image, alone (psm 7), with the
    vocabulary's characters only, by each model once; a reading that matches a label replaces the
    text (the raw reading stays in ocr_raw)."""
    if page.header_png is None:
        return grid
    image: np.ndarray | None = None
    fixed = list(grid.cells)
    models = list(dict.fromkeys((settings.ocr_lang, *REREAD_MODELS)))  # each model once
    for row in range(min(max_rows, grid.n_rows)):
        cells = [(i, c) for i, c in enumerate(grid.cells) if c.row == row]
        filled = [c for _, c in cells if c.text.strip()]
        matched = [c for c in filled if label_to_field(clean(c.text), HEADER_MIN_SIMILARITY)]
        # A header row is mostly labels; a data row in which two cells happen to start with a
        # label's words ("Phối hợp với …") is not re-read (each re-read costs a Tesseract call).
        if len(matched) < 2 or 2 * len(matched) <= len(filled):
            continue
        todo = [(i, c) for i, c in cells if c not in matched and c.col_span == 1]  # a label read as nothing too
        if not todo and all(c.col_span == 1 for _, c in cells):
            break  # a clean one-row header (no group label over sub-labels): the rows below are data
        for i, c in todo:
            if image is None:
                image = np.asarray(cv2.imdecode(np.frombuffer(page.header_png, np.uint8), cv2.IMREAD_GRAYSCALE))
            k = page.dpi / 72
            x0, top, x1, bottom = c.bbox
            crop = image[int(top * k) + 3:int(bottom * k) - 2, int(x0 * k) + 3:int(x1 * k) - 2]
            if crop.size == 0 or crop.shape[0] < 8 or not (crop < INK_LEVEL).any():
                continue
            crop = cv2.copyMakeBorder(_upscale(crop), 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
            for model in models:
                try:
                    words = image_to_words(crop, lang=model, psm=7, dpi=int(page.dpi * REREAD_SCALE),
                                           whitelist=_HEADER_CHARS)
                except OcrUnavailable:
                    continue
                text = clean(" ".join(w.text for w in words))
                if text and label_to_field(text, HEADER_MIN_SIMILARITY):
                    fixed[i] = replace(c, text=text, ocr_raw=c.ocr_raw if c.ocr_raw is not None else c.text)
                    break
    return replace(grid, cells=fixed) if fixed != grid.cells else grid


def ocr_page_to_grids(page: OcrPage, settings) -> tuple[list[PageGrid], OcrText]:
    """The page's grids, built by the same rules_to_grids as text pages, marked source="ocr"."""
    source = OcrText(page.words, correct=settings.ocr_correct)
    grids = rules_to_grids(page.page_no, page.width, page.height, page.rules, source, scan_settings(settings))

    def keep_reading(cell):  # raw text and confidence stay with the cell, for the ocr_cells table
        got = source.cell_for(cell, settings.cell_inset)
        return replace(cell, ocr_raw=got.raw, ocr_conf=got.conf, ocr_min_conf=got.min_conf,
                       ocr_doubts=got.doubts) if got else cell

    return [fix_header_labels(replace(g, source=PageRoute.OCR, ocr_skew=page.skew, ocr_turn=page.turn,
                                      cells=[keep_reading(c) for c in g.cells]), page, settings)
            for g in grids], source


# ---- many pages over the cores -------------------------------------------------------------

def ocr_available(lang: str) -> str | None:
    """None when OCR can run; otherwise why not. (The English model is optional: read_short_crops.)"""
    try:
        check_tesseract(lang)
    except OcrUnavailable as e:
        return str(e)
    return None


def worker_count(settings) -> int:
    return settings.ocr_workers or max(1, os.cpu_count() or 1)


class OcrPool:
    """Pages are rendered by the caller (PDFium is not thread-safe) and read on worker threads:
    the heavy parts (OpenCV, the tesseract subprocess) release the GIL, so threads use both cores.
    At most 2 x workers rendered pages wait in memory."""

    def __init__(self, settings):
        self.settings = settings
        self.workers = worker_count(settings)
        self.pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="ocr")
        self.pending: list[Future] = []

    def submit(self, gray: np.ndarray, page_no: int, width: float, height: float, dpi: float | None = None) -> Future:
        """`dpi`: the resolution `gray` was rendered at, when not settings.ocr_dpi (a capped render)."""
        fut = self.pool.submit(gray_to_ocr_page, gray, page_no, width, height, dpi or self.settings.ocr_dpi, self.settings)
        self.pending.append(fut)
        return fut

    def throttle(self) -> None:
        """Wait while too many rendered pages are queued."""
        while sum(not f.done() for f in self.pending) >= 2 * self.workers:
            next(f for f in self.pending if not f.done()).result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

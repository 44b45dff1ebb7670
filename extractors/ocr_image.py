"""Scanned page image → deskewed grey image, ruling-line segments and a clean image for OCR.

Steps, each a plain function on numpy arrays (uint8 grey, 0 = black; pixel coordinates):
  page_to_gray        render a PDF page with PDFium at a given dpi (in colour; red/blue overprint removed)
  gray_to_ink         adaptive threshold: ink = 255 (copes with grey paper and uneven light)
  ink_to_skew         the page's rotation from its long ruling lines (least-squares fit per line)
  rotate_gray         turn the page back by that angle (same size, paper-coloured corners)
  ink_to_rule_masks   horizontal / vertical ruling pixels: morphological opening with long thin kernels
  masks_to_rules      connected pieces of each mask → Rule segments in PDF points (top-left origin)
  normalize_for_ocr   flat white paper, rules and dust removed: what Tesseract reads
  stretch_levels      hard paper/ink levels for crops of a few glyphs
"""
from __future__ import annotations

import math

import cv2
import numpy as np
import pypdfium2 as pdfium

from core.records import Rule

# Skew is measured on lines at least this fraction of the page's width (or height) long, with
# pieces from an opening this many points long (a 2° tilted 1-pt rule steps every ~30 pt).
SKEW_MIN_LINE_FRACTION = 0.2
SKEW_OPEN_PT = 6.0
MAX_SKEW_DEG = 5.0


# A page is never rendered larger than this many pixels (A4 at 300 dpi is 8.7 Mpx, at 600 dpi 34.8; a
# 14,400-pt page at 300 dpi would be 3.6 Gpx): the resolution is lowered to fit instead.
DEFAULT_MAX_RENDER_PIXELS = 40_000_000


def render_dpi(page: pdfium.PdfPage, dpi: float, max_pixels: int = DEFAULT_MAX_RENDER_PIXELS) -> float:
    """`dpi`, or the highest resolution at which the page (as displayed) fits in `max_pixels`."""
    w, h = page.get_size()
    pixels = (w * dpi / 72) * (h * dpi / 72)
    if pixels <= max_pixels or w <= 0 or h <= 0:
        return dpi
    return math.floor(dpi * math.sqrt(max_pixels / pixels) * 100) / 100


def page_to_gray_limited(page: pdfium.PdfPage, dpi: float, max_pixels: int = DEFAULT_MAX_RENDER_PIXELS,
                         remove_overprint: bool = True) -> tuple[np.ndarray, float]:
    """The page as a grey image at `dpi` or lower (see render_dpi), and the resolution used. Rendered in
    colour so that coloured overprint (red seals, blue signatures) can be told from the black print and
    removed (colour_to_gray)."""
    used = render_dpi(page, dpi, max_pixels)
    bitmap = page.render(scale=used / 72, grayscale=not remove_overprint, rev_byteorder=True)
    try:
        image = np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
    finally:
        bitmap.close()
    return (colour_to_gray(image) if image.ndim == 3 else image), used


# Overprint: saturated red or blue (HSV, OpenCV scales: hue 0-180, saturation 0-255).
OVERPRINT_MIN_SATURATION = 70  # a pixel this saturated is overprint…
OVERPRINT_EDGE_SATURATION = 25  # …and so is a less saturated one next to it (JPEG blurs colour at edges)
OVERPRINT_HUES = ((0, 14), (155, 180), (95, 135))  # red (both ends of the hue circle), blue
OVERPRINT_EDGE_PX = 5


def _hue_masks(rgb: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(strong, with edges) pixel masks of each overprint colour present."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    h, sat = hsv[..., 0], hsv[..., 1]
    red = (h <= OVERPRINT_HUES[0][1]) | (h >= OVERPRINT_HUES[1][0])
    blue = (h >= OVERPRINT_HUES[2][0]) & (h <= OVERPRINT_HUES[2][1])
    out = []
    kernel = np.ones((2 * OVERPRINT_EDGE_PX + 1,) * 2, np.uint8)
    for hue in (red, blue):
        strong = hue & (sat >= OVERPRINT_MIN_SATURATION)
        if strong.sum() < 50:
            continue
        near = cv2.dilate(strong.astype(np.uint8), kernel) > 0
        out.append((strong, near & hue & (sat >= OVERPRINT_EDGE_SATURATION) | strong))
    return out


def overprint_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels of red or blue overprint: a seal's ink, a signature's (grey pages: an empty mask)."""
    mask = np.zeros(rgb.shape[:2], bool)
    for _, full in _hue_masks(rgb):
        mask |= full
    return mask


def colour_to_gray(image: np.ndarray) -> np.ndarray:
    """Colour render → grey, with red/blue overprint made transparent. Seal ink is printed over
    the page (it multiplies): in the channel the ink lets through most (red for a red seal, blue
    for a blue signature) the pixel is the grey of what lies under it, dimmed by the ink's
    transmission in that channel (measured on the overprint itself: its median brightest channel
    against the paper). So black print and ruling lines under a seal stay and the seal goes.
    A page without colour (checked on a sparse sample first: most scans are grey) costs one conversion."""
    rgb = np.ascontiguousarray(image[..., :3])
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    sample = rgb[::8, ::8].astype(np.int16)
    if int((sample.max(axis=2) - sample.min(axis=2)).max(initial=0)) < OVERPRINT_MIN_SATURATION // 2:
        return gray
    paper = float(np.percentile(gray[::4, ::4], 90))
    brightest = rgb.max(axis=2).astype(np.float32)
    for strong, full in _hue_masks(rgb):
        transmission = min(1.0, max(0.3, float(np.median(brightest[strong])) / max(paper, 1.0)))
        gray[full] = np.clip(brightest[full] / transmission, 0, 255).astype(np.uint8)
    return gray


def page_to_gray(page: pdfium.PdfPage, dpi: float, max_pixels: int = DEFAULT_MAX_RENDER_PIXELS,
                 remove_overprint: bool = True) -> np.ndarray:
    return page_to_gray_limited(page, dpi, max_pixels, remove_overprint)[0]


def gray_to_ink(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Binary ink mask (255 = ink). The window is ~1/4 inch, wider than a rule or a stroke."""
    block = int(dpi / 4) | 1
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)


def _open(ink: np.ndarray, length: int, horizontal: bool) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)


def _component_angles(mask: np.ndarray, min_len: int, horizontal: bool) -> list[tuple[float, float]]:
    """(angle in degrees, length) of each long connected piece, from a least-squares line fit."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        length = w if horizontal else h
        if length < min_len:
            continue
        ys, xs = np.nonzero(labels[y:y + h, x:x + w] == i)
        if horizontal:
            slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
            angle = -math.degrees(math.atan(slope))  # y grows downwards: a rising line is a ccw turn
        else:
            slope = np.polyfit(ys.astype(np.float64), xs.astype(np.float64), 1)[0]
            angle = math.degrees(math.atan(slope))
        if abs(angle) <= MAX_SKEW_DEG:
            out.append((angle, float(length)))
    return out


def ink_to_skew(ink: np.ndarray, dpi: float) -> float:
    """The page's rotation in degrees, counter-clockwise (PIL's sense); 0.0 when no long line is seen.

    Long ruling lines are near-perfect straight lines, so a fit through their pixels measures the
    angle to a few thousandths of a degree; the length-weighted median ignores stray pieces."""
    h, w = ink.shape
    piece = max(3, int(SKEW_OPEN_PT * dpi / 72))
    angles = _component_angles(_open(ink, piece, True), int(w * SKEW_MIN_LINE_FRACTION), True)
    angles += _component_angles(_open(ink, piece, False), int(h * SKEW_MIN_LINE_FRACTION), False)
    if not angles:
        return 0.0
    angles.sort()
    total = sum(l for _, l in angles)
    acc = 0.0
    for a, l in angles:
        acc += l
        if acc >= total / 2:
            return a
    return angles[-1][0]


def rotate_gray(gray: np.ndarray, angle: float, fill: int | None = None) -> np.ndarray:
    """Rotate by `angle` degrees counter-clockwise about the centre, keeping the size."""
    if abs(angle) < 1e-3:
        return gray
    h, w = gray.shape
    if fill is None:
        fill = int(np.median(gray[:: max(1, h // 64), :: max(1, w // 64)]))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def ink_to_rule_masks(ink: np.ndarray, min_len_px: int) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) ruling pixels: runs of ink at least min_len_px long in that direction.

    No closing before the opening: it would bridge letters into long runs along a text baseline.
    Pieces of a rule broken by noise are joined later (rules_to_lines' join tolerance)."""
    return _open(ink, min_len_px, True), _open(ink, min_len_px, False)


def masks_to_rules(h_mask: np.ndarray, v_mask: np.ndarray, dpi: float, min_len_px: int,
                   max_thickness_px: float) -> list[Rule]:
    """Each connected piece of a mask → one Rule in PDF points (top-left origin): its centre line
    (mean of its pixels across the line) and its extent along the line."""
    k = 72.0 / dpi
    rules = []
    for mask, orient in ((h_mask, "h"), (v_mask, "v")):
        n, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for i in range(1, n):
            x, y, w, h, area = stats[i]
            length, across = (w, h) if orient == "h" else (h, w)
            if length < min_len_px or area / length > max_thickness_px:
                continue
            cx, cy = centroids[i]
            if orient == "h":
                rules.append(Rule("h", (cy + 0.5) * k, x * k, (x + w) * k))  # pixel i spans [i, i+1)
            else:
                rules.append(Rule("v", (cx + 0.5) * k, y * k, (y + h) * k))
    return rules


def normalize_for_ocr(gray: np.ndarray, h_mask: np.ndarray, v_mask: np.ndarray, dpi: float) -> np.ndarray:
    """The page as Tesseract reads it best: flat white paper, no rules, no dust.

    1. Background division: the paper tone (a closing wider than any stroke, smoothed) divides
       the page, which flattens grey paper and uneven light to white while keeping the grey
       edges of thin strokes (tone marks are thin: any hard threshold here loses some).
    2. Ruling pixels (and a 2-px margin of their blur) are painted white.
    3. Dust: ink specks smaller than ~1.3 pt with no other ink within 1.5 pt are removed. Every
       Vietnamese diacritic (dot below, tone marks over a circumflex) sits within 1 pt of its
       letter, so none is taken for dust."""
    k = int(dpi / 72 * 6) | 1
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.medianBlur(background, 5)
    flat = gray.astype(np.float32) / np.maximum(background, 1).astype(np.float32) * 255.0
    out = np.clip(flat, 0, 255).astype(np.uint8)
    rules = cv2.dilate(cv2.bitwise_or(h_mask, v_mask), np.ones((5, 5), np.uint8))
    out[rules > 0] = 255
    return remove_dust(out, dpi)


def stretch_levels(img: np.ndarray) -> np.ndarray:
    """Paper noise clipped to white, ink stretched to black. For crops of a few glyphs (digits,
    Roman numerals): on those, noisy paper is what turns "5" into "°". Not for running text: it
    thins the faint tone marks away."""
    paper = float(np.median(img))
    spread = 1.4826 * float(np.median(np.abs(img.astype(np.float32) - paper)))
    white = min(paper - 4 * spread, paper - 10)
    black = min(float(np.percentile(img, 1)) + 10, white - 60)
    return np.clip((img.astype(np.float32) - black) * (255.0 / (white - black)), 0, 255).astype(np.uint8)


def remove_dust(img: np.ndarray, dpi: float, max_size_pt: float = 1.3, clearance_pt: float = 3.0) -> np.ndarray:
    ink = (img < 160).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return img
    max_area = (dpi / 72 * max_size_pt) ** 2
    small_ids = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] < max_area)
    small_ids = small_ids[small_ids > 0]
    if not len(small_ids):
        return img
    small = np.isin(labels, small_ids)
    big = (labels > 0) & ~small
    r = max(1, int(round(dpi / 72 * clearance_pt)))
    near = cv2.dilate(big.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))) > 0
    out = img.copy()
    out[small & ~near] = 255
    return out

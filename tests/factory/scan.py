"""Make a born-digital PDF look scanned: an image-only PDF, grey, a little skewed, noisy, JPEG.

    scan_pdf(src_pdf, dst_pdf, seed=1)                      every page
    scan_pdf(src_pdf, dst_pdf, seed=1, pages=[1, 13, 14])   only these pages (1-based), in this order
    scan_pdf(..., dpi=150, quality=40)                      a smaller file (the bundled sample)
    scan_pdf(..., seal=True)                                a colour scan with a red seal and a blue
                                                            signature stroke over the text of each page

Each page is rasterised with PDFium at `dpi`, turned grey on a slightly dark paper tone, rotated
by a random angle within ±max_angle degrees, blurred a little, given Gaussian sensor noise and a
few specks, JPEG-compressed, and placed as the only object on a page of the original size. The
same seed gives the same bytes (numpy's PCG64 generator, a hand-written PDF without dates).
Returns the rotation applied to each output page, in degrees (counter-clockwise, as PIL's rotate).
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw, ImageFilter

PAPER = 238  # grey level of the paper
INK = 35  # grey level of full black ink
NOISE_SIGMA = 7.0  # Gaussian noise, grey levels
BLUR_RADIUS = 0.6  # px, Gaussian: a slightly soft scanner
SPECKS_PER_MPX = 40  # dark dust specks per megapixel
JPEG_QUALITY = 60


def _page_image(page: pdfium.PdfPage, dpi: int) -> Image.Image:
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        return bitmap.to_pil().convert("L")
    finally:
        bitmap.close()


def degrade(img: Image.Image, rng: np.random.Generator, angle: float) -> Image.Image:
    """Grey paper, rotation, blur, noise, specks: the look of an office scanner."""
    a = np.asarray(img, dtype=np.float32) / 255.0
    a = INK + (PAPER - INK) * a  # white → paper, black → ink
    toned = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
    rotated = toned.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=PAPER)
    blurred = rotated.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    a = np.asarray(blurred, dtype=np.float32)
    # A gentle left-to-right illumination gradient, as from a scanner lamp.
    a = a * np.linspace(1.0, 0.97, a.shape[1], dtype=np.float32)[None, :]
    a = a + rng.normal(0.0, NOISE_SIGMA, a.shape).astype(np.float32)
    n_specks = int(SPECKS_PER_MPX * a.size / 1e6)
    ys = rng.integers(0, a.shape[0] - 2, n_specks)
    xs = rng.integers(0, a.shape[1] - 2, n_specks)
    for y, x in zip(ys, xs):
        a[y:y + 2, x:x + 2] = rng.uniform(60, 160)
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "L")


SEAL_RED = (205, 35, 45)
SIGNATURE_BLUE = (30, 60, 190)


def add_seal(img: Image.Image, rng: np.random.Generator, centre: tuple[float, float] | None = None,
             radius_pt: float = 55.0, dpi: int = 200) -> tuple[Image.Image, tuple[float, float, float]]:
    """A red round seal (two rings, a star, bars of 'lettering') and a blue signature scrawl printed
    over the page, multiplied in as ink is (black print under them stays black). Returns the colour
    image and the seal's (x, y, radius) in PDF points."""
    k = dpi / 72
    w, h = img.size
    if centre is None:
        centre = (float(rng.uniform(0.35, 0.75)) * w / k, float(rng.uniform(0.3, 0.7)) * h / k)
    cx, cy, r = centre[0] * k, centre[1] * k, radius_pt * k
    layer = Image.new("RGB", img.size, (255, 255, 255))
    d = ImageDraw.Draw(layer)
    lw = max(2, int(2.2 * k))
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=SEAL_RED, width=lw)
    d.ellipse([cx - 0.72 * r, cy - 0.72 * r, cx + 0.72 * r, cy + 0.72 * r], outline=SEAL_RED, width=lw // 2 + 1)
    star = [(cx + 0.25 * r * np.cos(a) * (1 if i % 2 == 0 else 0.45), cy + 0.25 * r * np.sin(a) * (1 if i % 2 == 0 else 0.45))
            for i, a in enumerate(np.linspace(-np.pi / 2, 1.5 * np.pi, 11)[:-1])]
    d.polygon(star, fill=SEAL_RED)
    for a in np.linspace(0, 2 * np.pi, 28, endpoint=False):  # the lettering around the ring
        x, y = cx + 0.86 * r * np.cos(a), cy + 0.86 * r * np.sin(a)
        d.rectangle([x - 2.5 * k, y - 2.5 * k, x + 2.5 * k, y + 2.5 * k], fill=SEAL_RED)
    d.rectangle([cx - 0.55 * r, cy + 0.35 * r, cx + 0.55 * r, cy + 0.45 * r], fill=SEAL_RED)
    xs = np.linspace(cx - 1.3 * r, cx + 0.9 * r, 40)
    ys = cy - 0.1 * r + 0.25 * r * np.sin(np.linspace(0, 5 * np.pi, 40)) + rng.normal(0, 2 * k, 40)
    d.line(list(zip(xs.tolist(), ys.tolist())), fill=SIGNATURE_BLUE, width=max(2, int(1.4 * k)))
    return ImageChops.multiply(img.convert("RGB"), layer), (centre[0], centre[1], radius_pt)


def _jpeg(img: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def images_to_pdf(pages: list[tuple], dst: str | Path) -> None:
    """Write an image-only PDF: one JPEG (DCTDecode) per page, (jpeg, px_w, px_h, pt_w, pt_h[, colour]).

    Hand-written so that the bytes depend only on the images (no dates, no producer IDs)."""
    objects: list[bytes] = []  # object i+1

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    kids = []
    for n, (jpeg, pw, ph, w, h, *colour) in enumerate(pages):
        space = b"/DeviceRGB" if colour and colour[0] else b"/DeviceGray"
        image = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
                    b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % (pw, ph, space, len(jpeg))
                    + jpeg + b"\nendstream")
        content = b"q %.4f 0 0 %.4f 0 0 cm /Im%d Do Q" % (w, h, n)
        contents = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.4f %.4f] /Contents %d 0 R "
                        b"/Resources << /XObject << /Im%d %d 0 R >> >> >>" % (pages_obj, w, h, contents, n, image)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = (b"<< /Type /Pages /Count %d /Kids [" % len(kids)
                              + b" ".join(b"%d 0 R" % k for k in kids) + b"] >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    Path(dst).write_bytes(bytes(out))


def scan_pdf(src_pdf: str | Path, dst_pdf: str | Path, *, seed: int, dpi: int = 200, max_angle: float = 1.0,
             pages: list[int] | None = None, quality: int = JPEG_QUALITY, seal: bool = False,
             seals: list | None = None) -> list[float]:
    """Render `src_pdf` as a scan into `dst_pdf` (see the module doc); returns each page's angle.
    With seal=True the pages are colour scans with a seal (add_seal); `seals`, if a list, receives
    each seal's (x, y, radius) in points."""
    rng = np.random.Generator(np.random.PCG64(seed))
    pdf = pdfium.PdfDocument(str(src_pdf))
    try:
        numbers = pages or list(range(1, len(pdf) + 1))
        out, angles = [], []
        for no in numbers:
            page = pdf[no - 1]
            try:
                w, h = page.get_size()
                angle = float(rng.uniform(-max_angle, max_angle))
                img = degrade(_page_image(page, dpi), rng, angle)
            finally:
                page.close()
            if seal:
                img, where = add_seal(img, rng, dpi=dpi)
                if seals is not None:
                    seals.append(where)
            out.append((_jpeg(img, quality), img.width, img.height, w, h, seal))
            angles.append(angle)
    finally:
        pdf.close()
    images_to_pdf(out, dst_pdf)
    return angles

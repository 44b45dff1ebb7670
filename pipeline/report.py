"""Review report: one self-contained HTML file per extracted document, for a person checking it.

    python -m pipeline.report OUT/<stem> [--pdf PATH] [--out FILE.html] [--params params.yaml] [--dpi 100]

For each appendix page: the page as an image with the detected grid drawn over it (every cell;
merged cells in another colour), the reconstructed rows printed on that page (activities.parquet),
and the page-break decision taken at its top with its evidence, coloured by confidence
(stitches.parquet). At the top: every stitch decision, unmatched agency mentions and unknown
deadlines, each linking to its page (#page-N). Images are inlined as data: URIs; nothing is
fetched from outside. The same inputs give the same bytes.

The grid is recomputed by re-running the read and locate stages on the PDF with the settings the
extraction recorded (document.parquet `settings_json`), or with --params when given.
"""
from __future__ import annotations

import argparse
import base64
import html
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELP = "write a self-contained HTML review report of one extracted document"
DEFAULT_DPI = 100

FIELD_COLUMNS = [  # (activities column, header shown, pages column)
    ("activity_text", "Hoạt động", "activity_pages"),
    ("output_text", "Kết quả/ Sản phẩm", "output_pages"),
    ("lead_text", "Chủ trì", "lead_pages"),
    ("partners_text", "Phối hợp", "partners_pages"),
    ("deadline_text", "Thời gian", "deadline_pages"),
]
INHERITED_NAMES = {"activity": "activity_text", "output": "output_text", "lead": "lead_text",
                   "partners": "partners_text", "deadline": "deadline_text"}


def esc(value) -> str:
    """Any value as escaped HTML text ("" for None)."""
    return "" if value is None else html.escape(str(value), quote=True)


def confidence_class(confidence: float) -> str:
    if confidence >= 0.95:
        return "conf-high"
    if confidence >= 0.75:
        return "conf-mid"
    return "conf-low"


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass
class ReportInputs:
    folder: Path
    document: dict
    activities: list[dict]
    stitches: list[dict]
    mentions: list[dict]


def _read(folder: Path, name: str) -> list[dict]:
    import pyarrow.parquet as pq

    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (is {folder} an extract folder OUT/<stem>?)")
    return pq.read_table(path).to_pylist()


def load_inputs(folder: str | Path) -> ReportInputs:
    folder = Path(folder)
    docs = _read(folder, "document")
    if len(docs) != 1:
        raise ValueError(f"{folder / 'document.parquet'}: expected one row, found {len(docs)}")
    return ReportInputs(folder, docs[0], _read(folder, "activities"), _read(folder, "stitches"),
                        _read(folder, "activity_agencies"))


def _settings(document: dict, params: str | Path | None):
    from pipeline.settings import Settings

    if params is not None:
        return Settings.from_yaml(params), f"from {params}"
    try:
        return Settings.build(json.loads(document["settings_json"])), "as recorded in document.parquet"
    except Exception as e:  # an older or newer settings layout: the project's params.yaml
        return Settings.from_yaml(ROOT / "params.yaml"), f"from params.yaml (recorded settings unusable: {e})"


# ---------------------------------------------------------------------------------------------
# The PDF: page images and re-detected grids


@dataclass
class PageView:
    page_no: int
    width: float  # PDF points
    height: float
    image_uri: str
    image_px: tuple[int, int]
    grids: list = field(default_factory=list)  # PageGrid
    table: object | None = None  # PageTable when the locate stage kept this page


def _image_uri(page, dpi: int) -> tuple[str, tuple[int, int]]:
    """The page as a grey image: lossless WebP (a text page packs to ~25 KB at 100 dpi), PNG without WebP support."""
    from PIL import features

    image = page.render(scale=dpi / 72.0, grayscale=True).to_pil().convert("L")
    buf = io.BytesIO()
    if features.check("webp"):
        image.save(buf, format="WEBP", lossless=True, method=4)
        mime = "image/webp"
    else:
        image.save(buf, format="PNG", optimize=True)
        mime = "image/png"
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode("ascii"), image.size


def load_pages(pdf_path: Path, pages: list[int], settings, dpi: int) -> tuple[dict[int, PageView], list[str]]:
    """Render the given pages and re-run read + locate; problems are returned as notes, not raised."""
    from extractors.pdf_document import open_pdf
    from pipeline.stages import run_stages

    notes: list[str] = []
    doc = open_pdf(pdf_path)
    try:
        views: dict[int, PageView] = {}
        for n in pages:
            if not 1 <= n <= doc.page_count:
                notes.append(f"page {n} is not in {pdf_path.name} ({doc.page_count} pages)")
                continue
            page = doc.pdf[n - 1]
            try:
                w, h = page.get_size()
                uri, px = _image_uri(page, dpi)
            finally:
                page.close()
            views[n] = PageView(n, float(w), float(h), uri, px)
        try:
            located_run = run_stages(pdf_path, settings, until="locate")  # the pipeline's own read + locate
            grids, tables = located_run.grids, located_run.tables
        except Exception as e:  # e.g. a scanned page this version cannot read: still show the images
            notes.append(f"grid not redrawn: read/locate failed on {pdf_path.name}: {e}")
            grids, tables = [], []
        for g in grids:
            if g.page_no in views:
                views[g.page_no].grids.append(g)
        for t in tables:
            if t.page_no in views:
                views[t.page_no].table = t
        if tables:
            located = {t.page_no for t in tables}
            if located != set(pages):
                notes.append("the re-run locate stage finds appendix pages "
                              f"{sorted(located)}, the extraction recorded {sorted(pages)}")
        return views, notes
    finally:
        doc.close()


# ---------------------------------------------------------------------------------------------
# HTML pieces

CSS = """
body{font-family:"Liberation Sans",Arial,sans-serif;font-size:13px;margin:16px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 6px} h2{font-size:16px;margin:0 0 8px} h3{font-size:14px;margin:10px 0 4px}
table{border-collapse:collapse} td,th{border:1px solid #bbb;padding:2px 4px;vertical-align:top;text-align:left}
th{background:#eee} .meta td:first-child{font-weight:bold;white-space:nowrap}
.notes{background:#fff3cd;border:1px solid #e0c060;padding:6px 10px}
.legend span{display:inline-block;margin-right:14px}
.swatch{display:inline-block;width:14px;height:10px;border:2px solid;vertical-align:middle;margin-right:4px}
.page{border-top:3px solid #555;margin-top:22px;padding-top:8px}
.page-body{display:flex;gap:14px;align-items:flex-start}
.figure{position:relative;flex:0 0 58%;max-width:1170px;border:1px solid #999;line-height:0}
.figure img{width:100%;height:auto;display:block}
.figure svg{position:absolute;left:0;top:0;width:100%;height:100%}
.rows{flex:1 1 0;min-width:360px;font-size:12px}
.stitch-summary td:last-child{font-size:11px}
.rows td.key{white-space:nowrap;font-family:monospace}
.inherited{color:#888;font-style:italic}
tr.joined td{background:#e8f0ff}
tr.section td{background:#f4f4f4;font-weight:bold}
.decision{border-left:6px solid;padding:4px 8px;margin-bottom:8px}
.conf-high{border-color:#2e7d32;background:#eef7ee} .conf-mid{border-color:#f9a825;background:#fff8e1}
.conf-low{border-color:#c62828;background:#fdecea}
td.conf-high,td.conf-mid,td.conf-low{border-left-width:6px}
.evidence{margin:2px 0 0 18px;padding:0} .evidence li.pos{color:#1b5e20} .evidence li.neg{color:#8e2424}
.empty{color:#888;font-style:italic} td.flag{background:#fdecea;outline:2px solid #c62828}
"""

GRID_STYLE = ("rect.cell{fill:none;stroke:#1565c0;stroke-width:1.2;stroke-opacity:.85}"
              "rect.merged{fill:#ff6f00;fill-opacity:.12;stroke:#e65100;stroke-width:2.5}"
              "rect.first-row{fill:none;stroke-width:3;stroke-dasharray:6 3}"
              "rect.first-row.conf-high{stroke:#2e7d32}rect.first-row.conf-mid{stroke:#f9a825}"
              "rect.first-row.conf-low{stroke:#c62828}"
              "g.other-table rect{stroke-dasharray:3 3;stroke:#888}")

# Counts what the browser actually decoded, so a headless check can read it from the DOM.
SCRIPT = """window.addEventListener('load',function(){var imgs=document.querySelectorAll('img.page-image'),ok=0;
for(var i=0;i<imgs.length;i++){if(imgs[i].complete&&imgs[i].naturalWidth>0){ok++;}}
document.body.setAttribute('data-images-decoded',String(ok));});"""


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def svg_overlay(view: PageView, decision: dict | None) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(view.width)} {_fmt(view.height)}" '
             f'preserveAspectRatio="none" aria-label="grid of page {view.page_no}">',
]
    table_top = view.table.table_top if view.table is not None else None
    appendix_grid = None
    for g in view.grids:
        is_appendix = table_top is not None and abs(g.ys[0] - table_top) < 0.5
        if is_appendix and appendix_grid is None:
            appendix_grid = g
        parts.append(f'<g class="grid{"" if is_appendix else " other-table"}" data-rows="{g.n_rows}" '
                     f'data-cols="{g.n_cols}">')
        for c in sorted(g.cells, key=lambda c: (c.row, c.col)):
            x0, top, x1, bottom = c.bbox
            merged = c.row_span > 1 or c.col_span > 1
            title = f"row {c.row} col {c.col}" + (f", spans {c.row_span}×{c.col_span}" if merged else "")
            parts.append(f'<rect class="cell{" merged" if merged else ""}" x="{_fmt(x0)}" y="{_fmt(top)}" '
                         f'width="{_fmt(x1 - x0)}" height="{_fmt(bottom - top)}"><title>{esc(title)}</title></rect>')
        parts.append("</g>")
    if appendix_grid is not None and view.table.rows and decision is not None:
        first = view.table.rows[0]  # the row the page-break decision is about
        x0, x1 = appendix_grid.xs[0], appendix_grid.xs[-1]
        parts.append(f'<rect class="first-row {confidence_class(decision["confidence"])}" x="{_fmt(x0 - 3)}" '
                     f'y="{_fmt(first.top - 1)}" width="{_fmt(x1 - x0 + 6)}" height="{_fmt(first.bottom - first.top + 2)}">'
                     f'<title>{esc(decision["decision"])} (confidence {decision["confidence"]:.2f})</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def _key(a: dict) -> str:
    task = "" if a.get("task_no") is None else str(a["task_no"])
    return f'{a.get("section_no") or ""}.{task}.{a["activity_seq"]}'


def decision_block(d: dict) -> str:
    items = []
    for e in d.get("evidence") or []:
        sign = "pos" if e["weight"] > 0 else "neg" if e["weight"] < 0 else "zero"
        where = f'({esc(e["field"])})' if e.get("field") else ""
        items.append(f'<li class="{sign}"><b>{esc(e["signal"])}</b>{where} {e["weight"]:+g}: {esc(e["detail"])}</li>')
    evidence = f'<ul class="evidence">{"".join(items)}</ul>' if items else '<div class="empty">no evidence recorded</div>'
    return (f'<div class="decision {confidence_class(d["confidence"])}" data-page="{d["page"]}">'
            f'Top of page {d["page"]}: <b class="decision-name">{esc(d["decision"])}</b> — score {d["score"]:+g}, '
            f'confidence {d["confidence"]:.3f}{evidence}</div>')


def rows_table(page_no: int, activities: list[dict]) -> str:
    rows = [a for a in activities if a["page_start"] <= page_no <= a["page_end"]]
    if not rows:
        return '<p class="empty">no reconstructed row has its own text on this page</p>'
    out = ['<table class="rows-table"><tr><th>Sec.Task.Act</th><th>Nhiệm vụ</th>'
           + "".join(f"<th>{esc(h)}</th>" for _, h, _ in FIELD_COLUMNS) + "</tr>"]
    section = task = None
    for a in rows:
        if a.get("section_no") != section:
            section = a.get("section_no")
            out.append(f'<tr class="section"><td colspan="{2 + len(FIELD_COLUMNS)}">{esc(section)} '
                       f'{esc(a.get("section_title"))}</td></tr>')
        inherited = {INHERITED_NAMES.get(n, n) for n in (a.get("inherited") or [])}
        joined = page_no in (a.get("joined_at_pages") or [])
        this_task = (a.get("section_no"), a.get("task_no"), a.get("task_text"))
        task_cell = esc(a.get("task_text")) if this_task != task else '<span class="inherited">〃</span>'
        task = this_task
        cells = []
        for col, _, pages_col in FIELD_COLUMNS:
            text = esc(a.get(col))
            if col == "deadline_text" and a.get("deadline_kind"):
                text += f' <small>[{esc(a["deadline_kind"])}]</small>'
            on_page = page_no in (a.get(pages_col) or [])
            cls = "inherited" if col in inherited else ("" if on_page or not a.get(col) else "inherited")
            if col == "deadline_text" and a.get("deadline_kind") == "unknown":
                cls = (cls + " flag").strip()  # listed under "Unknown deadlines"
            cells.append(f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>")
        title = f' title="first row of page {page_no} joined to this row"' if joined else ""
        out.append(f'<tr class="activity{" joined" if joined else ""}" data-key="{esc(_key(a))}"{title}>'
                   f'<td class="key">{esc(_key(a))}</td><td>{task_cell}</td>{"".join(cells)}</tr>')
    out.append("</table>")
    return "".join(out)


def _first_page(pages, fallback: int) -> int:
    return min(pages) if pages else fallback


def issues_lists(inputs: ReportInputs) -> str:
    by_key = {(a.get("section_no"), a.get("task_no"), a["activity_seq"]): a for a in inputs.activities}
    unmatched = []
    for m in inputs.mentions:
        if m.get("agency_id") is not None:
            continue
        a = by_key.get((m.get("section_no"), m.get("task_no"), m["activity_seq"]))
        page = _first_page((a or {}).get("lead_pages" if m["role"] == "lead" else "partners_pages"),
                           (a or {}).get("page_start", 0))
        unmatched.append((page, m))
    unmatched.sort(key=lambda pm: (pm[0], pm[1].get("section_no") or "", pm[1].get("task_no") or 0,
                                   pm[1]["activity_seq"], pm[1]["role"], pm[1]["mention_seq"]))
    out = [f'<h2 id="unmatched">Unmatched agency mentions ({len(unmatched)})</h2>']
    if unmatched:
        out.append('<table class="unmatched"><tr><th>page</th><th>activity</th><th>role</th><th>mention as printed</th>'
                   "<th>best score</th></tr>")
        for page, m in unmatched:
            key = _key(m)
            out.append(f'<tr class="unmatched-agency"><td><a href="#page-{page}">page {page}</a></td><td>{esc(key)}</td>'
                       f'<td>{esc(m["role"])}</td><td>{esc(m["mention_text"])}</td><td>{m["score"]:.1f}</td></tr>')
        out.append("</table>")
    else:
        out.append('<p class="empty">none: every agency mention matched the registry</p>')
    unknown = sorted(((_first_page(a.get("deadline_pages"), a["page_start"]), a) for a in inputs.activities
                      if a.get("deadline_kind") == "unknown"), key=lambda pa: pa[0])
    out.append(f'<h2 id="unknown-deadlines">Unknown deadlines ({len(unknown)})</h2>')
    if unknown:
        out.append('<table class="unknown"><tr><th>page</th><th>activity</th><th>deadline as printed</th></tr>')
        for page, a in unknown:
            out.append(f'<tr class="unknown-deadline"><td><a href="#page-{page}">page {page}</a></td>'
                       f'<td>{esc(_key(a))}</td><td>{esc(a.get("deadline_text"))}</td></tr>')
        out.append("</table>")
    else:
        out.append('<p class="empty">none: every deadline phrase was understood</p>')
    return "".join(out)


def stitch_summary(stitches: list[dict]) -> str:
    out = [f'<h2 id="stitches">Page-break decisions ({len(stitches)})</h2>',
           '<table class="stitch-summary"><tr><th>page</th><th>decision</th><th>score</th><th>confidence</th>'
           "<th>evidence</th></tr>"]
    for d in stitches:
        cls = confidence_class(d["confidence"])
        out.append(f'<tr class="stitch {cls}" data-page="{d["page"]}"><td><a href="#page-{d["page"]}">page {d["page"]}</a></td>'
                   f'<td class="{cls}"><b>{esc(d["decision"])}</b></td><td>{d["score"]:+g}</td>'
                   f'<td>{d["confidence"]:.3f}</td><td>{esc(d.get("evidence_text"))}</td></tr>')
    out.append("</table>")
    return "".join(out)


def build_report(folder: str | Path, pdf: str | Path | None = None, params: str | Path | None = None,
                 dpi: int = DEFAULT_DPI) -> str:
    """The report's HTML for one extract folder OUT/<stem>."""
    inputs = load_inputs(folder)
    doc = inputs.document
    pdf_path = Path(pdf) if pdf is not None else ROOT / "data" / "raw" / doc["file_name"]
    if not pdf_path.is_file():
        raise FileNotFoundError(f"PDF {pdf_path} not found: pass --pdf PATH")
    notes: list[str] = []
    import hashlib

    if hashlib.sha256(pdf_path.read_bytes()).hexdigest() != doc["sha256"]:
        notes.append(f"{pdf_path.name} is not the file that was extracted (SHA-256 differs): images and grid "
                     "may not match the rows")
    settings, settings_note = _settings(doc, params)
    pages = sorted(doc.get("appendix_pages") or [])
    views, page_notes = load_pages(pdf_path, pages, settings, dpi)
    notes += page_notes
    decisions = {d["page"]: d for d in inputs.stitches}
    stitches = sorted(inputs.stitches, key=lambda d: d["page"])

    n_merged = sum(1 for v in views.values() for g in v.grids for c in g.cells if c.row_span > 1 or c.col_span > 1)
    n_cells = sum(len(g.cells) for v in views.values() for g in v.grids)
    meta = [
        ("document", doc["doc_id"]), ("file", doc["file_name"]), ("title", doc.get("title")),
        ("province / year", f'{doc.get("province") or "?"} / {doc.get("plan_year") or "?"}'),
        ("pages", f'{doc["page_count"]} in the PDF; appendix on {len(pages)}: '
                  f'{pages[0] if pages else "-"}–{pages[-1] if pages else "-"}'),
        ("table", f'{doc["section_count"]} sections, {doc["task_count"]} tasks, {doc["activity_count"]} activities'),
        ("agencies", f'{doc["mentions_matched"]} matched / {doc["mentions_unmatched"]} unmatched'),
        ("deadlines", f'{doc["deadlines_parsed"]} parsed / {doc["deadlines_unknown"]} unknown'),
        ("grid redrawn", f"{n_cells} cells, {n_merged} merged; settings {settings_note}"),
        ("status", f'{doc["status"]}' + (f' — {"; ".join(doc["errors"])}' if doc.get("errors") else "")),
        ("extractor", doc.get("extractor_version")),
    ]
    out = ["<!DOCTYPE html>", '<html lang="vi"><head><meta charset="utf-8">',
           f"<title>Review: {esc(doc['doc_id'])}</title>", f"<style>{CSS}{GRID_STYLE}</style>",
           f"<script>{SCRIPT}</script></head><body>",
           f"<h1>Extraction review: {esc(doc.get('title') or doc['doc_id'])}</h1>",
           '<table class="meta">' + "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in meta) + "</table>"]
    if notes:
        out.append('<div class="notes"><b>Notes</b><ul>' + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul></div>")
    out.append('<p class="legend"><span><i class="swatch" style="border-color:#1565c0"></i>grid cell</span>'
               '<span><i class="swatch" style="border-color:#e65100;background:#ffe0c0"></i>merged cell (spans rows or columns)</span>'
               '<span><i class="swatch" style="border-color:#2e7d32"></i>first row, decision confidence ≥ 0.95</span>'
               '<span><i class="swatch" style="border-color:#f9a825"></i>≥ 0.75</span>'
               '<span><i class="swatch" style="border-color:#c62828"></i>&lt; 0.75</span>'
               '<span style="background:#e8f0ff">row joined across the break at this page</span>'
               '<span class="inherited">grey italics: inherited from a merged cell or printed on another page</span></p>')
    out.append("<p>Jump to page: " + " ".join(f'<a href="#page-{n}">{n}</a>' for n in pages) + "</p>")
    out.append(stitch_summary(stitches))
    out.append(issues_lists(inputs))
    for n in pages:
        view, decision = views.get(n), decisions.get(n)
        out.append(f'<section class="page" id="page-{n}"><h2>Page {n}</h2>')
        if decision is not None:
            out.append(decision_block(decision))
        out.append('<div class="page-body">')
        if view is not None:
            w, h = view.image_px
            out.append(f'<div class="figure"><img class="page-image" alt="page {n}" width="{w}" height="{h}" '
                       f'src="{view.image_uri}">{svg_overlay(view, decision)}</div>')
        else:
            out.append('<div class="figure empty">page not rendered</div>')
        out.append(f'<div class="rows"><h3>Reconstructed rows with text on page {n}</h3>'
                   f"{rows_table(n, inputs.activities)}</div></div></section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(folder: str | Path, out: str | Path | None = None, **kw) -> Path:
    text = build_report(folder, **kw)
    target = Path(out) if out is not None else Path(folder) / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target


# ---------------------------------------------------------------------------------------------
# Command line


def _run(args) -> int:
    try:
        path = write_report(args.folder, args.out, pdf=args.pdf, params=args.params, dpi=args.dpi)
    except (FileNotFoundError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # BadInputError (unreadable PDF) and the like: one line, not a traceback
        from core.errors import BadInputError

        if isinstance(e, BadInputError):
            print(f"FAILED {e}", file=sys.stderr)
            return 1
        raise
    print(f"report {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("folder", help="an extract folder OUT/<stem> (with document.parquet, activities.parquet, …)")
    parser.add_argument("--pdf", default=None, help="the PDF (default: data/raw/<file_name> of document.parquet)")
    parser.add_argument("--out", default=None, help="HTML file to write (default: OUT/<stem>/report.html)")
    parser.add_argument("--params", default=None,
                        help="params.yaml for re-detecting the grid (default: the settings recorded by the extract)")
    parser.add_argument("--dpi", type=int, default=DEFAULT_DPI, help=f"page image resolution (default {DEFAULT_DPI})")
    parser.set_defaults(func=_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="python -m pipeline.report", description=HELP))
    return _run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

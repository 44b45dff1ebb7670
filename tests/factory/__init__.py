"""Document factory: synthetic Word-like plan PDFs with known ground truth (test support).

    render_plan(spec, path, geometry=..., rng=...) -> Truth     automatic page breaks
    render_explicit(spec, pages, path, geometry=...) -> Truth   given appendix pages
    render_seed(seed_path, pdf_path, geometry=None) -> Truth    the real plan, original breaks
    layout_plan / layout_explicit                               the same without writing a PDF
    random_plan(rng, **knobs), random_geometry(rng)             varied inputs
"""
from .geometry import PageGeometry
from .random_plan import random_geometry, random_plan
from .render import layout_explicit, layout_plan, render_explicit, render_plan
from .seed import load_seed, render_seed

__all__ = ["PageGeometry", "layout_explicit", "layout_plan", "load_seed", "random_geometry", "random_plan",
           "render_explicit", "render_plan", "render_seed"]

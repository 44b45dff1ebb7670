"""Extraction pipeline for Vietnamese government plan documents.

Read `pipeline/stages.py` top to bottom: it lists the stages in order.
"""

__version__ = "0.3.0"  # CHANGELOG.md

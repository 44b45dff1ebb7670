"""Errors that describe bad input, kept apart from bugs.

A BadInputError is expected for some files (not a PDF, encrypted, no appendix…):
the CLI reports it on one line, records it, and moves on to the next file.
Anything else is a bug and is allowed to surface with its traceback.
"""
from __future__ import annotations


class BadInputError(Exception):
    def __init__(self, file: str, reason: str, page: int | None = None):
        self.file = file
        self.reason = reason
        self.page = page
        where = f"{file}" + (f", page {page}" if page is not None else "")
        super().__init__(f"{where}: {reason}")


class SettingsError(ValueError):
    """params.yaml or a settings dict is wrong (unknown key, bad value)."""

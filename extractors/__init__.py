"""Readers that turn PDF pages into ruled-table grids (text layer; OCR later)."""

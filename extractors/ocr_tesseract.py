"""Tesseract 5 as a subprocess: an image in, words with boxes and confidences out (TSV).

No Python binding is needed: the `tesseract` command reads the image from stdin (PGM, no
compression cost) and writes TSV to stdout. Each process is limited to one OpenMP thread
(OMP_THREAD_LIMIT=1): pages are spread over the cores by the caller, which is faster than
Tesseract's own threads on a 2-core machine (see extractors/ocr.py).
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass

import cv2
import numpy as np


class OcrUnavailable(RuntimeError):
    """The tesseract command or its language model is not installed."""


@dataclass(frozen=True)
class Word:
    """One word as Tesseract read it, in the pixel coordinates of the image given to it."""
    left: int
    top: int
    width: int
    height: int
    conf: float  # 0..100
    text: str
    line: tuple[int, ...]  # (block, paragraph, line) numbers: words of one printed line share it

    @property
    def cx(self) -> float:
        return self.left + self.width / 2

    @property
    def cy(self) -> float:
        return self.top + self.height / 2


@functools.cache
def check_tesseract(lang: str) -> str:
    """The tesseract executable's path; OcrUnavailable when it or the `lang` model is missing."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise OcrUnavailable("the tesseract command is not installed")
    try:
        proc = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        raise OcrUnavailable(f"tesseract does not run ({e})") from None
    langs = {l.strip() for l in (proc.stdout + proc.stderr).splitlines()[1:]}
    missing = [l for l in lang.split("+") if l not in langs]
    if missing:
        raise OcrUnavailable(f"tesseract has no model for {'+'.join(missing)}")
    return exe


def parse_tsv(tsv: str) -> list[Word]:
    words = []
    for row in tsv.splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) < 12 or parts[0] != "5":
            continue
        text = parts[11].strip()
        if not text:
            continue
        block, par, line = int(parts[2]), int(parts[3]), int(parts[4])
        left, top, width, height = (int(v) for v in parts[6:10])
        words.append(Word(left, top, width, height, float(parts[10]), text, (block, par, line)))
    return words


def image_to_words(image: np.ndarray, *, lang: str, psm: int, dpi: int, timeout: float = 600,
                   whitelist: str | None = None) -> list[Word]:
    """Run tesseract once on a grey image; its words (level-5 TSV rows) with boxes and confidences.
    `whitelist`: the only characters the model may output (constrained re-reads of numerals)."""
    exe = check_tesseract(lang)
    ok, buf = cv2.imencode(".pgm", image)
    if not ok:
        raise RuntimeError("could not encode the page image for tesseract")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    options = ["-c", f"tessedit_char_whitelist={whitelist}"] if whitelist else []
    proc = subprocess.run([exe, "stdin", "stdout", "-l", lang, "--psm", str(psm), "--dpi", str(dpi), *options, "tsv"],
                          input=buf.tobytes(), capture_output=True, env=env, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"tesseract failed ({proc.returncode}): {proc.stderr.decode('utf-8', 'replace')[-500:]}")
    return parse_tsv(proc.stdout.decode("utf-8"))


def words_to_lines(words: list[Word]) -> tuple[tuple[tuple[str, float], ...], ...]:
    """Words grouped into printed lines in Tesseract's (block, paragraph, line) order, its reading
    order; each line its (text, confidence) pairs, left to right."""
    by_line: dict[tuple, list[Word]] = {}
    for w in words:
        by_line.setdefault(w.line, []).append(w)
    return tuple(tuple((w.text, w.conf) for w in sorted(ws, key=lambda w: w.left)) for ws in by_line.values())

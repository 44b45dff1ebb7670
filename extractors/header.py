"""Find a task table's header and map its printed columns to roles, by label AND by content.

Plans word their headers in many ways ("TT"/"Stt", "NỘI DUNG"/"Nhiệm vụ, giải pháp",
"Cơ quan tham mưu"/"Người phụ trách", "Tiến độ"/"Thời hạn" …), stack them over two rows
("Đơn vị thực hiện" over "Chủ trì | Phối hợp"), order them freely, and OCR damages them.
A column's role comes from the head words of its label (core/data/table_vocabulary.yaml:
the first listed phrase found in the folded label wins, also fuzzily) and from what its cells
hold (row numbers, deadlines, names of bodies or persons). Every column gets a mapping record
(role, how, score); columns without a role are kept as `extra` so nothing printed is lost.
A task table maps a task column and one of `locate.required_any` (lead, deadline, output); a narrow
table (fewer than NARROW_COLUMNS printed columns) and an output column standing alone must also be
borne out by their cells.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz import fuzz, process

from core.numbering import is_roman, parse_stt
from core.records import FIELDS, Cell, PageGrid
from core.text import clean, fold
from core.vocabulary import EXTRA, Vocabulary, load_vocabulary
from normalizers.deadlines import parse_deadline

__all__ = ["ColumnRole", "HeaderMatch", "cells_by_position", "grid_to_header", "header_text", "is_number_row",
           "is_roman", "label_to_field", "label_role", "vocabulary_for"]


def vocabulary_for(settings) -> Vocabulary:
    """The packaged vocabulary extended by the `locate:` settings' words."""
    key = json.dumps([getattr(settings, "extra_head_words", None) or {}, getattr(settings, "extra_labels", None) or {},
                      getattr(settings, "extra_agency_heads", None) or []], sort_keys=True, ensure_ascii=False)
    return _vocabulary(key)


@lru_cache(maxsize=8)
def _vocabulary(key: str) -> Vocabulary:
    heads, labels, agencies = json.loads(key)
    return load_vocabulary().extended(heads, labels, agencies)


@lru_cache(maxsize=8)
def _whole_labels(vocab: Vocabulary) -> dict[str, str]:
    return {fold(label): role for role, labels in vocab.labels.items() for label in labels}


def _words(key: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:/[^\W_]+)?", key)


def label_role(label: str, min_similarity: float, vocab: Vocabulary | None = None) -> tuple[str, float, str] | None:
    """(role, score 0-100, the head phrase that decided) for a printed label; role may be `extra`."""
    vocab = vocab or load_vocabulary()
    key = fold(label)
    if not key:
        return None
    whole = _whole_labels(vocab)
    if key in whole:
        return whole[key], 100.0, key
    words = _words(key)
    text = " " + " ".join(words) + " "
    for role, phrase in vocab.head_words:
        if f" {phrase} " in text:
            return role, 100.0, phrase
    # OCR damage: a head phrase within a few edits of some run of the label's words.
    best: tuple[str, float, str] | None = None
    for role, phrase in vocab.head_words:
        n = len(phrase.split())
        for i in range(max(0, len(words) - n + 1)):
            s = fuzz.ratio(" ".join(words[i:i + n]), phrase)
            if len(phrase) >= 4 and s >= min_similarity and (best is None or s > best[1]):
                best = (role, float(s), phrase)
    if best is None:
        hit = process.extractOne(key, list(whole), scorer=fuzz.ratio)
        if hit and hit[1] >= min_similarity:
            best = (whole[hit[0]], float(hit[1]), hit[0])
    return best


def label_to_field(label: str, min_similarity: float) -> tuple[str, float] | None:
    """The canonical field a label names (None for an unknown or extra column)."""
    hit = label_role(label, min_similarity)
    if hit is None or hit[0] == EXTRA:
        return None
    return hit[0], hit[1]


@dataclass(frozen=True)
class ColumnRole:
    """How one printed column was mapped."""
    col: int  # 0-based position of the printed column, left to right
    label: str  # as printed; stacked labels joined by " / "
    role: str  # a canonical field or "extra"
    how: str  # label | content | label+content | unmapped
    score: float  # 0-100
    why: str = ""  # the head phrase or content signal that decided


@dataclass
class HeaderMatch:
    columns: dict[str, int]  # role → grid column
    labels: dict[str, str]  # role → label as printed
    data_start: int  # first grid row below the header (and the column-number row)
    column_map: list[ColumnRole] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)  # extra column key ("extra:<label>") → grid column
    missing: list[str] = field(default_factory=list)  # requirements not met (for the error message)
    header_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.missing


def cells_by_position(grid: PageGrid) -> dict[tuple[int, int], Cell]:
    at = {}
    for c in grid.cells:
        for r in range(c.row, c.row + c.row_span):
            for k in range(c.col, c.col + c.col_span):
                at[(r, k)] = c
    return at


_NUMBER_TOKEN = re.compile(r"^[(\[]?[0-9A-Z]{1,3}[)\]]?(?:\s*[=+\-*x/]\s*[(\[]?[0-9A-Z]{1,3}[)\]]?)*$")


def is_number_row(texts: list[str]) -> bool:
    """A row of column numbers in any style: "1 2 3 4", "(1) (2) (3)", "A B 1 2", "(4)=(2)+(3)"."""
    filled = [t.strip() for t in texts if t.strip()]
    # Two numbers make a row only when at most one cell is blank: "(1) (2)" or "∅ 1 2" over a narrow table.
    if len(filled) < 2 or len(filled) < (len(texts) - 1 if len(filled) == 2 else len(texts) / 2):
        return False
    odd = [i for i, t in enumerate(texts) if t.strip() and not _NUMBER_TOKEN.match(t.strip())]
    return not odd or (len(odd) == 1 and _misread_in_sequence(texts, odd[0]))


def _misread_in_sequence(texts: list[str], at: int) -> bool:
    """One cell of a column-number row misread by OCR ("1 2 3 4 s 6"): the row still numbers its
    columns when the other cells are at least three plain numbers rising by one a column, in step
    with the odd cell's place, and the odd cell is one or two glyphs."""
    if len(texts[at].strip()) > 2:
        return False
    steps = {int(t) - i for i, t in enumerate(texts) if t.strip().isdigit()}
    numbers = sum(t.strip().isdigit() for t in texts)
    return numbers >= 3 and len(steps) == 1 and numbers == sum(bool(t.strip()) for t in texts) - 1


def _row_texts(grid: PageGrid, at, row: int) -> list[str]:
    return [at[(row, c)].text for c in range(grid.n_cols) if (row, c) in at and at[(row, c)].row == row
            and at[(row, c)].col == c]


# ---- content evidence ---------------------------------------------------------------------

@dataclass
class ContentProfile:
    filled: int = 0
    numbers: float = 0.0  # share of filled cells that are row numbers
    deadlines: float = 0.0  # share that parse as deadlines
    agencies: float = 0.0  # share that start with the name of a body or a person
    words: float = 0.0  # mean words per filled cell
    prose: float = 0.0  # share that are words (not a row number, a deadline or a figure such as "95%")


@lru_cache(maxsize=8)
def _heads_pattern(heads: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"^(?:" + "|".join(re.escape(h) for h in sorted(heads, key=len, reverse=True)) + r")(?![^\W_])")


def _looks_like_agency(text: str, heads: tuple[str, ...]) -> bool:
    # The first words are enough (fold is the costly part on long cells).
    return bool(_heads_pattern(heads).match(" ".join(_words(fold(text[:40])))))


_WORD = re.compile(r"[^\W\d_]{2,}")


def column_profile(texts: list[str], vocab: Vocabulary) -> ContentProfile:
    filled = [" ".join(t.split()) for t in texts if t and not t.isspace()]  # cell texts are NFC already
    if not filled:
        return ContentProfile()
    n = len(filled)
    is_number = [parse_stt(t) is not None for t in filled]
    kinds = [parse_deadline(t).kind for t in filled]
    is_deadline = [k != "unknown" for k in kinds]
    # "Theo quy định", "Sau khi …" parse as (conditional / reference) deadlines but are words too:
    # a task cell may say just that. A dated or recurring phrase is not prose.
    timed = [k not in ("unknown", "conditional", "reference") for k in kinds]
    return ContentProfile(
        filled=n,
        numbers=sum(is_number) / n,
        deadlines=sum(is_deadline) / n,
        agencies=sum(_looks_like_agency(t, vocab.agency_heads) for t in filled) / n,
        words=sum(len(t.split()) for t in filled) / n,
        prose=sum(bool(_WORD.search(t)) and not a and not b for t, a, b in zip(filled, is_number, timed)) / n,
    )


def content_score(role: str, p: ContentProfile) -> float:
    """0-100: how well a column's cells fit a role."""
    if p.filled == 0:
        return 0.0
    if role == "stt":
        return 100.0 * p.numbers if p.words <= 2.5 else 0.0
    if role == "deadline":
        return 100.0 * p.deadlines
    if role in ("lead", "partners"):
        return 100.0 * p.agencies
    if role in ("task", "activity", "output"):
        return min(100.0, 12.0 * p.words) * (1.0 - p.numbers) * (1.0 - 0.7 * p.deadlines)
    return 0.0


# ---- the header -------------------------------------------------------------------------

def _header_end(grid: PageGrid, top: int, depth: int) -> bool:
    """Rows top..top+depth-1 form a band no cell crosses downwards."""
    end = top + depth
    return all(c.row + c.row_span <= end for c in grid.cells if top <= c.row < end)


def _caption_rows(grid: PageGrid, at) -> int:
    """Rows at the top that are one cell across the whole table (a title printed inside the grid)."""
    r = 0
    while r < grid.n_rows - 1:
        c = at.get((r, 0))
        if c is None or c.row != r or c.col_span != grid.n_cols or c.row_span != 1:
            break
        r += 1
    return r


def _stacked_labels(grid: PageGrid, at, top: int, depth: int, col: int) -> list[tuple[int, str]]:
    """(row, label) of the header cells above a column, top to bottom, each once."""
    out, seen = [], set()
    for row in range(top, top + depth):
        cell = at.get((row, col))
        if cell is None or id(cell) in seen:
            continue
        seen.add(id(cell))
        # A cell spanning several columns is a group label ("Đơn vị thực hiện"); it names each of them.
        if clean(cell.text):
            out.append((row, clean(cell.text)))
    return out


def _data_texts(grid: PageGrid, at, start: int, cols: list[int], limit: int) -> list[str]:
    """Texts of the cells that start in these columns below the header (a sample for content evidence)."""
    out = []
    for r in range(start, grid.n_rows):
        cells = {id(c): c for k in cols if (c := at.get((r, k))) is not None and c.row == r and c.col in cols}
        if cells and all(c.col_span <= len(cols) for c in cells.values()):
            out.append(" ".join(c.text for c in sorted(cells.values(), key=lambda c: c.col)))
        if len(out) >= limit:
            break
    return out


def _column_groups(grid: PageGrid, at, row: int) -> list[list[int]]:
    """Grid columns under one lowest header cell are one printed column (a narrow spacer column
    made by other rows' rules, or a column split in two, shares its neighbour's label)."""
    groups: list[list[int]] = []
    for col in range(grid.n_cols):
        cell = at.get((row, col))
        if groups and cell is not None and cell is at.get((row, groups[-1][-1])):
            groups[-1].append(col)
        else:
            groups.append([col])
    return groups


# Share of a header's printed labels that must name a role (or a known extra column): a data row
# holds a head word here and there ("… đề án", "thực hiện …"), a header in most of its cells.
MIN_LABEL_SHARE = 0.6


def _map_columns(grid: PageGrid, at, top: int, depth: int, settings, vocab: Vocabulary) -> HeaderMatch | None:
    min_sim = settings.min_similarity
    max_words = getattr(settings, "max_label_words", 12)
    start = top + depth
    while start < grid.n_rows and is_number_row(_row_texts(grid, at, start)):
        start += 1
    groups = {g[0]: g for g in _column_groups(grid, at, top + depth - 1)}
    labels: dict[int, str] = {}
    label_hits: dict[int, tuple[str, float, str]] = {}
    for col in groups:
        stacked = _stacked_labels(grid, at, top, depth, col)
        if any(len(t.split()) > max_words for _, t in stacked):
            return None  # a long text is a data cell, not a label: the header is not this deep
        labels[col] = " / ".join(t for _, t in stacked)
        for _, text in reversed(stacked):  # the lowest label names the column (stacked headers)
            hit = label_role(text, min_sim, vocab)
            if hit:
                label_hits[col] = hit
                break
    if not any(h[0] != EXTRA for h in label_hits.values()):
        return None
    printed = [c for c in labels if labels[c]]
    if len(label_hits) < MIN_LABEL_SHARE * len(printed):
        return None  # most cells name no role: a data row that happens to hold a head word ("đề án")
    limit = getattr(settings, "content_sample_rows", 20)
    profiles = {col: column_profile(_data_texts(grid, at, start, g, limit), vocab) for col, g in groups.items()}
    return _assign(labels, label_hits, profiles, start, depth, settings)


def _assign(labels: dict[int, str], label_hits: dict[int, tuple[str, float, str]], profiles: dict[int, ContentProfile],
            start: int, depth: int, settings) -> HeaderMatch:
    share = 100.0 * getattr(settings, "content_min_share", 0.6)
    claims: dict[str, list[tuple[float, int]]] = {}
    for col, (role, score, _) in label_hits.items():
        if role != EXTRA:
            # Ties between columns claiming one role ("Thời gian" and "Tiến độ") go to the content.
            claims.setdefault(role, []).append((score + content_score(role, profiles[col]), col))
    chosen: dict[str, int] = {role: max(c)[1] for role, c in claims.items()}
    records: dict[int, ColumnRole] = {}
    for role, col in chosen.items():
        _, score, phrase = label_hits[col]
        cs = content_score(role, profiles[col])
        how = "label+content" if cs >= share else "label"
        records[col] = ColumnRole(col, labels[col], role, how, round(score, 1), f"head word '{phrase}'"
                                  + (f"; cells fit ({cs:.0f}%)" if how == "label+content" else ""))
    # Columns the labels leave open: the cells may say (unreadable label "T+r", a blank or "#").
    for col in sorted(labels):
        if col in records or (col in label_hits and label_hits[col][0] == EXTRA):
            continue
        p = profiles[col]
        options = []
        for role in ("stt", "deadline", "lead", "partners"):
            if role in chosen:
                continue
            if role == "partners" and "lead" not in chosen:
                continue
            if role == "stt" and any(c < col for c in chosen.values()):
                continue  # row numbers stand left of every other column
            options.append((content_score(role, p), role))
        if options:
            cs, role = max(options)
            if cs >= share:
                chosen[role] = col
                records[col] = ColumnRole(col, labels[col], role, "content", round(cs, 1), _content_why(role, p))
    # No task column but an activity column: its rows are the tasks (one row, one task).
    if "task" not in chosen and "activity" in chosen:
        col = chosen.pop("activity")
        chosen["task"] = col
        r = records[col]
        records[col] = ColumnRole(col, r.label, "task", r.how, r.score, r.why + "; no task column: read as the task")
    extra: dict[str, int] = {}
    for col in sorted(labels):
        if col in records:
            continue
        hit = label_hits.get(col)
        why = f"head word '{hit[2]}' names no field" if hit else "no head word; cells fit no role"
        records[col] = ColumnRole(col, labels[col], EXTRA, "unmapped", round(hit[1], 1) if hit else 0.0, why)
        key = f"extra:{labels[col] or f'col{col + 1}'}"
        while key in extra:
            key += "'"
        extra[key] = col
    columns = {f: chosen[f] for f in FIELDS if f in chosen}
    missing = [f for f in settings.required_fields if f not in columns]
    any_of = list(getattr(settings, "required_any", []) or [])
    if any_of and not any(f in columns for f in any_of):
        missing.append(_alternatives(any_of))
    missing += _unconfirmed(columns, any_of, profiles, len(labels), share)
    if len(columns) < settings.min_fields:
        missing.append(f"at least {settings.min_fields} roles (found {len(columns)})")
    position = {c: i for i, c in enumerate(sorted(records))}
    column_map = [replace(records[c], col=position[c]) for c in sorted(records)]
    return HeaderMatch(columns, {f: labels[c] for f, c in columns.items()}, start, column_map, extra, missing, depth)


# A table with fewer printed columns than this is a task table only when its cells bear its labels
# out: the small ruled boxes of a plan (signature blocks, a "Nơi nhận" layout, the national header,
# a box on a body page) have two or three columns, and a label or two may name a role by chance.
NARROW_COLUMNS = 4


def _fits(role: str, p: ContentProfile, share: float) -> bool:
    """Do a column's cells fit its role (share: 0-100)? Text roles: most cells are words."""
    if role in ("task", "activity", "output"):
        return p.filled > 0 and 100.0 * p.prose >= share
    return content_score(role, p) >= share


def _unconfirmed(columns: dict[str, int], any_of: list[str], profiles: dict[int, ContentProfile], n_printed: int,
                 share: float) -> list[str]:
    """Requirements the cells do not bear out. "Kết quả" also heads a column of measured figures (an
    indicator table): an output column makes a task table only when its cells are words. A narrow
    table's task column and its lead / deadline / output column must both fit their cells."""
    narrow = n_printed < NARROW_COLUMNS
    out = []
    present = [f for f in any_of if f in columns]
    if present and not any((f != "output" and not narrow) or _fits(f, profiles[columns[f]], share) for f in present):
        out.append(f"{_alternatives(present)} whose cells fit")
    if narrow and "task" in columns and not _fits("task", profiles[columns["task"]], share):
        out.append("task whose cells fit")
    return out


def _alternatives(roles: list[str]) -> str:
    return roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " or " + roles[-1]


def _content_why(role: str, p: ContentProfile) -> str:
    what = {"stt": f"{p.numbers:.0%} row numbers", "deadline": f"{p.deadlines:.0%} deadlines",
            "lead": f"{p.agencies:.0%} names of bodies or persons", "partners": f"{p.agencies:.0%} names of bodies or persons"}
    return f"cells: {what[role]} ({p.filled} filled)"


def _rank(m: HeaderMatch) -> tuple:
    return (m.ok, len(m.columns), sum(r.how != "unmapped" for r in m.column_map), -m.header_rows)


def grid_to_header(grid: PageGrid, settings, best_effort: bool = False) -> HeaderMatch | None:
    """The header of a task table on this grid, or None. With best_effort, the best partial
    mapping is returned even when it does not make a task table (for error messages)."""
    vocab = vocabulary_for(settings)
    at = cells_by_position(grid)
    top = _caption_rows(grid, at)
    best: HeaderMatch | None = None
    for depth in range(1, min(settings.max_header_rows, grid.n_rows - top) + 1):
        if not _header_end(grid, top, depth):
            continue
        m = _map_columns(grid, at, top, depth, settings, vocab)
        if m is not None and m.ok:
            return m  # the shallowest header that makes a task table: deeper rows are data
        if m is not None and (best is None or _rank(m) > _rank(best)):
            best = m
    if best is None or (not best.ok and not best_effort):
        return None
    return best


def header_text(grid: PageGrid) -> str:
    """The first grid row's labels, for error messages."""
    at = cells_by_position(grid)
    labels = []
    for col in range(grid.n_cols):
        cell = at.get((0, col))
        if cell is not None and cell.col == col:
            labels.append(clean(cell.text) or "∅")
    return " | ".join(labels)

"""Agency entities named in the Chủ trì (lead) and Phối hợp (partners) cells.

The registry is data (`normalizers/data/agencies.yaml`): canonical bodies with a stable id,
kind, level, aliases, validity years and successor, plus the small lexicon the resolver
needs (abbreviations, qualifier starts, head words). A printed cell becomes Mentions:

    cell text -> pieces   cut at ";", ":", ",", "/", " - ", "và" (never inside parentheses)
              -> chunks   pieces regrouped so that each chunk is one registry name: the
                          grouping covering most pieces with fewest chunks, exact names
                          first ("Sở Y tế, Giáo dục và Đào tạo" shares its "Sở"), rapidfuzz
                          for what exact matching left over
              -> elliptical items expanded ("UBND cấp huyện, cấp xã", "HĐND, UBND cấp huyện")
              -> Mentions (printed text kept; qualifier, office holder ("Giám đốc ...") and
                          parenthesised sub-unit split off; a body named twice is kept once)

The registry decides which commas are inside a name ("Sở Văn hóa, Thể thao và Du lịch",
"Các sở, ban, ngành tỉnh"): no comma rule is hard-coded. Printed text is never changed;
every comparison goes through `_Keys.key` (NFC, one tone-mark style via `fold`,
abbreviations expanded, punctuation dropped).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from rapidfuzz import fuzz, process

from core.text import clean, fold, is_lower_start

DEFAULT_PATH = Path(__file__).with_name("data") / "agencies.yaml"

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PROVINCE = "{province}"
# A body of another province gets a derived id: "<template id>--<place id>" ("so-noi-vu--bac-ninh").
_DERIVED = "--"
# Level words before a district or commune name ("huyện Văn Lâm", "xã Tân Lập"), longest first.
_DISTRICT_WORDS = ("thị xã", "thành phố", "huyện", "quận")
_COMMUNE_WORDS = ("thị trấn", "đặc khu", "phường", "xã")
_PROVINCE_WORDS = ("thành phố", "tỉnh", "tp")
# Separators of a list of bodies. "và" and " - " also join words inside names ("Sở Giáo dục
# và Đào tạo", "Đài Phát thanh - Truyền hình"): they are only candidate cuts, the registry
# decides. A dash without spaces ("PT-TH") never cuts.
_SEPARATOR = re.compile(r"[()]|[;:,/]|\s[-–—]\s|(?<![^\W_])và(?![^\W_])", re.IGNORECASE)
_HARD = {";", ":"}  # nothing in a name spans these
_PUNCT = re.compile(r"[^\w\s]")
_PAREN = re.compile(r"\(([^()]*)\)")
_WORD = re.compile(r"\S+")
# Where the level part of a committee's name starts: "UBND | cấp huyện", "UBND | các huyện, ...".
_LEVEL_WORD = re.compile(r"\s(?=(?:cấp|các|tỉnh|huyện|xã|quận|phường|thị trấn)(?![^\W_]))", re.IGNORECASE)
_EDGE_PUNCT = " .,;:-+*•"
_EVERY_LAST = frozenset({"tỉnh", "phố", "phương", "thành", "quan", "ương", "tw", "tư"})
_INTRODUCERS = frozenset({"sở", "các sở", "bộ", "các bộ"})
# "Sở Nội vụ các tỉnh, thành phố": a provincial body of every province
_EVERY_PROVINCE = re.compile(r"(?:của\s+)?(?:các|những)\s+(?:tỉnh|địa phương)(?:\s*,\s*thành phố|\s*,\s*thành)?"
                             r"(?:\s+trực thuộc\s+(?:Trung ương|TW|TƯ))?(?:\s+(?:có\s+)?liên quan)?", re.IGNORECASE)
_OF_TAIL = re.compile(r"\s+(?:trực thuộc|thuộc|của)$", re.IGNORECASE)
_BELONGS = re.compile(r"\s(?:trực thuộc|thuộc)\s", re.IGNORECASE)
_PROVINCE_PREFIX = re.compile(r"^(tỉnh|thành phố|tp)\.?\s+", re.IGNORECASE)
_LIST_SPLIT = re.compile(r"\s*[,;]\s*|\s+và\s+")
_LEVEL_AT = re.compile(r"^(" + "|".join(_DISTRICT_WORDS + _COMMUNE_WORDS) + r")\s+(?=\S)", re.IGNORECASE)


def _level_word_at(text: str) -> str | None:
    """The district/commune level word a text starts with ("huyện Văn Lâm" -> "huyện"), folded."""
    m = _LEVEL_AT.match(text.strip())
    return m.group(1).lower() if m else None

_CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    kind: str
    level: str
    is_group: bool
    aliases: tuple[str, ...]
    valid_from: int | None  # first / last calendar year (the plan year picks by these)
    valid_to: int | None
    successor_id: str | None
    starts: date | None = None  # first / last day when the registry knows it (else Jan 1 / Dec 31)
    ends: date | None = None
    category: str | None = None  # bộ | cơ quan ngang bộ | cơ quan thuộc Chính phủ | ... (lexicon.categories)
    source: str | None = None  # key of registry `sources` the facts rest on
    predecessor_ids: tuple[str, ...] = ()  # bodies whose successor this is
    place_id: str | None = None  # for a derived body of a named province ("so-noi-vu--bac-ninh")

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= year) and (self.valid_to is None or year <= self.valid_to)

    def valid_on(self, day: date) -> bool:
        return (self.starts is None or self.starts <= day) and (self.ends is None or day <= self.ends)


@dataclass(frozen=True)
class Place:
    """A province or centrally-run city (a place, not a body)."""
    id: str
    name: str
    type: str  # tỉnh | thành phố
    aliases: tuple[str, ...]
    starts: date | None
    ends: date | None
    merged_into: str | None
    source: str | None

    def valid_on(self, day: date) -> bool:
        return (self.starts is None or self.starts <= day) and (self.ends is None or day <= self.ends)


MentionKind = Literal["agency", "group", "person", "unmatched"]


@dataclass(frozen=True)
class Mention:
    text: str  # the mention as printed (for an expanded ellipsis, the expanded phrase)
    agency_id: str | None
    agency_name: str | None
    agency_kind: str | None
    level: str | None
    is_group: bool
    score: float  # 100.0 exact alias; rapidfuzz score otherwise; best candidate's when unmatched
    qualifier: str | None
    sub_unit: str | None
    kind: MentionKind = "unmatched"  # agency | group | person | unmatched (agency_id None, counted)
    place: str | None = None  # place named after the body, as printed ("tỉnh Bắc Ninh", "huyện Văn Lâm")
    place_ids: tuple[str, ...] = ()  # registry place ids of the provinces named (districts/communes: none)


# ---- comparison keys -------------------------------------------------------------------

def _fold_for_abbreviations(text: str) -> str:
    # "TT & TT" and "TT&TT" are one abbreviation; "Ð" (Icelandic eth, common in PDF text
    # layers) is the Vietnamese "Đ".
    t = fold(text.replace("Ð", "Đ").replace("ð", "đ"))
    return re.sub(r"\s*&\s*", "&", t)


def _deaccent(key: str) -> str:
    """Without tone and vowel marks: OCR loses marks far more often than letters."""
    t = unicodedata.normalize("NFD", key.replace("đ", "d"))
    return "".join(ch for ch in t if unicodedata.category(ch) != "Mn")


class _Keys:
    """Comparison keys for names, cached: the same few hundred strings recur in every cell."""

    def __init__(self, abbreviations: dict[str, str]):
        self._table = {_fold_for_abbreviations(a): fold(e) for a, e in abbreviations.items()}
        alternatives = sorted(self._table, key=len, reverse=True)  # "pvhcc" before "hcc"
        self._abbr = re.compile(r"(?<![^\W_])(" + "|".join(map(re.escape, alternatives)) + r")(?![^\W_])")
        self._cache: dict[str, str] = {}

    def key(self, text: str) -> str:
        k = self._cache.get(text)
        if k is None:
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            t = self._abbr.sub(lambda m: f" {self._table[m.group(1)]} ", _fold_for_abbreviations(text))
            k = self._cache[text] = " ".join(_PUNCT.sub(" ", t.replace("&", " và ")).split())
        return k

    def starts_with(self, text: str, phrases: frozenset[str]) -> bool:
        words = self.key(text).split()
        return any(" ".join(words[:n]) in phrases for n in range(1, min(4, len(words)) + 1))


# ---- internal records ------------------------------------------------------------------

@dataclass(frozen=True)
class _Piece:
    start: int  # offsets in the cleaned cell, separators excluded
    end: int
    part: int  # index of the ";"/":"-separated part
    sep_before: str  # "", ",", "và", ";", ":"


class _PlaceRef(NamedTuple):
    """Places printed after a body's name: "tỉnh Bắc Ninh", "Bắc Ninh, Bình Dương", "huyện Văn Lâm"."""
    text: str  # as printed
    items: tuple[tuple[str, tuple[str, ...]], ...]  # (item as printed, province ids; () for districts/communes)
    local: bool  # district or commune names (not in the registry: kept, never matched)
    every: bool = False  # "các tỉnh, thành phố": the body of every province


class _Cut(NamedTuple):
    name: str  # name key
    qualifier: str | None  # as printed
    place: _PlaceRef | None = None
    cands: tuple[str, ...] | None = None  # candidates already filtered (place cuts)


@dataclass(frozen=True)
class _Span:
    """What a stretch of text offers for matching: name/qualifier/place cuts and parenthesised text."""
    cuts: tuple[_Cut, ...]  # longest name first
    parens: tuple[str, ...]


@dataclass
class _Chunk:
    start: int
    end: int
    part: int
    sep_before: str
    text: str  # as printed, or the expanded phrase
    cands: tuple[str, ...] = ()  # agency ids for the matched name, in priority order
    score: float | None = None
    qualifier: str | None = None
    parens: tuple[str, ...] = ()
    expanded: bool = False
    place: _PlaceRef | None = None
    unit: str | None = None  # a unit of the body, printed before it ("Cục An toàn thông tin (Bộ TT&TT)")

    @property
    def matched(self) -> bool:
        return bool(self.cands)


@dataclass
class _Lexicon:
    qualifier_starts: frozenset[str]
    role_prefixes: frozenset[str]
    head_words: frozenset[str]
    bare_heads: frozenset[str]
    level_fragment_starts: frozenset[str]
    level_words: frozenset[str]
    honorifics: frozenset[str] = frozenset()  # "ông", "bà", "đồng chí"
    titles: frozenset[str] = frozenset()  # "phó giám đốc", "chủ tịch"
    surnames: frozenset[str] = frozenset()  # "nguyễn", "trần"
    unit_heads: frozenset[str] = frozenset()  # "cục", "vụ": units named with their body


# ---- segmentation helpers --------------------------------------------------------------

def cell_to_pieces(cell: str) -> list[_Piece]:
    """Cut a cleaned cell at every candidate separator outside parentheses."""
    pieces: list[_Piece] = []
    depth, start, part, sep = 0, 0, 0, ""

    def add(a: int, b: int) -> None:
        seg = cell[a:b]
        lead = len(seg) - len(seg.lstrip(_EDGE_PUNCT))
        trail = len(seg.rstrip(_EDGE_PUNCT))
        if trail > lead:
            pieces.append(_Piece(a + lead, a + trail, part, sep))

    for m in _SEPARATOR.finditer(cell):
        tok = m.group()
        if tok in "()":
            depth = depth + 1 if tok == "(" else max(0, depth - 1)
            continue
        if depth or (tok == "/" and _abbreviation_slash(cell, m.start())):
            continue
        add(start, m.start())
        tok = tok.strip().lower().replace("–", "-").replace("—", "-")
        if tok in _HARD:
            part += 1
        sep, start = tok, m.end()
    add(start, len(cell))
    return pieces


def _abbreviation_slash(cell: str, i: int) -> bool:
    """"Đ/c" (đồng chí): a slash between two single letters joins, it does not separate."""
    def letter(j: int) -> bool:
        return 0 <= j < len(cell) and cell[j].isalpha()
    return letter(i - 1) and not letter(i - 2) and letter(i + 1) and not letter(i + 2)


def best_segmentation(n: int, value: Callable[[int, int], float | None], max_len: int) -> list[tuple[int, int]]:
    """Split range(n) into spans maximising the summed value, then fewest spans.

    value(i, j) is None when span i..j-1 is not allowed; single items are always allowed.
    Longer spans are tried first, so ties keep the longest match.
    """
    best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    choice = [n] * (n + 1)
    for i in range(n - 1, -1, -1):
        top: tuple[float, int] | None = None
        for j in range(min(n, i + max_len), i, -1):
            v = value(i, j)
            if v is None:
                if j - i > 1:
                    continue
                v = 0.0
            total = (v + best[j][0], best[j][1] - 1)
            if top is None or total > top:
                top, choice[i] = total, j
        assert top is not None  # j = i + 1 is always tried
        best[i] = top
    spans, i = [], 0
    while i < n:
        spans.append((i, choice[i]))
        i = choice[i]
    return spans


# ---- the registry's schema (pydantic: unknown keys, types and dates are refused) ------------

Validity = int | date | None  # a year (inclusive) or a day


def _first_day(v: Validity) -> date | None:
    return date(v, 1, 1) if isinstance(v, int) else v


def _last_day(v: Validity) -> date | None:
    return date(v, 12, 31) if isinstance(v, int) else v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Dated(_Strict):
    valid_from: Validity = None
    valid_to: Validity = None

    @model_validator(mode="after")
    def _ordered(self):
        for v in (self.valid_from, self.valid_to):
            if isinstance(v, int) and not 1900 <= v <= 2100:
                raise ValueError(f"validity year {v} is not a year")
        lo, hi = _first_day(self.valid_from), _last_day(self.valid_to)
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"valid_from {self.valid_from} after valid_to {self.valid_to}")
        return self


class EntityModel(_Dated):
    """One body (or group) of the registry, as written in the YAML files."""
    id: str = Field(pattern=_ID.pattern)
    name: str = Field(min_length=1)
    kind: str
    level: str
    is_group: bool = False
    aliases: list[str] = []
    successor: str | None = None
    category: str | None = None
    source: str | None = None  # defaults to the file's `source`
    note: str | None = None


class PlaceModel(_Dated):
    id: str = Field(pattern=_ID.pattern)
    name: str = Field(min_length=1)
    type: Literal["tỉnh", "thành phố"]
    aliases: list[str] = []
    merged_into: str | None = None
    source: str | None = None
    note: str | None = None


class LexiconModel(_Strict):
    abbreviations: dict[str, str] = {}
    qualifier_starts: list[str] = []
    role_prefixes: list[str] = []
    head_words: list[str] = []
    bare_heads: list[str] = []
    level_fragment_starts: list[str] = []
    level_words: list[str] = []
    centrally_run_cities: list[str] = []
    levels: list[str] = []
    kinds: list[str] = []
    categories: list[str] = []
    person_honorifics: list[str] = []
    person_titles: list[str] = []
    person_surnames: list[str] = []
    unit_heads: list[str] = []


class RegistryFileModel(_Strict):
    """The main file (version, lexicon, sources, include, places) or an included file."""
    version: str | None = None
    lexicon: LexiconModel | None = None
    include: list[str] = []
    places: str | list[PlaceModel] | None = None  # main file: a path; places file: the list
    sources: dict[str, str] = {}
    source: str | None = None  # default source key for this file's entities
    entities: list[EntityModel] = []


def _explain(err: ValidationError, where: str) -> ValueError:
    """A ValidationError as one readable ValueError (the messages the tests and users grep for)."""
    lines = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"])
        if e["type"] == "extra_forbidden":
            lines.append(f"{loc.rsplit('.', 1)[0]}: unknown keys [{str(e['loc'][-1])!r}]")
        elif e["type"] == "string_pattern_mismatch" and e["loc"][-1] == "id":
            lines.append(f"{loc}: id {e['input']!r} is not an ascii slug")
        else:
            lines.append(f"{loc}: {e['msg']} (got {e['input']!r})")
    return ValueError(f"{where}: " + "; ".join(lines))


def _parse_file(raw, where: str) -> RegistryFileModel:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping")
    try:
        return RegistryFileModel.model_validate(raw)
    except ValidationError as err:
        raise _explain(err, where) from None


def _yaml(path: Path):
    # libyaml's loader when built in: the pure-Python one takes most of the load time
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    except (yaml.YAMLError, ValueError) as err:  # ValueError: an impossible date ("2025-13-01")
        raise ValueError(f"{path}: {err}") from None


def read_registry_files(path: str | Path | None = None) -> tuple[dict, list[tuple[str, RegistryFileModel]]]:
    """The main file's raw mapping and every file of the registry, validated, in load order."""
    path = Path(path) if path is not None else DEFAULT_PATH
    raw = _yaml(path)
    if not isinstance(raw, dict) or "entities" not in raw and "include" not in raw or "version" not in raw:
        raise ValueError(f"{path}: expected a mapping with 'version' and 'entities' (or 'include')")
    main = _parse_file(raw, str(path))
    files = [(str(path), main)]
    for inc in main.include:
        sub = path.parent / inc
        model = _parse_file(_yaml(sub), str(sub))
        if model.version or model.lexicon or model.include or model.sources:
            raise ValueError(f"{sub}: an included file holds entities only (and a default source)")
        files.append((str(sub), model))
    if isinstance(main.places, str):
        sub = path.parent / main.places
        files.append((str(sub), _parse_file(_yaml(sub), str(sub))))
    return raw, files


# ---- the registry ----------------------------------------------------------------------

class AgencyRegistry:
    """Canonical agencies (with validity and sources), places, and the resolver for Chủ trì / Phối hợp cells."""

    def __init__(self, version: str, agencies: list[Agency], index: dict[str, tuple[str, ...]],
                 keys: _Keys, lexicon: _Lexicon, max_alias_pieces: int, province: str | None,
                 places: list[Place] | None = None, templates: dict[str, str] | None = None,
                 sources: dict[str, str] | None = None, cities: frozenset[str] = frozenset()):
        self._version = version
        self._agencies = {a.id: a for a in agencies}
        self._index = index
        self._keys = keys
        self._lex = lexicon
        self._province = province
        self._places = {p.id: p for p in places or ()}
        self._templates = templates or {}
        self._sources = dict(sources or {})
        self._cities = cities
        # folded place name -> place ids (a name may have an old and a new place)
        self._place_index: dict[str, tuple[str, ...]] = {}
        for pl in self._places.values():
            for n in (pl.name, *pl.aliases):
                k = self._keys.key(n)
                self._place_index[k] = (*self._place_index.get(k, ()), pl.id)
        self._own_places = set(self._place_index.get(self._keys.key(province), ())) if province else set()
        self._max_place_words = max((len(k.split()) for k in self._place_index), default=0)
        self._derived: dict[str, Agency] = {}
        # A name spans at most this many pieces; a qualifier may add a couple more
        # ("được giao quản lý, vận hành hệ thống thông tin"), a list of places several.
        self._max_span = max_alias_pieces + 6
        self._max_words = max((len(k.split()) for k in index), default=1) + 2
        self._choices = list(index)
        # first words a name (or an office holder's role) can start with: other texts match nothing
        self._first_words = frozenset(k.split(" ", 1)[0] for k in (*index, *lexicon.role_prefixes))
        self._choices_plain = [_deaccent(c) for c in self._choices]
        self._span_cache: dict[str, _Span] = {}
        self._fuzzy_cache: dict[str, tuple[str | None, float]] = {}
        self._cell_cache: dict[tuple, tuple[Mention, ...]] = {}

    # -- loading --------------------------------------------------------------------------

    @classmethod
    def load(cls, province: str | None = None, path: str | Path | None = None) -> AgencyRegistry:
        """Read the YAML registry (the main file and the files it includes); `province`
        ("Hưng Yên") fills the {province} templates."""
        raw, files = read_registry_files(path)
        return cls._build(files, province)

    @classmethod
    def from_data(cls, raw: dict, province: str | None = None) -> AgencyRegistry:
        """A registry from one mapping (no includes)."""
        model = _parse_file(raw, "registry")
        if model.include or isinstance(model.places, str):
            raise ValueError("from_data takes one mapping; use load() for a registry split into files")
        return cls._build([("registry", model)], province)

    @classmethod
    def _build(cls, files: list[tuple[str, RegistryFileModel]], province: str | None) -> AgencyRegistry:
        main = files[0][1]
        lex_m = main.lexicon or LexiconModel()
        keys = _Keys(lex_m.abbreviations)
        lexicon = _Lexicon(
            qualifier_starts=frozenset(keys.key(q) for q in lex_m.qualifier_starts),
            role_prefixes=frozenset(keys.key(r) for r in lex_m.role_prefixes),
            head_words=frozenset(keys.key(h) for h in lex_m.head_words),
            bare_heads=frozenset(keys.key(b) for b in lex_m.bare_heads),
            level_fragment_starts=frozenset(keys.key(s) for s in lex_m.level_fragment_starts),
            level_words=frozenset(keys.key(s) for s in lex_m.level_words),
            honorifics=frozenset(fold(h) for h in lex_m.person_honorifics),
            titles=frozenset(keys.key(x) for x in lex_m.person_titles),
            surnames=frozenset(fold(s) for s in lex_m.person_surnames),
            unit_heads=frozenset(keys.key(u) for u in lex_m.unit_heads))
        province = _clean_province(province)
        cities = frozenset(fold(c) for c in lex_m.centrally_run_cities)
        is_city = province is not None and fold(province) in cities
        levels, kinds, categories = set(lex_m.levels), set(lex_m.kinds), set(lex_m.categories)
        sources = dict(main.sources)

        agencies: list[Agency] = []
        templates: dict[str, str] = {}
        # key -> [(priority, order, id)]: explicit names beat generated variants, then file order.
        entries: dict[str, list[tuple[int, int, str]]] = {}
        max_pieces = 1
        seen: set[str] = set()
        order = 0
        places: list[Place] = []
        for where, model in files:
            for pm in model.places if isinstance(model.places, list) else ():
                src = pm.source or model.source
                _check_source(src, sources, f"{where}: place {pm.id!r}")
                places.append(Place(pm.id, clean(pm.name), pm.type, tuple(clean(a) for a in pm.aliases),
                                    _first_day(pm.valid_from), _last_day(pm.valid_to), pm.merged_into, src))
            for e in model.entities:
                order += 1
                what = f"{where}: entity {e.id!r}"
                if e.id in seen:
                    raise ValueError(f"{what} appears twice")
                seen.add(e.id)
                if levels and e.level not in levels:
                    raise ValueError(f"{what}: unknown level {e.level!r}")
                if kinds and e.kind not in kinds:
                    raise ValueError(f"{what}: unknown kind {e.kind!r}")
                if e.category is not None and e.category not in categories:
                    raise ValueError(f"{what}: unknown category {e.category!r}")
                src = e.source or model.source
                _check_source(src, sources, what)
                templates[e.id] = e.name
                name = _fill(e.name, province, is_city) or _fill(_generic_name(e.name), None, is_city)
                assert name is not None
                explicit = [a for a in (_fill(x, province, is_city) for x in e.aliases) if a]
                if _PROVINCE in e.name and province is not None:
                    # "Báo tỉnh" is also printed, and is the name when no province is known
                    explicit.append(_fill(_generic_name(e.name), None, is_city) or "")
                generated = []
                if e.level == "tỉnh" and not e.is_group:
                    generated = _level_variants([name, *explicit], province, is_city, keys, lexicon.bare_heads)
                printed: list[str] = []
                for priority, texts in ((0, [name, *explicit]), (1, generated)):
                    for text in texts:
                        k = keys.key(text)
                        if not k:
                            raise ValueError(f"{what}: alias {text!r} has an empty key")
                        if text != name and text not in printed:
                            printed.append(text)
                        slot = entries.setdefault(k, [])
                        if all(aid != e.id for _, _, aid in slot):
                            slot.append((priority, order, e.id))
                        max_pieces = max(max_pieces, len(cell_to_pieces(clean(text))))
                agencies.append(Agency(
                    id=e.id, name=name, kind=e.kind, level=e.level, is_group=e.is_group,
                    aliases=tuple(printed), valid_from=_year(e.valid_from), valid_to=_year(e.valid_to),
                    successor_id=e.successor, starts=_first_day(e.valid_from), ends=_last_day(e.valid_to),
                    category=e.category, source=src))
        ids = {a.id for a in agencies}
        preds: dict[str, list[str]] = {}
        for a in agencies:
            if a.successor_id is not None:
                if a.successor_id not in ids:
                    raise ValueError(f"{a.id}: successor {a.successor_id!r} is not in the registry")
                preds.setdefault(a.successor_id, []).append(a.id)
        agencies = [_with(a, predecessor_ids=tuple(preds.get(a.id, ()))) if a.id in preds else a for a in agencies]
        place_ids = {p.id for p in places}
        if len(place_ids) != len(places):
            raise ValueError("a place id appears twice")
        for pl in places:
            if pl.merged_into is not None and pl.merged_into not in place_ids:
                raise ValueError(f"place {pl.id}: merged_into {pl.merged_into!r} is not a place")
        index = {k: tuple(aid for _, _, aid in sorted(v)) for k, v in entries.items()}
        return cls(str(main.version), agencies, index, keys, lexicon, max_pieces, province,
                   places, templates, sources, cities)


    # -- public API -------------------------------------------------------------------------

    @property
    def version(self) -> str:
        return self._version

    @property
    def province(self) -> str | None:
        return self._province

    @property
    def agencies(self) -> tuple[Agency, ...]:
        return tuple(self._agencies.values())

    @property
    def alias_count(self) -> int:
        """Distinct comparison keys (names, aliases and generated variants)."""
        return len(self._index)

    def __len__(self) -> int:
        return len(self._agencies)

    def get(self, agency_id: str) -> Agency:
        """A registry agency, or a derived one ("so-noi-vu--bac-ninh": Sở Nội vụ of Bắc Ninh)."""
        hit = self._agencies.get(agency_id) or self._derived.get(agency_id)
        if hit is not None:
            return hit
        base, _, pid = agency_id.partition(_DERIVED)
        if pid and base in self._agencies and pid in self._places:
            return self.derive(base, pid)
        raise KeyError(f"no agency with id {agency_id!r} in registry {self._version}")

    def derive(self, agency_id: str, place_id: str) -> Agency:
        """The provincial body `agency_id` of province `place_id` (another province than the
        registry's): id "<agency id>--<place id>", the name filled with the province."""
        did = f"{agency_id}{_DERIVED}{place_id}"
        hit = self._derived.get(did)
        if hit is not None:
            return hit
        a, pl = self._agencies[agency_id], self._places[place_id]
        raw = self._templates.get(agency_id, a.name)
        level = "thành phố" if pl.type == "thành phố" else "tỉnh"
        if _PROVINCE in raw:
            name = raw.replace(_PROVINCE, pl.name)
            if level != "tỉnh":
                name = _cityify(name)
        elif re.search(r"(?<![^\W_])tỉnh$", raw):
            name = f"{raw[:-len('tỉnh')]}{level} {pl.name}"
        else:
            name = f"{raw} {level} {pl.name}"
        def at(aid: str, pid: str) -> str:  # the registry's own province has the plain ids
            return aid if pid in self._own_places else f"{aid}{_DERIVED}{pid}"

        successor = None
        if a.successor_id is not None:
            successor = at(a.successor_id, place_id)
        elif pl.merged_into is not None:
            successor = at(agency_id, pl.merged_into)
        ends = min((d for d in (a.ends, pl.ends) if d), default=None)
        starts = max((d for d in (a.starts, pl.starts) if d), default=None)
        hit = self._derived[did] = _with(
            a, id=did, name=clean(name), aliases=(), successor_id=successor, starts=starts, ends=ends,
            valid_from=starts.year if starts else None, valid_to=ends.year if ends else None,
            predecessor_ids=(), place_id=place_id)
        return hit

    @property
    def places(self) -> tuple[Place, ...]:
        return tuple(self._places.values())

    @property
    def sources(self) -> dict[str, str]:
        return dict(self._sources)

    def place(self, place_id: str) -> Place:
        return self._places[place_id]

    def resolve_cell(self, text: str | None, year: int | None = None, min_score: float = 88.0) -> list[Mention]:
        """The bodies named in one Chủ trì / Phối hợp cell, in printed order.

        `year` (the plan's year) picks between bodies sharing a name over time ("Cục Thuế"
        is provincial until 2025, national after); a body that no longer exists still
        resolves and carries its successor. Mentions that match nothing are kept with
        agency_id None.
        """
        if not 0 <= min_score <= 100:
            raise ValueError(f"min_score must be within 0..100, got {min_score!r}")
        cell = clean(text).strip(_EDGE_PUNCT) if text else ""
        if not cell:
            return []
        cache_key = (cell, year, float(min_score))
        hit = self._cell_cache.get(cache_key)
        if hit is None:
            if len(self._cell_cache) > _CACHE_LIMIT:
                self._cell_cache.clear()
            hit = self._cell_cache[cache_key] = tuple(self._resolve(cell, year, float(min_score)))
        return list(hit)

    # -- the resolver, step by step ------------------------------------------------------------

    def _resolve(self, cell: str, year: int | None, min_score: float) -> list[Mention]:
        pieces = cell_to_pieces(cell)
        chunks = self._pieces_to_exact_chunks(cell, pieces)
        chunks = self._expand_shared_head(cell, chunks)
        chunks = self._split_runs_at_names(cell, chunks)
        chunks = self._match_leftovers_fuzzy(cell, chunks, min_score)
        chunks = self._attach_unknown_tails(cell, chunks, min_score)
        chunks = self._merge_unknown_runs(cell, chunks, min_score)
        chunks = self._expand_levels(chunks, min_score)
        chunks = self._attach_units(cell, chunks)
        return self._chunks_to_mentions(chunks, year)

    def _pieces_to_exact_chunks(self, cell: str, pieces: list[_Piece]) -> list[_Chunk]:
        """Group pieces into registry names: most pieces covered, then fewest chunks."""
        chunks: list[_Chunk] = []
        for part in _parts(pieces):
            def value(i: int, j: int) -> float | None:
                return 100.0 * (j - i) if self._exact(_text(cell, part, i, j)) else None
            for i, j in best_segmentation(len(part), value, self._max_span):
                chunk = _chunk(cell, part, i, j)
                self._apply(chunk, self._exact(chunk.text), 100.0)
                chunks.append(chunk)
        return chunks

    def _expand_shared_head(self, cell: str, chunks: list[_Chunk]) -> list[_Chunk]:
        """"Sở Y tế, Giáo dục và Đào tạo" and "Các Sở: Nội vụ, Tư pháp": the unknown items
        after a department take its head word ("Sở")."""
        for n, c in enumerate(chunks[:-1]):
            # "Các Bộ: Công an, Quốc phòng": after an introducer, "Công an" is "Bộ Công an" (not
            # the provincial police it would be alone)
            if c.matched or chunks[n + 1].sep_before != ":" or self._keys.key(c.text) not in _INTRODUCERS:
                continue
            word = c.text.split()[-1].capitalize()
            for d in chunks[n + 1:]:
                if d.part != chunks[n + 1].part:
                    break
                if d.matched and not d.expanded and self._exact(f"{word} {d.text}"):
                    d.cands, d.score, d.qualifier, d.place = (), None, None, None
        out: list[_Chunk] = []
        i = 0
        while i < len(chunks):
            run = _unmatched_run(chunks, i)
            if not run or not out:
                out.append(chunks[i])
                i += 1
                continue
            head, intro = self._shared_head(out[-1], run[0])
            if head is None:
                out.extend(run)
                i += len(run)
                continue
            pieces = [_Piece(c.start, c.end, c.part, c.sep_before) for c in run]

            def value(a: int, b: int) -> float | None:
                return 100.0 * (b - a) if self._exact(f"{head} {_text(cell, pieces, a, b)}") else None

            expanded = []
            for a, b in best_segmentation(len(pieces), value, self._max_span):
                chunk = _chunk(cell, pieces, a, b)
                found = self._exact(f"{head} {chunk.text}")
                if found:
                    chunk.text, chunk.expanded = f"{head} {chunk.text}", True
                    self._apply(chunk, found, 100.0)
                expanded.append(chunk)
            if intro and any(c.matched for c in expanded):
                out.pop()  # "Các Sở:" only introduced the list
            out.extend(expanded)
            i += len(run)
        return out

    def _match_leftovers_fuzzy(self, cell: str, chunks: list[_Chunk], min_score: float) -> list[_Chunk]:
        """Runs of unknown pieces: regroup them by fuzzy match (OCR damage, missing "và")."""
        out: list[_Chunk] = []
        i = 0
        while i < len(chunks):
            run = _unmatched_run(chunks, i, stop=self._is_elliptical)
            if not run:
                out.append(chunks[i])
                i += 1
                continue
            pieces = [_Piece(c.start, c.end, c.part, c.sep_before) for c in run]

            def value(a: int, b: int) -> float | None:
                _, score, _ = self._fuzzy(_text(cell, pieces, a, b))
                if score >= min_score:
                    return score * (b - a)
                return None

            for a, b in best_segmentation(len(pieces), value, self._max_span):
                chunk = _chunk(cell, pieces, a, b)
                cands, score, qualifier = self._fuzzy(chunk.text)
                if score >= min_score:
                    self._apply(chunk, (cands, qualifier), score)
                else:
                    chunk.score = score
                out.append(chunk)
            i += len(run)
        return out

    def _attach_unknown_tails(self, cell: str, chunks: list[_Chunk], min_score: float) -> list[_Chunk]:
        """"Sở Văn hoá, Thể thao và Du lich": exact matching took "Sở Văn hoá, Thể thao" (another
        department) and left "Du lich"; an unknown item that does not start like a new body
        joins the name before it when the whole still matches."""
        out: list[_Chunk] = []
        for c in chunks:
            prev = out[-1] if out else None
            if (prev is not None and prev.matched and not prev.expanded and not c.matched and not c.expanded
                    and prev.part == c.part and c.sep_before in {",", "và", "-"}
                    and not self._keys.starts_with(c.text, self._lex.head_words) and not self._is_elliptical(c)):
                merged = _Chunk(prev.start, c.end, prev.part, prev.sep_before, cell[prev.start:c.end])
                cands, score, qualifier = self._fuzzy(merged.text)
                # Only when the tail turns the name into another body: "Sở Thông tin và Truyền
                # thông, Viettel Hưng Yên" still reads as Sở Thông tin và Truyền thông.
                if score >= min_score and cands[0] != prev.cands[0]:
                    self._apply(merged, (cands, qualifier), score)
                    out[-1] = merged
                    continue
            out.append(c)
        return out

    def _merge_unknown_runs(self, cell: str, chunks: list[_Chunk], min_score: float) -> list[_Chunk]:
        """An unknown name with a comma inside ("Hội đồng phối hợp phổ biến, giáo dục pháp luật
        tỉnh") stays one mention: an unknown item continues the unknown one before when it starts
        in lower case (or follows a spaced dash) and not like a new body. Capitalised items stay
        apart: "Viettel Hưng Yên, VNPT Hưng Yên" are two bodies."""
        out: list[_Chunk] = []
        for c in chunks:
            prev = out[-1] if out else None
            if (prev is not None and not prev.matched and not c.matched and not prev.expanded and not c.expanded
                    and prev.part == c.part and c.sep_before in {",", "và", "-"}
                    and (c.sep_before == "-" or is_lower_start(c.text))
                    and not self._keys.starts_with(c.text, self._lex.head_words)
                    and not self._is_bare_head(c) and not self._is_bare_head(prev)
                    # "các xã" + "phường" + "thị trấn", but never "cấp huyện" + "cấp xã"
                    and (self._is_level_word(c) if self._is_level_fragment(prev) else not self._is_level_fragment(c))):
                merged = _Chunk(prev.start, c.end, prev.part, prev.sep_before, cell[prev.start:c.end])
                cands, score, qualifier = self._fuzzy(merged.text)
                if score >= min_score and not self._is_level_fragment(merged):
                    self._apply(merged, (cands, qualifier), score)
                else:
                    merged.score = score
                out[-1] = merged
            else:
                out.append(c)
        return out

    def _expand_levels(self, chunks: list[_Chunk], min_score: float) -> list[_Chunk]:
        """"UBND cấp huyện, cấp xã" -> + "UBND cấp xã"; "HĐND, UBND cấp huyện" -> "HĐND cấp huyện"."""
        for n, c in enumerate(chunks):
            if c.matched:
                continue
            phrase = None
            if self._is_level_fragment(c) and n > 0:
                m = _LEVEL_WORD.search(chunks[n - 1].text)
                if m and m.start() > 0:
                    phrase = f"{chunks[n - 1].text[:m.start()]} {c.text}"
            elif self._is_bare_head(c) and n + 1 < len(chunks):
                m = _LEVEL_WORD.search(chunks[n + 1].text)
                if m:
                    phrase = f"{c.text} {chunks[n + 1].text[m.end():]}"
            if phrase is None:
                continue
            found = self._exact(phrase)
            score = 100.0
            if not found:
                cands, score, qualifier = self._fuzzy(phrase)
                found = (cands, qualifier, None) if score >= min_score else None
            if found:
                c.text, c.expanded = phrase, True
                self._apply(c, found, score)
        return chunks

    def _attach_units(self, cell: str, chunks: list[_Chunk]) -> list[_Chunk]:
        """A unit named with its body is the body, the unit kept as sub-unit: "Cục An toàn thông
        tin (Bộ TT&TT)", "Cục Kiểm soát thủ tục hành chính thuộc Văn phòng Chính phủ", "Vụ Pháp
        chế - Bộ Tư pháp" (not after a comma: "Ban X, Sở Y" may be two bodies). Only an unknown
        text starting with a unit word (lexicon unit_heads) joins, and only a single body."""
        out: list[_Chunk] = []
        for c in chunks:
            if c.matched or not self._is_unit(c.text):
                out.append(c)
                continue
            found = None
            for p in _PAREN.findall(c.text):  # "Cục X (Bộ Y)"
                found = found or self._single_body(p)
                if found:
                    unit = _PAREN.sub("", c.text).strip(_EDGE_PUNCT)
            m = _BELONGS.search(c.text)
            if found is None and m:  # "Cục X thuộc Bộ Y"
                found = self._single_body(c.text[m.end():])
                unit = c.text[:m.start()].strip(_EDGE_PUNCT)
            if found:
                c.cands, c.qualifier, c.place, c.score, c.unit = found[0], None, found[2], 100.0, unit
            out.append(c)
        # "Vụ Pháp chế - Bộ Tư pháp", "Cục X, Bộ Y": the unknown unit before a body
        merged: list[_Chunk] = []
        for c in out:
            prev = merged[-1] if merged else None
            if (prev is not None and not prev.matched and c.matched and not c.expanded and c.part == prev.part
                    and c.sep_before in {"-", ""} and self._is_unit(prev.text)
                    and len(c.cands) and not self._agencies[c.cands[0]].is_group
                    and self._agencies[c.cands[0]].level in {"trung ương", "tỉnh"} and c.qualifier is None):
                unit = _OF_TAIL.sub("", prev.text.strip(_EDGE_PUNCT))
                c = _Chunk(prev.start, c.end, prev.part, prev.sep_before, cell[prev.start:c.end], c.cands, c.score,
                           None, c.parens, False, c.place, unit)
                merged[-1] = c
                continue
            merged.append(c)
        return merged

    def _is_unit(self, text: str) -> bool:
        return text[:1].isupper() and self._keys.starts_with(text, self._lex.unit_heads)

    def _single_body(self, text: str):
        found = self._exact(text.strip(_EDGE_PUNCT))
        if found and not self._agencies[found[0][0]].is_group:
            return found
        return None

    def _split_runs_at_names(self, cell: str, chunks: list[_Chunk]) -> list[_Chunk]:
        """Names printed with no separator ("Bộ Thông tin và Truyền thông Bộ Khoa học và Công
        nghệ"): an unknown run is re-cut at word boundaries into registry names, longest match
        first. Kept only when what is left over starts like a new body (or is a bare "và")."""
        out: list[_Chunk] = []
        i = 0
        while i < len(chunks):
            run = _unmatched_run(chunks, i, stop=self._is_elliptical)
            if not run:
                out.append(chunks[i])
                i += 1
                continue
            split = self._split_words(cell, run)
            prev = out[-1] if out else None
            if split is None and prev is not None and prev.matched and prev.part == run[0].part and not prev.expanded:
                # "Các bộ, ngành, địa phương Bộ Nội vụ": the name before took too little
                wider = self._split_words(cell, [prev, *run])
                if wider is not None and all(c.matched for c in wider):
                    out.pop()
                    split = wider
            nxt = chunks[i + len(run)] if i + len(run) < len(chunks) else None
            if nxt is not None and nxt.matched and nxt.part == run[0].part and not nxt.expanded:
                # "Bộ Nội vụ Các bộ, ngành, địa phương": "địa phương" alone is a name, but the
                # longer one ends there: fewer names covering the same words win
                wider = self._split_words(cell, [*run, nxt])
                if wider is not None and all(c.matched for c in wider) and len(wider) < len(split or run) + 1:
                    out.extend(wider)
                    i += len(run) + 1
                    continue
            out.extend(split or run)
            i += len(run)
        return out

    def _split_words(self, cell: str, run: list[_Chunk]) -> list[_Chunk] | None:
        a, b = run[0].start, run[-1].end
        if self._person(cell[a:b].strip(_EDGE_PUNCT))[0]:  # "Đồng chí Phó Chủ tịch UBND tỉnh"
            return None
        words = [(a + m.start(), a + m.end()) for m in _WORD.finditer(cell[a:b])]
        if len(words) < 2 or not any(cell[s:e][:1].isupper() for s, e in words[1:]):
            return None

        def text(i: int, j: int) -> str:
            return cell[words[i][0]:words[j - 1][1]].strip(_EDGE_PUNCT)

        def value(i: int, j: int) -> float | None:
            if not cell[words[i][0]:words[i][1]][:1].isupper():
                return None
            t = text(i, j)
            return 100.0 * (j - i) if t and self._exact(t) else None

        spans = best_segmentation(len(words), value, self._max_words)
        out: list[_Chunk] = []
        pending: list[int] = []  # word indices not in a name
        sep = run[0].sep_before

        def flush() -> bool:
            nonlocal sep
            if not pending:
                return True
            t = text(pending[0], pending[-1] + 1)
            bare = t.strip(" ,;").lower()
            pending.clear()
            if bare in {"", "và", "cùng", "với", "cùng với"}:
                sep = "và" if bare == "và" else ","
                return True
            if not (t[:1].isupper() and self._keys.starts_with(t, self._lex.head_words)):
                return False
            return True

        named = False
        for i, j in spans:
            found = self._exact(text(i, j)) if value(i, j) else None
            if not found:
                pending.extend(range(i, j))
                continue
            lead = pending[:]
            if not flush():
                return None
            if lead and cell[words[lead[0]][0]:words[lead[-1]][1]].strip(" ,;").lower() not in {"và", "cùng", "với", "cùng với", ""}:
                out.append(_Chunk(words[lead[0]][0], words[lead[-1]][1], run[0].part, sep,
                                  cell[words[lead[0]][0]:words[lead[-1]][1]].strip(_EDGE_PUNCT)))
                sep = ""
            s, e = words[i][0], words[j - 1][1]
            chunk = _Chunk(s, e, run[0].part, sep, cell[s:e].strip(_EDGE_PUNCT))
            self._apply(chunk, found, 100.0)
            out.append(chunk)
            named, sep = True, ""
        if pending:
            lead = pending[:]
            if not flush():
                return None
            rest = cell[words[lead[0]][0]:words[lead[-1]][1]].strip(_EDGE_PUNCT)
            if rest.strip(" ,;").lower() not in {"và", "cùng", "với", "cùng với", ""}:
                out.append(_Chunk(words[lead[0]][0], words[lead[-1]][1], run[0].part, sep, rest))
        return out if named else None

    def _chunks_to_mentions(self, chunks: list[_Chunk], year: int | None) -> list[Mention]:
        mentions: list[Mention] = []
        seen: set[tuple] = set()
        for c in chunks:
            text = c.text.strip(_EDGE_PUNCT)
            if not c.matched and (ref := self._province_tail(text)) is not None:
                # a bare province list: more places of the group before ("Các địa phương: Hà Nội,
                # Hải Phòng"), else the provinces' people's committees ("Thành phố Hồ Chí Minh")
                last = mentions[-1] if mentions else None
                if last is not None and last.kind == "group":
                    ids = tuple(self._pick_place(i, year) for _, i in ref.items)
                    place = f"{last.place}, {ref.text}" if last.place else ref.text
                    mentions[-1] = _replace(last, place=place, place_ids=last.place_ids + ids)
                    continue
                ubnd = self._agencies.get("ubnd-tinh")
                if ubnd is not None:
                    for item, ids in ref.items:
                        pid = self._pick_place(ids, year)
                        a = ubnd if pid in self._own_places else self.derive(ubnd.id, pid)
                        mentions.append(Mention(item, a.id, a.name, a.kind, a.level, False, 100.0, None, None,
                                                kind="agency", place=item, place_ids=(pid,)))
                    continue
            if not c.matched:
                is_person, body, title = self._person(text)
                if is_person:
                    if body:
                        a = self._pick(body, year)
                        mentions.append(Mention(text, a.id, a.name, a.kind, a.level, False, 100.0, title, None,
                                                kind="person"))
                    else:
                        mentions.append(Mention(text, None, None, None, None, False, 0.0, title, None, kind="person"))
                    continue
                score = c.score if c.score is not None else self._fuzzy(text)[1]
                mentions.append(Mention(text, None, None, None, None, False, round(score, 2), None, None))
                continue
            agency = self._pick(c.cands, year)
            qualifier, sub_unit = self._split_parens(c.parens if c.unit is None else (), c.qualifier, agency)
            if c.unit:
                sub_unit = c.unit
            for a, mtext, place, place_ids in self._placed(agency, text, c.place, year):
                identity = (a.id, qualifier, sub_unit, place)
                if identity in seen:  # "UBND cấp huyện, cấp huyện"
                    continue
                seen.add(identity)
                group = a.is_group or bool(c.place and c.place.every)  # "Sở Nội vụ các tỉnh": one per province
                mentions.append(Mention(mtext, a.id, a.name, a.kind, a.level, group, round(float(c.score or 0.0), 2),
                                        qualifier, sub_unit, kind="group" if group else "agency",
                                        place=place, place_ids=place_ids))
        return mentions

    def _placed(self, agency: Agency, text: str, ref: _PlaceRef | None, year: int | None):
        """(agency, text, place, place ids) for a matched chunk: a provincial body named with other
        provinces becomes one derived body per province ("Sở Nội vụ tỉnh Bắc Ninh"); a group keeps
        its places together; a district/commune name is only kept as the place."""
        if ref is None:
            return [(agency, text, None, ())]
        if ref.every or ref.local or agency.is_group:
            ids = tuple(self._pick_place(ids, year) for _, ids in ref.items if ids)
            return [(agency, text, ref.text, ids)]
        base = text[:len(text) - len(ref.text)].rstrip() if text.endswith(ref.text) else text
        prefix = _PROVINCE_PREFIX.match(ref.items[0][0])
        out = []
        for item, ids in ref.items:
            pid = self._pick_place(ids, year)
            a = agency if pid in self._own_places else self.derive(agency.id, pid)
            if len(ref.items) == 1:
                shown = text
            else:  # "UBND tỉnh Bắc Ninh, Bình Dương" -> "UBND tỉnh Bắc Ninh", "UBND tỉnh Bình Dương"
                lead = prefix.group(0) if prefix and not _PROVINCE_PREFIX.match(item) else ""
                shown = f"{base} {lead}{item}"
            out.append((a, shown, item, (pid,)))
        return out

    def _pick_place(self, ids: tuple[str, ...], year: int | None) -> str:
        if year is not None:
            for pid in ids:
                p = self._places[pid]
                if (p.starts is None or p.starts.year <= year) and (p.ends is None or year <= p.ends.year):
                    return pid
        return ids[0]

    # -- matching primitives ----------------------------------------------------------------------

    def _span(self, text: str) -> _Span:
        """Name/qualifier cuts of a stretch of text, longest name first. Parenthesised text is
        set aside; a qualifier starts at a qualifier word and never runs into a new body."""
        hit = self._span_cache.get(text)
        if hit is not None:
            return hit
        parens = tuple(p.strip() for p in _PAREN.findall(text) if p.strip())
        blank = _PAREN.sub(lambda m: " " * len(m.group()), text).replace("(", " ").replace(")", " ")
        words = [(m.start(), m.end()) for m in _WORD.finditer(blank)]
        wkeys = [self._keys.key(blank[a:b]) for a, b in words]
        cuts: list[_Cut] = []
        name = self._keys.key(blank)
        if name:
            cuts.append(_Cut(name, None))
        for k in range(len(words) - 1, 0, -1):
            if not wkeys[k]:
                continue
            tail = " ".join(w for w in wkeys[k:] if w).split()
            if not any(" ".join(tail[:n]) in self._lex.qualifier_starts for n in range(1, min(3, len(tail)) + 1)):
                continue
            qualifier = text[words[k][0]:].strip(_EDGE_PUNCT)
            if self._runs_into_new_body(qualifier):
                continue
            name = self._keys.key(blank[:words[k - 1][1]])
            if name:
                cuts.append(_Cut(name, qualifier))
        cuts.extend(self._place_cuts(text, blank, words))
        cuts.extend(self._role_cuts(text, words, wkeys))
        if len(self._span_cache) > _CACHE_LIMIT:
            self._span_cache.clear()
        hit = self._span_cache[text] = _Span(tuple(cuts), parens)
        return hit

    def _role_cuts(self, text: str, words: list[tuple[int, int]], wkeys: list[str]) -> list[_Cut]:
        """"Giám đốc Sở Nội vụ", "Thủ trưởng các sở, ban, ngành tỉnh": the office holder stands
        for the body; the role is kept as the qualifier. Tried after the whole text, so a
        registry entry for the role itself ("Chủ tịch UBND tỉnh") wins."""
        for n in range(1, min(3, len(words) - 1) + 1):
            if " ".join(w for w in wkeys[:n] if w) in self._lex.role_prefixes:
                role = text[:words[n - 1][1]]
                return [c._replace(qualifier=f"{role}; {c.qualifier}" if c.qualifier else role)
                        for c in self._span(text[words[n][0]:]).cuts]
        return []

    # -- places printed after a name --------------------------------------------------------------

    def _place_cuts(self, text: str, blank: str, words: list[tuple[int, int]]) -> list[_Cut]:
        """"Sở Nội vụ tỉnh Bắc Ninh", "các địa phương Bắc Ninh, Bình Dương", "UBND huyện Văn Lâm",
        "Huyện ủy Văn Lâm": a registry name followed by places. A province must be a registry
        place and the body a provincial one (or a group); a district or commune name is kept as
        printed after a level word ("huyện", "xã", ...) or after a district/commune body."""
        out: list[_Cut] = []
        last = blank.split()[-1:] or [""]
        # a place name ends the text, or "các tỉnh, thành phố (trực thuộc Trung ương)"
        if not (last[0][:1].isupper() or last[0][:1].isdigit() or fold(last[0]) in _EVERY_LAST):
            return out
        # longest place first: "UBND | huyện Văn Lâm", not "UBND huyện | Văn Lâm"
        for k in range(max(1, len(words) - 14), len(words)):
            tail = text[words[k][0]:].rstrip(_EDGE_PUNCT)
            first = blank[words[k][0]:words[k][1]]
            base = blank[:words[k - 1][1]]
            if _EVERY_PROVINCE.fullmatch(tail):
                every = _PlaceRef(tail, (), False, True)
                cut = self._place_cut([self._keys.key(base), self._keys.key(f"{base} tỉnh")], every,
                                      lambda a: a.level == "tỉnh" and not a.is_group)
                if cut is not None:
                    out.append(cut)
                    continue
            ref = self._province_tail(tail) if first[:1].isupper() or _PROVINCE_PREFIX.match(tail) else None
            if ref is not None:
                cut = self._place_cut(self._province_bases(base, ref), ref, lambda a: a.level == "tỉnh" or a.is_group)
                if cut is not None:
                    out.append(cut)
                    continue
            ref = self._local_tail(tail)
            if ref is not None:
                level_word = _level_word_at(tail)
                bases = [f"{base} {level_word}", f"{base} cấp {'xã' if level_word in _COMMUNE_WORDS else 'huyện'}",
                         base] if level_word else [base]
                cut = self._place_cut([self._keys.key(b) for b in bases], ref,
                                      lambda a: a.level in {"huyện", "xã"} or a.is_group)
                if cut is not None:
                    out.append(cut)
        return out

    def _place_cut(self, names: list[str], ref: _PlaceRef, ok: Callable[[Agency], bool]) -> _Cut | None:
        for name in names:
            cands = tuple(c for c in self._index.get(name, ()) if ok(self._agencies[c]))
            if cands:
                return _Cut(name, None, ref, cands)
        return None

    def _province_bases(self, base: str, ref: _PlaceRef) -> list[str]:
        """Keys a provincial body's name may take before a province: "Sở Nội vụ (tỉnh)", "Báo",
        "UBND thành phố" (a city) = "UBND tỉnh"."""
        k = self._keys.key(base)
        swapped = re.sub(r"(?<![^\W_])thành phố$", "tỉnh", k)
        out = [k, swapped, f"{k} tỉnh", f"{k} thành phố"]
        return list(dict.fromkeys(out))

    def _province_tail(self, tail: str) -> _PlaceRef | None:
        """"tỉnh Bắc Ninh", "Bắc Ninh, Bình Dương", "TP. Hồ Chí Minh và Hà Nội" -> the places, or None."""
        items = []
        for item in _LIST_SPLIT.split(tail):
            item = item.strip(_EDGE_PUNCT)
            if not item:
                return None
            ids = self._province_ids(item)
            if not ids:
                return None
            items.append((item, ids))
        return _PlaceRef(tail, tuple(items), False) if items else None

    def _province_ids(self, item: str) -> tuple[str, ...]:
        m = _PROVINCE_PREFIX.match(item)
        typ = None if m is None else ("tỉnh" if m.group(1).lower() == "tỉnh" else "thành phố")
        name = item[m.end():] if m else item
        if not name[:1].isupper():  # place names are proper nouns
            return ()
        ids = self._place_index.get(self._keys.key(name), ())
        return tuple(i for i in ids if typ is None or self._places[i].type == typ)

    def _local_tail(self, tail: str) -> _PlaceRef | None:
        """"huyện Văn Lâm", "xã Tân Lập, xã Hòa Bình", "phường 5", or a bare capitalised name list."""
        items = []
        for n, item in enumerate(_LIST_SPLIT.split(tail)):
            item = item.strip(_EDGE_PUNCT)
            words = item.split()
            if not words or len(words) > 6:
                return None
            lw = _level_word_at(item)
            name = words[len(lw.split()):] if lw else words
            if (n == 0 and not lw and not all(w[:1].isupper() for w in words)) or not name:
                return None
            if not all(w[:1].isupper() or w[:1].isdigit() for w in name):
                return None
            if n == 0 and not lw and self._keys.starts_with(item, self._lex.head_words):
                return None
            items.append((item, ()))
        return _PlaceRef(tail, tuple(items), True) if items else None

    # -- persons ---------------------------------------------------------------------------------

    def _person(self, text: str) -> tuple[bool, tuple[str, ...] | None, str | None]:
        """(is a person, candidate ids of the body named with the person, the title as printed).
        A person is an honorific ("Ông", "Đồng chí") and/or an office title, then a personal name
        (capitalised words, the first a family name when no honorific says so), or an honorific
        with an office ("Đồng chí Phó Chủ tịch UBND tỉnh")."""
        words = text.split()
        if not words or self._province_tail(text) is not None:  # "Hà Nội" is a place, not Mr Hà
            return False, None, None
        i = 0
        honorific = False
        for n in (2, 1):
            if len(words) >= n and fold(" ".join(words[:n])) in self._lex.honorifics:
                i, honorific = n, True
                break
        # the personal name: the longest run of capitalised words at the end (2..5 words, or 1
        # after an honorific), starting with a family name unless an honorific introduces it
        name_at = None
        for j in range(max(i, len(words) - 5), len(words)):
            run = words[j:]
            if not all(w[:1].isupper() for w in run):
                continue
            if fold(run[0]) in self._lex.surnames and len(run) >= 2 or (honorific and j == i):
                name_at = j
                break
        middle = " ".join(words[i:name_at if name_at is not None else len(words)])
        if name_at is None and not (honorific and middle):
            return False, None, None
        if not middle:
            return True, None, None
        title, body = self._title_and_body(middle)
        if title is None and body is None:
            return False, None, None
        return True, body, title

    def _title_and_body(self, middle: str) -> tuple[str | None, tuple[str, ...] | None]:
        words = middle.split()
        titled = False
        for n in range(min(4, len(words)), 0, -1):
            head = " ".join(words[:n])
            if self._keys.key(head) in self._lex.titles:
                titled = True
                rest = " ".join(words[n:])
                if not rest:
                    return head, None
                found = self._exact(rest)
                if found:
                    return head, found[0]
        if titled:  # "Phó Giám đốc Ban X Nguyễn Văn A": a titled person, the body not known
            return middle, None
        found = self._exact(middle)
        return (None, found[0]) if found else (None, None)

    def _runs_into_new_body(self, qualifier: str) -> bool:
        items = cell_to_pieces(qualifier)
        if any(self._keys.starts_with(qualifier[p.start:p.end], self._lex.head_words) for p in items[1:]):
            return True
        # "trực thuộc Trung ương Bộ Tư pháp": a registry name printed on without a separator
        for m in _WORD.finditer(qualifier):
            if m.start() and m.group()[:1].isupper() and self._keys.starts_with(m.group(), self._lex.head_words):
                if self._index.get(self._keys.key(qualifier[m.start():])):
                    return True
        return False

    def _exact(self, text: str) -> tuple[tuple[str, ...], str | None, _PlaceRef | None] | None:
        """(candidate ids, qualifier, place) when the text is a registry name, optionally
        qualified or followed by a place."""
        if "(" not in text:  # the common case: the whole text is a name
            cands = self._index.get(self._keys.key(text))
            if cands:
                return cands, None, None
        if self._keys.key(text).split(" ", 1)[0] not in self._first_words:
            return None  # every cut's name starts where the text starts
        for cut in self._span(text).cuts:
            cands = cut.cands or self._index.get(cut.name)
            if cands:
                return cands, cut.qualifier, cut.place
        return None

    def _fuzzy(self, text: str) -> tuple[tuple[str, ...], float, str | None]:
        """Best (candidate ids, score, qualifier) over the text's name cuts; ids () if none."""
        best: tuple[tuple[str, ...], float, str | None] = ((), 0.0, None)
        for cut in self._span(text).cuts:
            if cut.cands is not None:  # a place cut: its name was matched exactly
                continue
            key, score = self._fuzzy_key(cut.name)
            if key is not None and score > best[1]:
                best = (self._index[key], score, cut.qualifier)
        return best

    def _fuzzy_key(self, name: str) -> tuple[str | None, float]:
        """Closest registry key. The score averages the ratio with and without tone marks
        (OCR drops marks: "Sở Y tê"), but never falls below the plain ratio."""
        hit = self._fuzzy_cache.get(name)
        if hit is not None:
            return hit
        plain = _deaccent(name)
        candidates = set()
        for query, choices in ((name, self._choices), (plain, self._choices_plain)):
            found = process.extractOne(query, choices, scorer=fuzz.ratio, processor=None)
            if found is not None:
                candidates.add(found[2])
        best: tuple[str | None, float] = (None, 0.0)
        for idx in sorted(candidates):
            marked = fuzz.ratio(name, self._choices[idx])
            score = max(marked, (marked + fuzz.ratio(plain, self._choices_plain[idx])) / 2)
            if score > best[1]:
                best = (self._choices[idx], score)
        if len(self._fuzzy_cache) > _CACHE_LIMIT:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[name] = best
        return best

    def _apply(self, chunk: _Chunk, found, score: float) -> None:
        if not found or not found[0]:
            return
        chunk.cands, chunk.qualifier = found[0], found[1]
        chunk.place = found[2] if len(found) > 2 else None
        chunk.score = score
        chunk.parens = self._span(chunk.text).parens if "(" in chunk.text else ()

    def _pick(self, cands: tuple[str, ...], year: int | None) -> Agency:
        """The first candidate that existed in `year`; else the first."""
        if year is not None:
            for aid in cands:
                if self._agencies[aid].valid_in(year):
                    return self._agencies[aid]
        return self._agencies[cands[0]]

    def _split_parens(self, parens: tuple[str, ...], qualifier: str | None, agency: Agency) -> tuple[str | None, str | None]:
        """"Sở Nội vụ (Trung tâm lưu trữ lịch sử tỉnh)" names a sub-unit; "(nếu có)" qualifies;
        "(Sở TT&TT)" or "(PVHCC)" only repeats the name."""
        subs: list[str] = []
        quals: list[str] = [qualifier] if qualifier else []
        for p in parens:
            if re.fullmatch(r"[A-ZĐ&\-.,/ ]+", p) or agency.id in self._index.get(self._keys.key(p), ()):
                continue
            first = next((ch for ch in p if ch.isalpha()), "")
            (quals if first.islower() else subs).append(p)
        return ("; ".join(quals) or None), ("; ".join(subs) or None)

    def _shared_head(self, before: _Chunk, first: _Chunk) -> tuple[str | None, bool]:
        """(head word, whether `before` is a mere introducer like "Các Sở:")."""
        if first.sep_before not in {",", "và", ":", "/", "-"}:
            return None, False
        if before.matched and first.sep_before != ":":
            agency = self._agencies[before.cands[0]]
            if agency.kind in {"sở", "bộ"} and not agency.is_group:
                return before.text.split()[0], False
            return None, False
        key = self._keys.key(before.text)
        if not before.matched and first.sep_before == ":" and key in _INTRODUCERS:
            return before.text.split()[-1].capitalize(), True
        return None, False

    def _is_bare_head(self, c: _Chunk) -> bool:
        return self._keys.key(c.text) in self._lex.bare_heads

    def _is_level_word(self, c: _Chunk) -> bool:
        return self._keys.key(c.text) in self._lex.level_words

    def _is_level_fragment(self, c: _Chunk) -> bool:
        return self._is_level_word(c) or self._keys.starts_with(c.text, self._lex.level_fragment_starts)

    def _is_elliptical(self, c: _Chunk) -> bool:
        return self._is_bare_head(c) or self._is_level_fragment(c)


# ---- small helpers -----------------------------------------------------------------------

def _parts(pieces: list[_Piece]) -> list[list[_Piece]]:
    parts: list[list[_Piece]] = []
    for p in pieces:
        if not parts or parts[-1][-1].part != p.part:
            parts.append([])
        parts[-1].append(p)
    return parts


def _text(cell: str, pieces: list[_Piece], i: int, j: int) -> str:
    return cell[pieces[i].start:pieces[j - 1].end]


def _chunk(cell: str, pieces: list[_Piece], i: int, j: int) -> _Chunk:
    return _Chunk(pieces[i].start, pieces[j - 1].end, pieces[i].part, pieces[i].sep_before, _text(cell, pieces, i, j))


def _unmatched_run(chunks: list[_Chunk], i: int, stop: Callable[[_Chunk], bool] | None = None) -> list[_Chunk]:
    """Consecutive unmatched chunks of one part from i (empty if chunks[i] is matched)."""
    run: list[_Chunk] = []
    for c in chunks[i:]:
        if c.matched or c.expanded or (run and c.part != run[0].part) or (stop and stop(c)):
            break
        run.append(c)
    return run


def _clean_province(province: str | None) -> str | None:
    if not province:
        return None
    p = clean(province)
    return re.sub(r"^(tỉnh|thành phố|tp\.?)\s+", "", p, flags=re.IGNORECASE) or None


def _fill(text: str, province: str | None, is_city: bool) -> str | None:
    """A template with the province filled in; None when it needs one that is not known.
    Centrally-run cities say "thành phố" where provinces say "tỉnh"."""
    if _PROVINCE in text:
        if province is None:
            return None
        text = text.replace(_PROVINCE, province)
    if is_city:
        text = _cityify(text)
    return clean(text)


def _cityify(text: str) -> str:
    """A province's body as a centrally-run city's: "tỉnh" -> "thành phố", "Tỉnh ủy" -> "Thành ủy"."""
    text = re.sub(r"(?<![^\W_])Tỉnh (ủy|uỷ|đoàn)(?![^\W_])", r"Thành \1", text)
    return re.sub(r"(?<![^\W_])tỉnh(?![^\W_])", "thành phố", text)


def _generic_name(template: str) -> str:
    """"Báo {province}" -> "Báo tỉnh"; "Tỉnh ủy {province}" -> "Tỉnh ủy"."""
    base = clean(template.replace(_PROVINCE, ""))
    if not re.search(r"(?<![^\W_])tỉnh(?![^\W_])", base, re.IGNORECASE):
        base = f"{base} tỉnh"
    return base


def _level_variants(names: list[str], province: str | None, is_city: bool, keys: _Keys,
                    bare_heads: frozenset[str]) -> list[str]:
    """"Sở Nội vụ" is also printed "Sở Nội vụ tỉnh", "Sở Nội vụ tỉnh Hưng Yên"; "Công an tỉnh"
    also "Công an". Not for "Ủy ban nhân dân tỉnh": a bare "UBND" is an ellipsis."""
    level = "thành phố" if is_city else "tỉnh"
    out: list[str] = []
    for name in names:
        if province and province in name:
            continue
        if name.endswith(f" {level}"):
            base = name[: -len(level) - 1]
            # a one-word base ("Thuế") or a bare head ("Ủy ban nhân dân") names nothing alone
            strip = len(base.split()) > 1 and keys.key(base) not in bare_heads
            variants = [f"{name} {province}" if province else None, base if strip else None,
                        f"{base} {province}" if province and strip else None]
        else:
            variants = [f"{name} {level}", f"{name} {level} {province}" if province else None]
        out.extend(v for v in variants if v and v not in names and v not in out)
    return out


def _check_source(src: str | None, sources: dict[str, str], what: str) -> None:
    if sources and src is None:
        raise ValueError(f"{what}: no source (set `source:` on the entity or its file)")
    if sources and src not in sources:
        raise ValueError(f"{what}: source {src!r} is not in the registry's sources")


def _year(v: Validity) -> int | None:
    return v if isinstance(v, int) or v is None else v.year


def _replace(m: Mention, **changes) -> Mention:
    return Mention(**{**m.__dict__, **changes})


def _with(a: Agency, **changes) -> Agency:
    return Agency(**{**a.__dict__, **changes})


@lru_cache(maxsize=8)
def registry_for(province: str | None) -> AgencyRegistry:
    """The registry for a province, loaded once per process (loading takes ~80 ms)."""
    return AgencyRegistry.load(province=province)

"""Vietnamese post-correction of OCR text: fix what Tesseract typically gets wrong, only when sure.

Tesseract's Vietnamese model confuses tone marks that look alike at scan resolution (hỏi read
as sắc: "kiểm" → "kiếm", "bổ" → "bố", "thẩm" → "thấm"; "tỉnh" ↔ "tinh"), capital and small
letters of the same shape ("thường Xuyên", "Và"), serif capitals run together ("TTHC" →
"'LLHC", "1'1HC"; "Quý II" → "Quý 11"). Each correction here is one of:

  quarter      "Quý 1/2022", "Quý 11/2022", "Quý IH" → the Roman numeral a quarter must be
  acronym      a token that is not a word, whose I/T/L/1/'-look-alike strokes match exactly one
               acronym of the lexicon ("'LLHC" → "TTHC"); two tokens may join ("1 1HC")
  marks        a word whose letters without marks (the skeleton: "kiem") match lexicon words,
               one of which a bigram model of the lexicon prefers beside these neighbours by a
               wide margin, no neighbour preferring the word as read ("kiếm tra" → "kiểm tra",
               "UBND tinh" → "UBND tỉnh", but "tinh giản" stays); or, without context, a word
               that is neither in the lexicon nor a Vietnamese syllable (underthesea's word
               list), read with low confidence, whose skeleton has one frequent entry
  case         a capital c/o/s/v/w/x/z (same shape as the small letter) inside a sentence,
               where the lexicon prints the word in small letters

The lexicon (normalizers/data/ocr_lexicon.tsv) is a word and bigram frequency list built from
plan wording (the shared seed plan), the header vocabulary and the agency registry:
    python -m normalizers.ocr_correct build [--seed PATH]
Raw OCR text is always kept beside the corrected text (extractors/ocr.py, OcrCell.raw).
"""
from __future__ import annotations

import argparse
import functools
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).with_name("data") / "ocr_lexicon.tsv"

LOW_CONFIDENCE = 85.0  # below this Tesseract word confidence, a word may be corrected without context
MIN_COUNT = 2  # a lexicon word seen fewer times never replaces anything without context
SMOOTHING = 0.5  # add-α smoothing of the unigram model
DIRICHLET = 2.0  # weight of the unigram model in each smoothed bigram probability
STRONG_BIGRAM = 5  # a bigram seen this often (and in STRONG_SHARE of its word's uses) is evidence on its own
STRONG_SHARE = 0.1
MARKS_MARGIN = 4.0  # log-likelihood margin (a factor of ~55) for a context-based mark correction
SHAPE_CASE_LETTERS = set("cosvwxzCOSVWXZ")  # capital and small letter differ only in size
_EDGE = re.compile(r"^([^\w]*)(.*?)([^\w]*)$", re.UNICODE)
_QUARTER = re.compile(r"^([0-9IVlH|!]{1,4})((?:/\d{4})?)$")
_QUARTERS = {"I", "II", "III", "IV"}
_ACRONYM_LOOKALIKE = str.maketrans({c: "1" for c in "TIL1l|!J"})
_SENTENCE_END = (".", ";", ":", "!", "?")
_LONE_DASHES = {"-", "–", "—", "_", "~"}


def skeleton(word: str) -> str:
    """Lower case, without any mark: "Kiểm" → "kiem", "đường" → "duong", "ưu" → "uu"."""
    d = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in d if not unicodedata.combining(c)).replace("đ", "d")


def _acronym_key(token: str) -> str:
    return re.sub(r"['’‘`´\"“”.,]", "", token).translate(_ACRONYM_LOOKALIKE)


def _is_acronym(word: str) -> bool:
    return sum(c.isupper() for c in word) >= 2 and not any(c.islower() for c in word[1:-1])


# ---- the lexicon -----------------------------------------------------------------------------

@dataclass
class Lexicon:
    words: Counter = field(default_factory=Counter)  # word as printed (case kept) → count
    bigrams: Counter = field(default_factory=Counter)  # (word, word) as printed → count

    def __post_init__(self):
        self.lower: Counter = Counter()
        self.by_skeleton: dict[str, set[str]] = {}
        self.acronyms: dict[str, set[str]] = {}
        self.left: Counter = Counter()  # (skeleton of previous word, word) → count, word lower case
        self.right: Counter = Counter()  # (word, skeleton of next word) → count
        self.exact: Counter = Counter()  # (word, word), lower case → count
        for w, n in self.words.items():
            self.lower[w.lower()] += n
            self.by_skeleton.setdefault(skeleton(w), set()).add(w.lower())
            if _is_acronym(w):
                self.acronyms.setdefault(_acronym_key(w), set()).add(w)
        for (a, b), n in self.bigrams.items():
            self.left[(skeleton(a), b.lower())] += n
            self.right[(a.lower(), skeleton(b))] += n
            self.exact[(a.lower(), b.lower())] += n

    def support(self, prev: str | None, word: str, nxt: str | None) -> int:
        """How often the lexicon saw `word` beside these neighbours. A neighbour the lexicon knows
        is compared as it is; an unknown one (perhaps misread itself) by its skeleton."""
        s = 0
        if prev:
            p = prev.lower()
            s += self.exact[(p, word)] if p in self.lower else self.left[(skeleton(p), word)]
        if nxt:
            n = nxt.lower()
            s += self.exact[(word, n)] if n in self.lower else self.right[(word, skeleton(n))]
        return s

    def cased(self, word: str) -> Counter:
        """Counts of each printed case form of `word`."""
        return Counter({w: n for w, n in self.words.items() if w.lower() == word.lower()})

    # -- file format: "w<TAB>word<TAB>count" and "b<TAB>word<TAB>word<TAB>count" --
    def dump(self, path: Path) -> None:
        rows = ["# OCR post-correction lexicon: word and bigram counts (python -m normalizers.ocr_correct build)"]
        rows += [f"w\t{w}\t{n}" for w, n in sorted(self.words.items(), key=lambda kv: (-kv[1], kv[0]))]
        rows += [f"b\t{a}\t{b}\t{n}" for (a, b), n in sorted(self.bigrams.items(), key=lambda kv: (-kv[1], kv[0]))]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DATA) -> Lexicon:
        words: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if parts[0] == "w" and len(parts) == 3:
                words[parts[1]] = int(parts[2])
            elif parts[0] == "b" and len(parts) == 4:
                bigrams[(parts[1], parts[2])] = int(parts[3])
        return cls(words, bigrams)


@functools.lru_cache(maxsize=1)
def dictionary_syllables() -> frozenset[str]:
    """Every syllable of underthesea's Vietnamese word list (Viet74K, installed with underthesea);
    empty when that file is not there."""
    try:
        import underthesea

        path = Path(underthesea.__file__).with_name("corpus") / "data" / "Viet74K.txt"
        text = path.read_text(encoding="utf-8")
    except (ImportError, OSError):
        return frozenset()
    return frozenset(unicodedata.normalize("NFC", text).lower().split())


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.load(DATA)


def _split_edges(token: str) -> tuple[str, str, str]:
    m = _EDGE.match(token)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", token, "")


def text_to_lexicon(texts: list[str]) -> Lexicon:
    """Word and bigram counts of running text; bigrams do not cross . ; : ( ) or line ends."""
    words: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for line in unicodedata.normalize("NFC", text).splitlines():
            prev = None
            for token in line.split():
                lead, core, trail = _split_edges(token)
                if lead and any(c in "(\"“" for c in lead):
                    prev = None
                if not core or not any(c.isalpha() for c in core):
                    prev = None
                    continue
                words[core] += 1
                if prev is not None:
                    bigrams[(prev, core)] += 1
                prev = None if any(c in ".;:()\"”" for c in trail) else core
    return Lexicon(words, bigrams)


# ---- correction --------------------------------------------------------------------------------

@dataclass
class _Tok:
    lead: str
    core: str
    trail: str
    conf: float
    line: int
    why: str = ""  # which rule changed it ("" = unchanged)

    @property
    def text(self) -> str:
        return self.lead + self.core + self.trail


def _with_case_of(model: str, word: str) -> str:
    if len(model) > 1 and model.isupper():
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _fix_quarter(prev: _Tok | None, tok: _Tok) -> None:
    """After "Quý" (or after a quarter and a comma: "Quý II, III/2022") a Roman numeral I-IV."""
    if prev is None:
        return
    after_quy = prev.core.lower() == "quý"
    in_list = prev.why == "quarter" or prev.core in _QUARTERS
    if not (after_quy or (in_list and prev.trail.startswith(","))):
        return
    m = _QUARTER.match(tok.core)
    if not m or m.group(1) in _QUARTERS:
        return
    roman = re.sub(r"[1lI|!]", "I", m.group(1)).replace("H", "II")
    if roman in _QUARTERS:
        tok.core, tok.why = roman + m.group(2), "quarter"


def _collapse(key: str) -> str:
    return re.sub(r"1+", "1", key)


def _acronym_hits(lex: Lexicon, token: str, garbled: bool) -> set[str]:
    """Acronyms whose look-alike key equals the token's; for a garbled token also those that differ
    only in how many look-alike strokes stand together or by one stray stroke in front ("1L1HC",
    "1 HC" → "TTHC"; "JUBND" → "UBND")."""
    key = _acronym_key(token)
    hits = set(lex.acronyms.get(key, set()))
    if not hits and garbled and len(key) >= 3:
        short = _collapse(key)
        hits = {a for k, names in lex.acronyms.items() if len(k) >= 3 and short in (_collapse(k), "1" + _collapse(k))
                for a in names}
    return hits


def _garbled(token: str) -> bool:
    """Capitals mixed with strokes that are no capital letter (digits, quotes, |, !, small l) or
    with two or more of the thin capitals I and L: what serif capitals run together turn into."""
    if not any(c.isupper() or c.isdigit() for c in token):
        return False
    return any(c.isdigit() or c in "'’‘`|!l" for c in token) or sum(c in "IL" for c in token) >= 2 or token[:1] == "J"


def _fix_acronym(lex: Lexicon, toks: list[_Tok], i: int) -> None:
    tok = toks[i]
    if tok.why or tok.core in lex.words or any(c.islower() and c != "l" for c in tok.core):
        return
    whole = tok.lead + tok.core
    if not any(c.isupper() or c.isdigit() for c in whole):
        return
    hits = _acronym_hits(lex, whole, _garbled(whole)) if any(c.isupper() for c in whole) else set()
    if len(hits) == 1:
        tok.lead, tok.core, tok.why = "", next(iter(hits)), "acronym"
        return
    # "1 1HC", "'1' HC": the serif pair cut in two tokens; the second is capitals, not a word
    if i + 1 < len(toks) and toks[i + 1].line == tok.line and not tok.trail.strip("'’‘`"):
        nxt = toks[i + 1]
        joined = whole + tok.trail + nxt.lead + nxt.core
        if nxt.core in lex.words or not nxt.core.isupper() or not _garbled(whole + tok.trail):
            return
        hits = _acronym_hits(lex, joined, True)
        if len(hits) == 1:
            tok.lead, tok.core, tok.trail, tok.why = "", next(iter(hits)), nxt.trail, "acronym"
            nxt.lead = nxt.core = nxt.trail = ""
            nxt.why = "joined"


def _log_score(lex: Lexicon, prev: str | None, word: str, nxt: str | None) -> float:
    """log P(word | prev) + log P(next | word) under the lexicon's bigram model, each bigram
    smoothed towards the unigram model (Dirichlet, weight DIRICHLET); log P(word) when there is
    no previous word. Terms equal for all words with one skeleton are left out."""
    total = sum(lex.lower.values()) + SMOOTHING * len(lex.lower)

    def uni(w: str) -> float:
        return (lex.lower[w] + SMOOTHING) / total

    if prev:
        p = prev.lower()
        big = lex.exact[(p, word)] if p in lex.lower else lex.left[(skeleton(p), word)]
        score = math.log(big + DIRICHLET * uni(word))
    else:
        score = math.log(uni(word))
    if nxt:
        n = nxt.lower()
        big = lex.exact[(word, n)] if n in lex.lower else lex.right[(word, skeleton(n))]
        score += math.log((big + DIRICHLET * uni(n)) / (lex.lower[word] + DIRICHLET))
    return score


def _contradicted(lex: Lexicon, prev: str | None, word: str, cand: str, nxt: str | None) -> bool:
    """Does either neighbour, as counted, prefer the word as read ("Cổng Dịch vụ" after "và": the
    left side likes "công", the right side has seen "cổng dịch" far more often)?"""
    if prev and prev.lower() in lex.lower:
        p = prev.lower()
        if lex.exact[(p, word)] > lex.exact[(p, cand)]:
            return True
    if nxt and nxt.lower() in lex.lower:
        n = nxt.lower()
        if lex.exact[(word, n)] and lex.exact[(word, n)] / lex.lower[word] > lex.exact[(cand, n)] / max(1, lex.lower[cand]):
            return True
    return False


def _strongly_attested(lex: Lexicon, prev: str | None, cand: str, nxt: str | None) -> bool:
    """Is `cand` beside this one neighbour a common pairing: seen STRONG_BIGRAM times or more, and
    in at least STRONG_SHARE of the neighbour's (or the candidate's) occurrences?"""
    if prev:
        p = prev.lower()
        n_pair = lex.exact[(p, cand)]
        if n_pair >= STRONG_BIGRAM and n_pair >= STRONG_SHARE * lex.lower[p]:
            return True
    if nxt:
        n_pair = lex.exact[(cand, nxt.lower())]
        if n_pair >= STRONG_BIGRAM and n_pair >= STRONG_SHARE * lex.lower[cand]:
            return True
    return False


def _fix_marks(lex: Lexicon, prev: _Tok | None, tok: _Tok, nxt: _Tok | None) -> None:
    """Another word with the same skeleton when the bigram model prefers it by a wide margin (a
    factor of e^MARKS_MARGIN); or, with no context for either, an unknown word read with low
    confidence whose skeleton has one frequent entry."""
    word = tok.core.lower()
    if not word or not any(c.isalpha() for c in word) or _is_acronym(tok.core):
        return
    cands = lex.by_skeleton.get(skeleton(word), set()) - {word}
    if not cands:
        return
    p = prev.core if prev is not None and prev.core and not prev.trail.endswith(_SENTENCE_END) else None
    n = nxt.core if nxt is not None and nxt.core and not tok.trail.endswith(_SENTENCE_END) else None
    mine = _log_score(lex, p, word, n)
    scored = sorted(((_log_score(lex, p, c, n), c) for c in cands), reverse=True)
    best_score, best = scored[0]
    # A known word is replaced on one side's evidence only when that bigram is common: in a lexicon
    # this small one rare bigram says little (a cell ending "và văn" is no "và vận"), while
    # "UBND tinh" at the end of a cell is surely "UBND tỉnh".
    if best_score - mine >= MARKS_MARGIN and not _contradicted(lex, p, word, best, n) \
            and (word not in lex.lower or (p and n) or _strongly_attested(lex, p, best, n)):
        tok.core, tok.why = _with_case_of(tok.core, best), "marks"
        return
    if word in lex.lower or tok.conf >= LOW_CONFIDENCE or lex.support(p, best, n) or lex.support(p, word, n):
        return
    if word in dictionary_syllables():
        return  # a real syllable ("trụ" of "trụ sở"): without context, nothing says it is wrong
    frequent = sorted(((lex.lower[c], c) for c in cands if lex.lower[c] >= MIN_COUNT), reverse=True)
    if len(frequent) == 1 or (len(frequent) > 1 and frequent[0][0] >= 5 * frequent[1][0]):
        tok.core, tok.why = _with_case_of(tok.core, frequent[0][1]), "marks"


def _fix_case(lex: Lexicon, prev: _Tok | None, tok: _Tok) -> None:
    """Capital → small for a letter of one shape in both cases, inside a sentence, when the
    lexicon never prints the word with a capital and often without ("thường Xuyên", "Và")."""
    core = tok.core
    if prev is None or not core or core[0] not in SHAPE_CASE_LETTERS or not core[0].isupper() or _is_acronym(core):
        return
    if prev.trail.endswith(_SENTENCE_END) or not prev.core or prev.lead.endswith(("(", "\"", "“")):
        return
    if tok.lead:
        return
    small = core[0].lower() + core[1:]
    forms = lex.cased(core)
    if forms[core] == 0 and forms[small] >= 3:
        tok.core, tok.why = small, "case"


def correct_tokens(lines: list[list[tuple[str, float]]], lex: Lexicon | None = None) -> list[_Tok]:
    lex = lex or default_lexicon()
    toks = []
    for li, line in enumerate(lines):
        for text, conf in line:
            lead, core, trail = _split_edges(text)
            toks.append(_Tok(lead, core, trail, conf, li))
    for i in range(len(toks)):
        _fix_acronym(lex, toks, i)
    toks = [t for t in toks if t.why != "joined"]
    for i, tok in enumerate(toks):
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if tok.why:
            continue
        _fix_quarter(prev, tok)
        if not tok.why:
            _fix_marks(lex, prev, tok, nxt)
        if not tok.why or tok.why == "marks":
            _fix_case(lex, prev, tok)
    return toks


def correct_cell(lines: list[list[tuple[str, float]]], lex: Lexicon | None = None) -> list[list[str]]:
    """One cell's OCR lines of (word, confidence) → its corrected lines of words."""
    out: list[list[str]] = [[] for _ in lines]
    for tok in correct_tokens(lines, lex):
        if tok.text:
            out[tok.line].append(tok.text)
    # A lone dash after the cell's last word is a speck or a rule end read as "-": a printed dash
    # ends nothing in these cells (a hyphen at a line end is glued to its word: "QĐ-").
    last = next((line for line in reversed(out) if line), None)
    if last is not None and len(last) > 1 and last[-1] in _LONE_DASHES:
        last.pop()
    return out


# ---- building the lexicon ----------------------------------------------------------------------

def _seed_texts(seed: Path) -> list[str]:
    text = seed.read_text(encoding="utf-8")
    text = re.sub(r"<sup>.*?</sup>", "", text)
    text = re.sub(r"</?[a-z]+>", "", text).replace("**", "").replace("*", "").replace("#", "")
    return [text.replace("\t", "\n")]  # table cells: one line each


def _registry_names(path: Path) -> list[str]:
    import yaml

    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names = []
    for entity in data.get("entities", []) or []:
        for name in [entity.get("name")] + list(entity.get("aliases") or []):
            if isinstance(name, str) and "{" not in name:
                names.append(name)
    return names


def build(seed: Path, out: Path = DATA) -> Lexicon:
    from core.vocabulary import HEADER_VOCABULARY

    texts = _seed_texts(seed)
    texts += [label for labels in HEADER_VOCABULARY.values() for label in labels]
    texts += _registry_names(Path(__file__).with_name("data") / "agencies.yaml")
    lex = text_to_lexicon(texts)
    out.parent.mkdir(parents=True, exist_ok=True)
    lex.dump(out)
    return lex


def main(argv: list[str] | None = None) -> int:
    import os
    import sys

    ap = argparse.ArgumentParser(prog="python -m normalizers.ocr_correct", description="Build the OCR lexicon.")
    ap.add_argument("command", choices=["build"])
    ap.add_argument("--seed", type=Path, default=None, help="seed plan text (default: $PLAN_SEED or tests/fixtures/…seed.txt)")
    ap.add_argument("--out", type=Path, default=DATA)
    args = ap.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    seed = args.seed or Path(os.environ.get("PLAN_SEED") or root / "tests" / "fixtures" / "hung-yen-2022-196-kh-ubnd.seed.txt")
    lex = build(seed, args.out)
    print(f"{args.out}: {len(lex.words)} words, {len(lex.bigrams)} bigrams")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

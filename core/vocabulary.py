"""Words plans print in their task tables, as data (core/data/table_vocabulary.yaml).

`load_vocabulary()` gives the packaged vocabulary; `Vocabulary.extended(...)` adds the words of
params.yaml's `locate:` settings (no code change for a new wording). `HEADER_VOCABULARY` keeps the
whole labels per role for the OCR lexicon.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from core.text import fold

DATA = Path(__file__).with_name("data") / "table_vocabulary.yaml"
ROLES = ("stt", "task", "activity", "output", "lead", "partners", "deadline")
EXTRA = "extra"  # a column with no canonical field


@dataclass(frozen=True, eq=False)  # hashed by identity: the loaders cache instances
class Vocabulary:
    head_words: tuple[tuple[str, str], ...]  # (role, folded phrase), first match wins
    labels: dict[str, tuple[str, ...]]  # role → whole labels as printed
    agency_heads: tuple[str, ...]  # folded first words of an agency or person cell
    version: str = "1"

    def extended(self, head_words: dict[str, list[str]] | None = None, labels: dict[str, list[str]] | None = None,
                 agency_heads: list[str] | None = None) -> Vocabulary:
        """A copy with more words. Extra head words go FIRST (a user's wording overrides the packaged order)."""
        if not (head_words or labels or agency_heads):
            return self
        added = tuple((role, fold(w)) for role, words in (head_words or {}).items() for w in words)
        merged = {r: tuple(v) for r, v in self.labels.items()}
        for role, words in (labels or {}).items():
            merged[role] = merged.get(role, ()) + tuple(words)
        heads = self.agency_heads + tuple(fold(w) for w in agency_heads or [])
        return Vocabulary(added + self.head_words, merged, heads, self.version + "+params")


def _check(data: dict, source: str) -> None:
    roles = set(ROLES) | {EXTRA}
    for entry in data.get("head_words", []):
        if not (isinstance(entry, list) and len(entry) == 2 and entry[0] in roles and isinstance(entry[1], str)):
            raise ValueError(f"{source}: head_words entry {entry!r} is not [role, phrase] with role in {sorted(roles)}")
    for role in data.get("labels", {}):
        if role not in ROLES:
            raise ValueError(f"{source}: labels role {role!r} is not one of {ROLES}")


@lru_cache(maxsize=2)
def load_vocabulary(path: str | None = None) -> Vocabulary:
    src = Path(path) if path else DATA
    data = yaml.safe_load(src.read_text(encoding="utf-8")) or {}
    _check(data, str(src))
    return Vocabulary(
        head_words=tuple((role, fold(w)) for role, w in data.get("head_words", [])),
        labels={role: tuple(v) for role, v in data.get("labels", {}).items()},
        agency_heads=tuple(dict.fromkeys(fold(w) for w in data.get("agency_heads", []))),
        version=str(data.get("version", "1")),
    )


def check_roles(names, what: str) -> None:
    """Raise ValueError when a name is not a role (settings validation uses it)."""
    bad = sorted(set(names) - set(ROLES) - {EXTRA})
    if bad:
        raise ValueError(f"{what}: unknown role(s) {bad}; roles: {list(ROLES) + [EXTRA]}")


# Canonical field → printed labels seen in plans (any case, any tone-mark placement).
HEADER_VOCABULARY: dict[str, list[str]] = {r: list(v) for r, v in load_vocabulary().labels.items()}

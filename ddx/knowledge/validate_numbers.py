"""Checks of the numbers and their provenance: the verbal scale, ranges, sources, key phrases, references."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import did_you_mean, excerpt
from .checks import _ID, _NUMBER_FIELDS, _excerpt, _finite, _mapping
from .problems import Problems

#: A key phrase locates a passage; it must never grow into a quotation.
MAX_PHRASE_WORDS = 8


def _check_scale(problems: Problems, raw: Any) -> dict[str, tuple[float, float]]:
    file = "priors/scale.yaml"
    scale = _mapping(problems, file, raw)
    terms: dict[str, tuple[float, float]] = {}
    for key in ("convention", "citations", "terms"):
        if key not in scale:
            problems.add(file, key, "is missing")
    for term, entry in _mapping(problems, file, scale.get("terms"), "terms").items():
        where = f"terms.{term}"
        if not isinstance(entry, Mapping):
            problems.add(file, where, "expected a mapping with 'value' and 'range'")
            continue
        rng = _range(problems, file, where, entry.get("value"), entry.get("range"))
        if rng:
            terms[str(term)] = rng
    return terms


def _range(problems: Problems, file: str, where: str, value: Any, rng: Any) -> tuple[float, float] | None:
    """Check ``0 < low <= value <= high < 1``, all finite numbers; return (low, high) when well formed."""
    if not _finite(value):
        problems.add(file, f"{where}.value", f"expected a probability, a finite number; got {excerpt(value)}")
        return None
    if not 0 < value < 1:
        problems.add(file, f"{where}.value", f"probability {value} is outside (0, 1)")
    if not (isinstance(rng, list) and len(rng) == 2 and all(_finite(v) for v in rng)):
        problems.add(file, f"{where}.range", f"expected [low, high], two finite numbers; got {excerpt(rng)}")
        return None
    low, high = float(rng[0]), float(rng[1])
    if not 0 < low <= high < 1:
        problems.add(file, f"{where}.range", f"range [{low}, {high}] must satisfy 0 < low <= high < 1")
    elif not low <= value <= high:
        problems.add(file, f"{where}.value", f"value {value} lies outside its range [{low}, {high}]")
    return low, high


class _NumberContext:
    """What a number entry is checked against: the scale and the article list."""

    def __init__(
        self,
        problems: Problems,
        scale: Mapping[str, tuple[float, float]],
        articles: Mapping[str, Any],
        references: Iterable[str] = (),
    ) -> None:
        self.problems, self.scale, self.articles = problems, scale, articles
        self.references = set(references)

    def literature(self, file: str, where: str, raw: Mapping[str, Any]) -> None:
        """A ``literature`` entry cites a key of priors/references.yaml, says what it reports, and a short phrase."""
        p = self.problems
        ref = raw.get("ref")
        if not isinstance(ref, str) or ref not in self.references:
            p.add(
                file,
                f"{where}.ref",
                f"a literature source needs 'ref', a key of priors/references.yaml; got {_excerpt(ref)}"
                f"{did_you_mean(str(ref), self.references)}",
            )
        for key in ("says", "phrase"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                p.add(file, f"{where}.{key}", f"a literature source needs '{key}'")
        phrase = raw.get("phrase")
        if isinstance(phrase, str) and len(phrase.split()) > MAX_PHRASE_WORDS:
            p.add(file, f"{where}.phrase", f"key phrase has {len(phrase.split())} words; at most {MAX_PHRASE_WORDS}")

    def provenance(self, file: str, where: str, raw: Mapping[str, Any], kind: str) -> bool:
        """Check ``basis`` and the fields it needs; True when the entry cites an article.

        A number (``kind == "number"``) also names the verbal ``term`` it reflects.
        """
        p = self.problems
        basis = raw.get("basis")
        if basis == "judgement":
            if not isinstance(raw.get("rationale"), str) or not raw["rationale"].strip():
                p.add(file, f"{where}.rationale", "a judgement needs a one-line rationale")
            return False
        if basis == "literature":
            self.literature(file, where, raw)
            if kind == "number" and (not isinstance(raw.get("derivation"), str) or not raw["derivation"].strip()):
                p.add(file, f"{where}.derivation", "a literature number needs 'derivation': how the value follows")
            return False
        if basis != "article":
            p.add(
                file,
                f"{where}.basis",
                f"{kind} without provenance: basis must be 'article', 'literature' or 'judgement', "
                f"got {excerpt(basis)}",
            )
            return False
        keys = ("file", "section", "phrase", "term") if kind == "number" else ("file", "section", "phrase")
        for key in keys:
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                p.add(file, f"{where}.{key}", f"an article-based {kind} needs '{key}' (its provenance)")
        if isinstance(raw.get("file"), str) and raw["file"] not in self.articles:
            p.add(
                file,
                f"{where}.file",
                f"unknown article {excerpt(raw['file'])}{did_you_mean(raw['file'], self.articles)}",
            )
        phrase = raw.get("phrase")
        if isinstance(phrase, str) and len(phrase.split()) > MAX_PHRASE_WORDS:
            words = len(phrase.split())
            p.add(
                file, f"{where}.phrase", f"key phrase has {words} words; at most {MAX_PHRASE_WORDS} (cite, never quote)"
            )
        return True

    def check(self, file: str, where: str, raw: Any, fields: Iterable[str] = _NUMBER_FIELDS) -> bool:
        p = self.problems
        if not isinstance(raw, Mapping):
            p.add(file, where, "expected a number entry (value, range, basis, and its provenance)")
            return False
        allowed = set(fields)
        for key in raw:
            if key not in allowed:
                p.add(file, f"{where}.{key}", f"unknown field{did_you_mean(str(key), allowed)}")
        _range(p, file, where, raw.get("value"), raw.get("range"))
        if self.provenance(file, where, raw, "number"):
            term = raw.get("term")
            if isinstance(term, str):
                if term not in self.scale:
                    p.add(
                        file,
                        f"{where}.term",
                        f"term {excerpt(term)} is not in priors/scale.yaml{did_you_mean(term, self.scale)}",
                    )
                elif _finite(raw.get("value")):
                    low, high = self.scale[term]
                    if not low <= raw["value"] <= high:
                        p.add(
                            file,
                            f"{where}.value",
                            f"value {raw['value']} is outside the range [{low}, {high}] the scale gives '{term}'",
                        )
        return True


def _check_source(problems: Problems, file: str, where: str, raw: Any, ctx: _NumberContext) -> None:
    """A rule's source: an article passage, or a judgement with its rationale."""
    if not isinstance(raw, Mapping):
        problems.add(
            file,
            where,
            "every rule needs a source (basis article with file/section/phrase, or judgement with rationale)",
        )
        return
    fields = {"basis", "file", "section", "phrase", "rationale", "note", "ref", "says"}
    for key in raw:
        if key not in fields:
            problems.add(file, f"{where}.{key}", f"unknown field{did_you_mean(str(key), fields)}")
    ctx.provenance(file, where, raw, "source")


_REFERENCE_FIELDS = {"authors", "year", "title", "published_in", "doi", "pmid", "url", "read_at", "note"}


def _check_references(problems: Problems, raw: Any) -> list[str]:
    """``priors/references.yaml`` (optional): each work with authors, year, title, venue and a DOI, PMID or URL."""
    file = "priors/references.yaml"
    if raw is None:
        return []
    refs = _mapping(problems, file, _mapping(problems, file, raw).get("references"), "references")
    for key, entry in refs.items():
        where = f"references.{key}"
        if not isinstance(key, str) or not _ID.match(key):
            problems.add(file, where, "a reference key is a snake_case id")
        if not isinstance(entry, Mapping):
            problems.add(file, where, "expected authors, year, title, published_in and a doi, pmid or url")
            continue
        for field in entry:
            if field not in _REFERENCE_FIELDS:
                problems.add(file, f"{where}.{field}", f"unknown field{did_you_mean(str(field), _REFERENCE_FIELDS)}")
        for field in ("authors", "title", "published_in"):
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                problems.add(file, f"{where}.{field}", "missing")
        year = entry.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= 2100:
            problems.add(file, f"{where}.year", f"expected a year; got {_excerpt(year)}")
        if not any(isinstance(entry.get(k), str) and entry[k].strip() for k in ("doi", "pmid", "url")):
            problems.add(file, where, "a reference needs a doi, pmid or url to be found by")
    return [str(k) for k in refs]

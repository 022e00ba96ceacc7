"""Reference firing rates to compare a run against.

A reference is a CSV table: one row per *source* (a paper, a reference simulation), one column per
population, values in Hz; an empty cell means "not given".  Lines starting with ``#`` are comments
(citations).  The first column is the source name; an optional ``scale`` column records the network
scale the row was obtained at.  Packaged references: ``pd14`` (Potjans & Diesmann 2014) and
``brunel2000`` (Brunel 2000, model A).  Population names are matched loosely (case and
punctuation ignored: ``L2/3e`` matches ``L23E``; ``exc``/``inh`` match ``E``/``I``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .errors import AnalysisInputError

__all__ = ["Reference", "PACKAGED_REFERENCES", "load_reference", "parse_reference_csv",
           "match_population"]

#: Packaged reference name (and aliases) -> CSV file in ``cortexsim/analysis/reference``.
PACKAGED_REFERENCES: dict[str, str] = {
    "pd14": "pd14_rates.csv", "potjans2014": "pd14_rates.csv", "microcircuit": "pd14_rates.csv",
    "brunel2000": "brunel2000_rates.csv", "brunel": "brunel2000_rates.csv",
}
_META_COLUMNS = ("scale", "note")
_ALIASES = {"exc": "e", "excitatory": "e", "inh": "i", "inhibitory": "i"}


@dataclass(frozen=True)
class Reference:
    """Reference rates: ``rates[source][population]`` in Hz (only given values)."""

    name: str
    rates: dict[str, dict[str, float]]
    scale: dict[str, float | None] = field(default_factory=dict)
    comments: tuple[str, ...] = ()

    @property
    def sources(self) -> list[str]:
        return list(self.rates)

    def rate(self, source: str, population: str) -> float | None:
        """Reference rate of ``population`` (loosely matched) in ``source``, or None."""
        key = match_population(population, self.rates[source])
        return None if key is None else self.rates[source][key]


def _norm(name: str) -> str:
    key = re.sub(r"[^0-9a-z]", "", name.lower())
    return _ALIASES.get(key, key)


def match_population(name: str, candidates: dict[str, float] | list[str]) -> str | None:
    """The candidate key naming the same population as ``name`` (loose match), or None."""
    if name in candidates:
        return name
    target = _norm(name)
    for cand in candidates:
        if _norm(cand) == target:
            return cand
    return None


def _float(text: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise AnalysisInputError(f"{where}: not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise AnalysisInputError(f"{where}: expected a non-negative rate, got {text!r}")
    return value


def parse_reference_csv(text: str, name: str) -> Reference:
    """Parse reference CSV text; ``name`` (file name) is used in error messages."""
    lines = text.splitlines()
    comments = tuple(ln.lstrip("#").strip() for ln in lines if ln.lstrip().startswith("#"))
    body = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(body))))
    if len(rows) < 2:
        raise AnalysisInputError(f"{name}: expected a header row and at least one source row")
    header = [h.strip() for h in rows[0]]
    pop_cols = [i for i, h in enumerate(header) if i > 0 and h.lower() not in _META_COLUMNS]
    scale_col = next((i for i, h in enumerate(header) if h.lower() == "scale"), None)
    if not pop_cols:
        raise AnalysisInputError(f"{name}: header has no population columns")
    rates: dict[str, dict[str, float]] = {}
    scale: dict[str, float | None] = {}
    for lineno, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise AnalysisInputError(
                f"{name}: row {lineno} has {len(row)} fields, header has {len(header)}")
        source = row[0].strip()
        if not source or source in rates:
            raise AnalysisInputError(f"{name}: row {lineno}: empty or duplicate source name")
        rates[source] = {header[i]: v for i in pop_cols
                         if (v := _float(row[i], f"{name}: row {lineno} field '{header[i]}'"))
                         is not None}
        scale[source] = (None if scale_col is None
                         else _float(row[scale_col], f"{name}: row {lineno} field 'scale'"))
    return Reference(name, rates, scale, comments)


def load_reference(spec: str | Path) -> Reference:
    """Load a packaged reference by name (``pd14``, ``brunel2000``, ...) or a CSV file by path."""
    key = str(spec).strip().lower() if isinstance(spec, str) else None
    if key in PACKAGED_REFERENCES:
        res = resources.files("cortexsim.analysis").joinpath("reference", PACKAGED_REFERENCES[key])
        return parse_reference_csv(res.read_text(encoding="utf-8"), f"{key} ({res.name})")
    path = Path(spec)
    if not path.is_file():
        known = ", ".join(sorted(PACKAGED_REFERENCES))
        raise AnalysisInputError(
            f"{path}: reference CSV not found (packaged reference names: {known})")
    return parse_reference_csv(path.read_text(encoding="utf-8"), str(path))

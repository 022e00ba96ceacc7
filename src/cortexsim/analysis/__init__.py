"""Analysis stage of cortexsim: statistics, figures and an HTML report of a finished run.

``analyze(run_dir)`` reads ``run_dir/spikes.h5`` (SONATA spikes) and ``run_dir/run_stats.json``
and writes ``stats.json``, ``raster.png``, ``rates.png``, ``cv_sync.png`` and ``report.html`` into
``run_dir/analysis`` (every file via a temporary name and a rename).  Statistics are defined in
:mod:`cortexsim.analysis.stats`; references in :mod:`cortexsim.analysis.reference`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .errors import AnalysisInputError
from .readers import PopulationSpikes, read_run_stats, read_spikes
from .reference import PACKAGED_REFERENCES, Reference, load_reference
from .stats import StatsParams, compute_stats, default_t_start

__all__ = ["analyze", "AnalysisInputError", "StatsParams", "Reference", "load_reference",
           "default_t_start", "read_spikes", "read_run_stats"]

SCHEMA = "cortexsim.analysis.stats/1"


def _jsonable(obj: Any) -> Any:
    """Plain JSON types; NaN/inf become None."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    return obj


def _ordered_populations(spikes: dict[str, PopulationSpikes], run_stats: Mapping[str, Any],
                         spikes_path: Path, stats_path: Path) -> dict[str, PopulationSpikes]:
    """Spike populations in run_stats order, cross-checked against run_stats populations."""
    declared = run_stats["populations"]
    for name, pop in spikes.items():
        if name not in declared:
            raise AnalysisInputError(
                f"{spikes_path}: population '{name}' is not listed in {stats_path} 'populations'")
        n_rec = declared[name].get("n_recorded")
        if n_rec is not None and n_rec != pop.n_recorded:
            raise AnalysisInputError(
                f"{stats_path}: field 'populations.{name}.n_recorded' = {n_rec} differs from "
                f"{pop.n_recorded} recorded cells in {spikes_path}")
    for name, info in declared.items():
        if (info.get("n_recorded") or 0) > 0 and name not in spikes:
            raise AnalysisInputError(
                f"{spikes_path}: field '/spikes/{name}': missing, but {stats_path} says "
                f"{info['n_recorded']} cells were recorded")
    return {name: spikes[name] for name in declared if name in spikes}


def _resolve_reference(reference_csv: Path | None, run_stats: Mapping[str, Any],
                       stats_path: Path) -> Reference | None:
    if reference_csv is not None:
        return load_reference(Path(reference_csv))
    name = run_stats.get("reference_rates")
    if name is None:
        return None
    if name.strip().lower() not in PACKAGED_REFERENCES:
        raise AnalysisInputError(
            f"{stats_path}: field 'reference_rates': unknown reference {name!r} "
            f"(known: {', '.join(sorted(PACKAGED_REFERENCES))}, or pass reference_csv)")
    return load_reference(name)


def _attach_reference(pop_stats: dict[str, dict], reference: Reference) -> None:
    for name, p in pop_stats.items():
        entries = {}
        for src in reference.sources:
            ref = reference.rate(src, name)
            dev = None
            if ref is not None and ref > 0 and math.isfinite(p["rate_hz"]):
                dev = (p["rate_hz"] - ref) / ref
            entries[src] = {"rate_hz": ref, "deviation": dev}
        p["reference"] = entries


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_figures(out_dir: Path, spikes: dict[str, PopulationSpikes], stats: dict,
                   reference: Reference | None) -> dict[str, str]:
    from .plots import irregularity_synchrony_figure, raster_figure, rates_figure, save_png

    t0, t1 = stats["window_ms"]
    pops = stats["populations"]
    figs = {
        "raster.png": ("Spike raster", raster_figure(spikes, (t0, min(t1, t0 + 1000.0)))),
        "rates.png": ("Mean firing rates",
                      rates_figure({k: p["rate_hz"] for k, p in pops.items()}, reference)),
        "cv_sync.png": ("Irregularity and synchrony", irregularity_synchrony_figure(pops)),
    }
    for fname, (_, fig) in figs.items():
        save_png(fig, out_dir / fname)
    return {caption: fname for fname, (caption, _) in figs.items()}


def analyze(run_dir: Path, out_dir: Path | None = None, reference_csv: Path | None = None,
            t_start_ms: float | None = None, *, params: StatsParams | None = None
            ) -> dict[str, Any]:
    """Analyse a run directory; returns the statistics (the content of ``stats.json``).

    ``t_start_ms`` defaults to :func:`default_t_start` of the run length.  The reference is
    ``reference_csv`` when given, else the packaged one named by ``run_stats.json``
    ``"reference_rates"`` (``"pd14"``, ``"brunel2000"``), else none.  Undefined statistics
    (e.g. CV without enough spikes) are ``None``.  Raises :class:`AnalysisInputError` for a
    missing or malformed input and ``ValueError`` for an empty analysis window.
    """
    run_dir = Path(run_dir)
    out_dir = Path(out_dir) if out_dir is not None else run_dir / "analysis"
    stats_path, spikes_path = run_dir / "run_stats.json", run_dir / "spikes.h5"
    run_stats = read_run_stats(stats_path)
    spikes = _ordered_populations(read_spikes(spikes_path), run_stats, spikes_path, stats_path)
    reference = _resolve_reference(reference_csv, run_stats, stats_path)
    t_stop = float(run_stats["t_stop_ms"])
    t_start = default_t_start(t_stop) if t_start_ms is None else float(t_start_ms)
    stats = compute_stats(spikes, t_start, t_stop, params or StatsParams())
    for name, p in stats["populations"].items():
        p["size"] = run_stats["populations"][name].get("size")
    if reference is not None:
        _attach_reference(stats["populations"], reference)
    from .report import run_facts, write_report

    stats = {"schema": SCHEMA, "run_dir": str(run_dir), **stats,
             "reference": None if reference is None else {
                 "name": reference.name, "sources": reference.sources,
                 "scale": reference.scale, "comments": list(reference.comments)},
             "run": run_facts(run_stats)}
    stats = _jsonable(stats)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = _write_figures(out_dir, spikes, stats, reference)
    from .fabric import fabric_figures
    from .plots import save_png
    figures.update(fabric_figures(run_dir, out_dir, save_png, float(run_stats.get("dt_ms", 0.1))))
    if run_stats.get("traffic"):
        stats["fabric"] = _jsonable(run_stats["traffic"])
    _write_json(out_dir / "stats.json", stats)
    write_report(out_dir / "report.html", stats, figures)
    return stats

"""Per-population spike statistics: firing rate, irregularity (CV of ISI) and synchrony.

All statistics are computed over an analysis window ``[t_start, t_stop]`` (ms) that by default
skips an initial transient (:func:`default_t_start`).  The bulk work is vectorised numpy over the
flat (time, cell) spike arrays, so millions of spikes and ~1e5 cells cost about a second; elephant
is used for the pairwise correlation of a small subsample, where one neo SpikeTrain per sampled
cell is cheap.

Definitions (N = recorded cells, T = window length):

* rate      = n_spikes / (N * T)                                                  [Hz]
* CV of ISI = mean over cells with >= ``min_spikes`` spikes of std(ISI)/mean(ISI) (population std,
  ddof = 0, as ``elephant.statistics.cv``); NaN when no cell qualifies.
* synchrony = Var(c) / Mean(c) of the population spike-count histogram c (3 ms bins, whole bins
  only) of a random subsample of ``synchrony_cells`` cells (Potjans & Diesmann 2014); 1 for
  independent Poisson trains, > 1 for synchronous activity; NaN without spikes.
* pairwise correlation = mean Pearson correlation coefficient of the binned spike counts (5 ms)
  over all pairs of a random subsample of active cells (``elephant.spike_train_correlation``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from .readers import PopulationSpikes

__all__ = [
    "StatsParams", "default_t_start", "window_spikes", "spike_counts", "mean_rate_hz",
    "cv_isi_per_cell", "mean_cv_isi", "count_histogram", "fano_factor", "synchrony",
    "pairwise_correlation", "population_stats", "compute_stats",
]


@dataclass(frozen=True)
class StatsParams:
    """Tunable parameters of the statistics (all times in ms)."""

    min_spikes: int = 3              # spikes per cell for a CV of ISI (>= 2 ISIs)
    synchrony_bin_ms: float = 3.0    # Potjans & Diesmann (2014)
    synchrony_cells: int | None = 1000   # subsample size; None = all recorded cells
    correlation_bin_ms: float = 5.0
    correlation_cells: int = 100     # 0 disables the pairwise correlation
    seed: int = 0                    # subsampling seed


def default_t_start(t_stop_ms: float) -> float:
    """Initial transient to skip: 100 ms when the run is longer than 300 ms, else 0."""
    return 100.0 if t_stop_ms > 300.0 else 0.0


def window_spikes(pop: PopulationSpikes, t_start: float, t_stop: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Times and recorded-cell indices of the spikes with ``t_start <= t <= t_stop``."""
    keep = (pop.times_ms >= t_start) & (pop.times_ms <= t_stop)
    return pop.times_ms[keep], pop.cell_index()[keep]


def spike_counts(cells: np.ndarray, n_cells: int) -> np.ndarray:
    """Number of spikes of each cell."""
    return np.bincount(cells, minlength=n_cells)


def mean_rate_hz(n_spikes: int, n_cells: int, duration_ms: float) -> float:
    """Mean firing rate in Hz; NaN without cells or without time."""
    if n_cells <= 0 or duration_ms <= 0:
        return math.nan
    return n_spikes / (n_cells * duration_ms * 1e-3)


def cv_isi_per_cell(times: np.ndarray, cells: np.ndarray, n_cells: int,
                    min_spikes: int = 3) -> np.ndarray:
    """CV of the inter-spike intervals of every cell (NaN below ``min_spikes`` spikes).

    Vectorised: sort by (cell, time), take consecutive differences within a cell, and reduce with
    ``np.bincount`` (two passes for an exact variance).
    """
    out = np.full(n_cells, np.nan)
    if times.size < 2:
        return out
    order = np.lexsort((times, cells))
    t, c = times[order], cells[order]
    same = c[1:] == c[:-1]
    isi, owner = np.diff(t)[same], c[1:][same]
    n_isi = np.bincount(owner, minlength=n_cells)
    ok = n_isi >= max(min_spikes - 1, 1)
    mean = np.bincount(owner, isi, minlength=n_cells).astype(np.float64)
    mean[n_isi > 0] /= n_isi[n_isi > 0]
    var = np.bincount(owner, (isi - mean[owner]) ** 2, minlength=n_cells).astype(np.float64)
    ok &= mean > 0
    out[ok] = np.sqrt(var[ok] / n_isi[ok]) / mean[ok]
    return out


def mean_cv_isi(times: np.ndarray, cells: np.ndarray, n_cells: int,
                min_spikes: int = 3) -> tuple[float, int]:
    """Mean CV of ISI over qualifying cells and the number of such cells (NaN, 0 if none)."""
    cv = cv_isi_per_cell(times, cells, n_cells, min_spikes)
    good = cv[np.isfinite(cv)]
    return (float(good.mean()) if good.size else math.nan), int(good.size)


def count_histogram(times: np.ndarray, t_start: float, t_stop: float,
                    bin_ms: float) -> np.ndarray:
    """Spike counts in consecutive whole bins of ``bin_ms`` from ``t_start`` (a trailing partial
    bin is dropped)."""
    n_bins = int(math.floor((t_stop - t_start) / bin_ms + 1e-9))
    if n_bins <= 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.floor((times - t_start) / bin_ms).astype(np.int64)
    idx = idx[(idx >= 0) & (idx < n_bins)]
    return np.bincount(idx, minlength=n_bins)


def fano_factor(counts: np.ndarray) -> float:
    """Variance over mean of a count series (ddof = 0); NaN when the mean is 0."""
    if counts.size == 0 or counts.mean() == 0:
        return math.nan
    return float(counts.var() / counts.mean())


def _sample(candidates: np.ndarray, n: int | None, rng: np.random.Generator) -> np.ndarray:
    if n is None or candidates.size <= n:
        return candidates
    return np.sort(rng.choice(candidates, size=n, replace=False))


def synchrony(times: np.ndarray, cells: np.ndarray, n_cells: int, t_start: float,
              t_stop: float, bin_ms: float = 3.0, n_sample: int | None = 1000,
              rng: np.random.Generator | None = None) -> tuple[float, int]:
    """Fano factor of the population count histogram of a random subsample of cells.

    Returns (synchrony, number of sampled cells).  The sample is drawn from all recorded cells,
    silent ones included, so the value matches the PD14 definition for a sample of that size.
    """
    rng = rng or np.random.default_rng(0)
    sample = _sample(np.arange(n_cells), n_sample, rng)
    if sample.size < n_cells:
        chosen = np.zeros(n_cells, dtype=bool)
        chosen[sample] = True
        times = times[chosen[cells]]
    return fano_factor(count_histogram(times, t_start, t_stop, bin_ms)), int(sample.size)


def pairwise_correlation(times: np.ndarray, cells: np.ndarray, n_cells: int, t_start: float,
                         t_stop: float, bin_ms: float = 5.0, n_sample: int = 100,
                         rng: np.random.Generator | None = None) -> tuple[float, int]:
    """Mean pairwise spike-count correlation coefficient over a subsample of active cells.

    Uses ``elephant.conversion.BinnedSpikeTrain`` and
    ``elephant.spike_train_correlation.correlation_coefficient``.  Returns (mean coefficient,
    number of sampled cells); NaN when fewer than two cells spiked.
    """
    import neo
    import quantities as pq
    from elephant.conversion import BinnedSpikeTrain
    from elephant.spike_train_correlation import correlation_coefficient

    n_bins = int(math.floor((t_stop - t_start) / bin_ms + 1e-9))
    if n_sample < 2 or n_bins < 2:
        return math.nan, 0
    t_end = t_start + n_bins * bin_ms
    rng = rng or np.random.default_rng(0)
    sample = _sample(np.flatnonzero(np.bincount(cells, minlength=n_cells)), n_sample, rng)
    if sample.size < 2:
        return math.nan, int(sample.size)
    keep = np.isin(cells, sample) & (times < t_end)
    t, c = times[keep], cells[keep]
    order = np.argsort(c, kind="stable")
    bounds = np.searchsorted(c[order], sample, side="left"), np.searchsorted(
        c[order], sample, side="right")
    trains = [neo.SpikeTrain(t[order][a:b], units="ms", t_start=t_start, t_stop=t_end)
              for a, b in zip(*bounds)]
    with warnings.catch_warnings():
        # quantities deprecation noise inside elephant; constant trains give NaN (handled below)
        warnings.simplefilter("ignore")
        binned = BinnedSpikeTrain(trains, bin_size=bin_ms * pq.ms, t_start=t_start * pq.ms,
                                  t_stop=t_end * pq.ms)
        cc = correlation_coefficient(binned)
    off = cc[~np.eye(cc.shape[0], dtype=bool)]
    off = off[np.isfinite(off)]
    return (float(off.mean()) if off.size else math.nan), int(sample.size)


def population_stats(pop: PopulationSpikes, t_start: float, t_stop: float,
                     params: StatsParams = StatsParams()) -> dict[str, float | int]:
    """All statistics of one population over ``[t_start, t_stop]`` (NaN where undefined)."""
    times, cells = window_spikes(pop, t_start, t_stop)
    n = pop.n_recorded
    duration = t_stop - t_start
    per_cell = spike_counts(cells, n) / (duration * 1e-3) if n and duration > 0 else np.zeros(0)
    cv, n_cv = mean_cv_isi(times, cells, n, params.min_spikes)
    rng = np.random.default_rng(params.seed)
    sync, n_sync = synchrony(times, cells, n, t_start, t_stop, params.synchrony_bin_ms,
                             params.synchrony_cells, rng)
    corr, n_corr = (pairwise_correlation(times, cells, n, t_start, t_stop,
                                         params.correlation_bin_ms, params.correlation_cells, rng)
                    if params.correlation_cells else (math.nan, 0))
    return {
        "n_recorded": n,
        "n_spikes": int(times.size),
        "rate_hz": mean_rate_hz(int(times.size), n, duration),
        "rate_std_hz": float(per_cell.std()) if per_cell.size else math.nan,
        "fraction_silent": float(np.mean(per_cell == 0)) if per_cell.size else math.nan,
        "cv_isi": cv,
        "cv_isi_n_cells": n_cv,
        "synchrony": sync,
        "synchrony_n_cells": n_sync,
        "pairwise_corr": corr,
        "pairwise_corr_n_cells": n_corr,
    }


def compute_stats(spikes: dict[str, PopulationSpikes], t_start: float, t_stop: float,
                  params: StatsParams = StatsParams()) -> dict[str, object]:
    """Statistics of every population plus the analysis settings (window, bins, sample sizes)."""
    if not t_stop > t_start:
        raise ValueError(f"empty analysis window: t_start={t_start} ms >= t_stop={t_stop} ms")
    pops = {name: population_stats(pop, t_start, t_stop, params) for name, pop in spikes.items()}
    n_rec = sum(p["n_recorded"] for p in pops.values())
    n_spk = sum(p["n_spikes"] for p in pops.values())
    return {
        "window_ms": [t_start, t_stop],
        "params": asdict(params),
        "populations": pops,
        "total": {"n_recorded": n_rec, "n_spikes": n_spk,
                  "rate_hz": mean_rate_hz(n_spk, n_rec, t_stop - t_start)},
    }

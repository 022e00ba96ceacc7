"""Figures of the analysis stage (matplotlib, Agg, no pyplot global state).

* :func:`raster_figure`  - spike raster, a proportional subsample of cells per population, first
  population at the top, populations coloured and labelled (PD14 style).
* :func:`rates_figure`   - grouped bars: our mean rate per population beside each reference source.
* :func:`irregularity_synchrony_figure` - CV of ISI, synchrony and pairwise correlation per
  population, with the Poisson values marked.

Each function returns a ``matplotlib.figure.Figure``; :func:`save_png` writes it atomically.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .readers import PopulationSpikes
from .reference import Reference

__all__ = ["population_colors", "raster_figure", "rates_figure",
           "irregularity_synchrony_figure", "save_png"]


def population_colors(names: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """A distinct colour per population (tab10, tab20 beyond 10 populations)."""
    from matplotlib import colormaps
    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as PNG to a temporary name next to ``path``, then rename."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        fig.savefig(tmp, format="png")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _allocate_rows(sizes: Mapping[str, int], max_cells: int) -> dict[str, int]:
    """Cells to show per population: all when few, else proportional to the population size with
    a floor (a quarter of an equal share) so that small populations stay visible."""
    total = sum(sizes.values())
    if total <= max_cells:
        return dict(sizes)
    floor = max(1, max_cells // (4 * max(len(sizes), 1)))
    return {k: min(n, max(floor, round(max_cells * n / total))) for k, n in sizes.items()}


def raster_figure(spikes: Mapping[str, PopulationSpikes], window_ms: tuple[float, float],
                  max_cells: int = 1500, seed: int = 0) -> Figure:
    """Raster of a random subsample of cells of every population within ``window_ms``."""
    rng = np.random.default_rng(seed)
    names = list(spikes)
    colors = population_colors(names)
    rows = _allocate_rows({k: p.n_recorded for k, p in spikes.items()}, max_cells)
    fig = _new_figure(9, 6)
    ax = fig.add_subplot()
    y0 = sum(rows.values())
    ticks, labels = [], []
    for name in names:
        pop, n_show = spikes[name], rows[name]
        chosen = np.sort(rng.choice(pop.n_recorded, size=n_show, replace=False))
        row_of = np.full(pop.n_recorded, -1)
        row_of[chosen] = np.arange(n_show)
        cells = pop.cell_index()
        keep = (pop.times_ms >= window_ms[0]) & (pop.times_ms <= window_ms[1])
        keep &= row_of[cells] >= 0
        y = y0 - row_of[cells[keep]]
        ax.plot(pop.times_ms[keep], y, ls="none", marker="|", ms=2, mew=0.6, color=colors[name])
        ticks.append(y0 - n_show / 2)
        labels.append(name)
        y0 -= n_show
        ax.axhline(y0 + 0.5, color="0.85", lw=0.5)
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_xlim(*window_ms)
    ax.set_ylim(0.5, sum(rows.values()) + 0.5)
    ax.set_xlabel("time (ms)")
    shown = ", ".join(f"{k} {rows[k]}/{spikes[k].n_recorded}" for k in names)
    ax.set_title("Spike raster, cells shown: " + shown, fontsize=8, wrap=True)
    return fig


def _bar_group(ax, names: Sequence[str], series: Sequence[tuple[str, list[float]]],
               colors: Sequence) -> None:
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(names))
    for k, (label, values) in enumerate(series):
        vals = np.array([np.nan if v is None else v for v in values], dtype=float)
        ax.bar(x - 0.4 + (k + 0.5) * width, np.nan_to_num(vals), width, label=label,
               color=colors[k], edgecolor="none")
    ax.set_xticks(x, names, rotation=30 if len(names) > 8 else 0)


def rates_figure(rates: Mapping[str, float], reference: Reference | None = None) -> Figure:
    """Grouped bar chart: our rate per population and, beside it, every reference source."""
    names = list(rates)
    series = [("this run", [rates[n] for n in names])]
    if reference is not None:
        series += [(src, [reference.rate(src, n) for n in names]) for src in reference.sources]
    greys = [str(v) for v in np.linspace(0.3, 0.8, max(len(series) - 1, 1))]
    fig = _new_figure(min(14.0, max(6.0, 0.22 * len(names) * len(series) + 2)), 4.5)
    ax = fig.add_subplot()
    _bar_group(ax, names, series, ["tab:red"] + greys)
    ax.set_ylabel("mean rate (Hz)")
    ax.set_title("Firing rates" + (f" vs reference {reference.name}" if reference else ""))
    ax.legend(fontsize=7, frameon=False, ncols=1 if len(series) < 5 else 2)
    return fig


def irregularity_synchrony_figure(pop_stats: Mapping[str, Mapping[str, float]]) -> Figure:
    """Bars of CV of ISI, synchrony (Fano factor, 3 ms) and mean pairwise correlation."""
    names = list(pop_stats)
    colors = population_colors(names)
    panels = [("cv_isi", "CV of ISI", 1.0), ("synchrony", "synchrony (Var/Mean)", 1.0),
              ("pairwise_corr", "pairwise correlation", 0.0)]
    fig = _new_figure(max(8, 1.2 * len(names) * 1.5), 3.6)
    axes = fig.subplots(1, len(panels))
    for ax, (key, title, poisson) in zip(axes, panels):
        vals = [pop_stats[n].get(key) for n in names]
        vals = [math.nan if v is None else float(v) for v in vals]
        ax.bar(np.arange(len(names)), np.nan_to_num(vals), color=[colors[n] for n in names])
        ax.axhline(poisson, color="k", ls="--", lw=0.8, label="Poisson")
        ax.set_xticks(np.arange(len(names)), names, rotation=60, fontsize=8)
        ax.set_title(title, fontsize=10)
    axes[0].legend(fontsize=7, frameon=False)
    return fig

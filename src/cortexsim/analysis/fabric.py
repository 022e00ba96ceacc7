"""Figures of a run's fabric traffic (traffic.h5): link load over the chip grid, hops, latency, queueing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from .errors import AnalysisInputError


def read_traffic(path: Path) -> dict[str, Any]:
    try:
        with h5py.File(path, "r") as f:
            g = f["traffic"]
            data = {name: g[name][()] for name in g}
            data["profile"] = json.loads(g.attrs["profile"])
            data["window_ms"] = float(g.attrs["window_ms"])
            data["latency_bin_ns"] = float(g.attrs["latency_bin_ns"])
            data["shape"] = [int(s) for s in g.attrs["shape"]]
    except (OSError, KeyError) as exc:
        raise AnalysisInputError(f"{path}: not a cortexsim traffic file ({exc})") from None
    return data


def link_load_figure(traffic: dict[str, Any], capacity_per_us: float | None):
    """Chips on their grid coloured by router load; each link drawn with its peak utilisation/packets."""
    import matplotlib
    from matplotlib import cm, colors
    from matplotlib.figure import Figure

    sx, sy = traffic["shape"]
    fig = Figure(figsize=(2.2 * sx + 2.5, 2.2 * sy + 1.2))
    ax = fig.add_subplot(1, 1, 1)
    router = traffic["router_packets"].reshape(sy, sx)
    image = ax.imshow(router, cmap="Greys", origin="upper", extent=(-0.5, sx - 0.5, sy - 0.5, -0.5), alpha=0.6)
    fig.colorbar(image, ax=ax, label="router load (packets)", fraction=0.046)
    peak = traffic["link_packets"].max(axis=0) if traffic["link_packets"].size else np.zeros(len(traffic["links"]))
    window_us = traffic["window_ms"] * 1e3 / traffic["profile"]["acceleration"]
    value = peak / (capacity_per_us * window_us) if capacity_per_us else peak
    label = "peak link utilisation" if capacity_per_us else f"peak packets per {traffic['window_ms']:g} ms window"
    norm = colors.Normalize(vmin=0, vmax=max(float(value.max(initial=0)), 1e-9))
    cmap = matplotlib.colormaps["plasma"]
    for (a, b), v in zip(traffic["links"], value):
        (xa, ya), (xb, yb) = (a % sx, a // sx), (b % sx, b // sx)
        dx, dy = xb - xa, yb - ya
        if abs(dx) > 1 or abs(dy) > 1:  # torus wrap or full topology: draw short stubs
            dx, dy = np.sign(dx) * 0.4, np.sign(dy) * 0.4
        off = 0.08 * np.array([-dy, dx]) / max(np.hypot(dx, dy), 1e-9)
        ax.annotate("", xy=(xa + 0.75 * dx + off[0], ya + 0.75 * dy + off[1]),
                    xytext=(xa + 0.25 * dx + off[0], ya + 0.25 * dy + off[1]),
                    arrowprops={"arrowstyle": "->", "color": cmap(norm(v)), "lw": 1 + 4 * norm(v)})
    for chip in range(sx * sy):
        ax.text(chip % sx, chip // sx, f"chip {chip}", ha="center", va="center", fontsize=8)
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=label, fraction=0.046)
    ax.set_xticks(range(sx))
    ax.set_yticks(range(sy))
    ax.set_xlabel("chip x")
    ax.set_ylabel("chip y")
    ax.set_title(f"Link load: {traffic['profile']['name']} (acceleration {traffic['profile']['acceleration']:g})")
    return fig


def histograms_figure(traffic: dict[str, Any], dt: float):
    from matplotlib.figure import Figure

    panels = [("hop_histogram", "hops per delivery", 1.0, "hops"),
              ("latency_histogram", "interconnect latency (ns, hardware)", traffic["latency_bin_ns"], "ns")]
    if "queueing_delay_histogram" in traffic:
        panels.append(("queueing_delay_histogram", "queueing delay (ms, biological)", dt, "ms"))
    fig = Figure(figsize=(4.0 * len(panels), 3.0))
    for i, (key, title, width, unit) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        counts = traffic[key]
        ax.bar(np.arange(len(counts)) * width, counts, width=0.9 * width, align="edge" if key != "hop_histogram" else "center",
               color="tab:blue")
        ax.set_xlabel(unit)
        ax.set_ylabel("deliveries")
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def fabric_figures(run_dir: Path, out_dir: Path, save_png, dt: float) -> dict[str, str]:
    """Write the fabric figures of a run with traffic.h5; caption -> file name (empty without one)."""
    path = Path(run_dir) / "traffic.h5"
    if not path.exists():
        return {}
    traffic = read_traffic(path)
    capacity = traffic["profile"].get("link_capacity_per_us")
    save_png(link_load_figure(traffic, capacity), out_dir / "link_load.png")
    save_png(histograms_figure(traffic, dt), out_dir / "fabric_histograms.png")
    return {"Link load over the chip grid": "link_load.png",
            "Hops, interconnect latency and queueing delay per delivery": "fabric_histograms.png"}

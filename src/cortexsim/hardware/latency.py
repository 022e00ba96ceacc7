"""Static interconnect latency and its folding into connection delays.

For a spike from chip A to chip B over a route of h links:
``L_hw = pipeline + (h+1) router + h (link + 2 io)`` (A != B) and ``L_hw = pipeline + local`` (A = B), in
ns of hardware time; in biological time ``L_bio = L_hw * 1e-6 * acceleration`` ms. The delivered delay
is ``d + L_bio`` (additive) or ``max(d, L_bio)`` (absorbed), rounded to the nearest multiple of dt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..build.edges import EdgeTable
from .profile import HardwareProfile
from .topology import Fabric


def hardware_latency_ns(profile: HardwareProfile, fabric: Fabric) -> np.ndarray:
    """L_hw in ns for every (source chip, target chip)."""
    lat = profile.latency_ns
    h = fabric.hops.astype(np.float64)
    remote = lat["pipeline"] + (h + 1) * lat["router"] + h * (lat["link"] + 2 * lat["io"])
    return np.where(np.eye(fabric.n_chips, dtype=bool), lat["pipeline"] + lat["local"], remote)


def biological_latency_ms(profile: HardwareProfile, fabric: Fabric) -> np.ndarray:
    return hardware_latency_ns(profile, fabric) * 1e-6 * profile.acceleration


@dataclass
class DelayFolding:
    """Statistics of folding latency into delays: the rounding to the dt grid, per edge."""

    n_edges: int = 0
    max_abs_rounding_ms: float = 0.0
    sum_abs_rounding_ms: float = 0.0
    n_changed: int = 0

    def add(self, exact: np.ndarray, rounded: np.ndarray, original: np.ndarray) -> None:
        err = np.abs(rounded - exact)
        self.n_edges += len(exact)
        if len(exact):
            self.max_abs_rounding_ms = max(self.max_abs_rounding_ms, float(err.max()))
        self.sum_abs_rounding_ms += float(err.sum())
        self.n_changed += int(np.count_nonzero(rounded != original))

    def to_json(self) -> dict:
        return {"n_edges": self.n_edges, "n_delays_changed": self.n_changed,
                "max_abs_rounding_ms": self.max_abs_rounding_ms,
                "mean_abs_rounding_ms": self.sum_abs_rounding_ms / self.n_edges if self.n_edges else 0.0}


def delivered_delay_steps(delay_steps: np.ndarray, latency_ms: np.ndarray, dt: float, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """(delivered delay in steps, exact delivered delay in ms) for delays and per-edge latencies."""
    d = delay_steps * dt
    exact = d + latency_ms if mode == "additive" else np.maximum(d, latency_ms)
    return np.maximum(np.rint(exact / dt).astype(np.int64), 1), exact


def fold_latency(tables: list[EdgeTable], chip_of_cell: np.ndarray, profile: HardwareProfile, dt: float,
                 folding: DelayFolding | None = None) -> list[EdgeTable]:
    """Edge tables with every delay replaced by its delivered delay on the fabric."""
    latency = biological_latency_ms(profile, Fabric.of(profile))
    out = []
    for t in tables:
        lat = latency[chip_of_cell[t.source_gid], chip_of_cell[t.target_gid]] if len(t) else np.empty(0)
        steps, exact = delivered_delay_steps(t.delay_steps, lat, dt, profile.mode)
        if folding is not None:
            folding.add(exact, steps * dt, t.delay_steps * dt)
        out.append(EdgeTable(t.projection, t.source_gid, t.target_gid, t.weight, steps))
    return out

"""SONATA spike files and membrane-potential reports."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from ..model.network import NetworkSpec
from .atomic import atomic_file


def write_spikes(path: Path, spec: NetworkSpec, gids: np.ndarray, steps: np.ndarray) -> None:
    """``/spikes/<population>/{timestamps,node_ids}`` sorted by time (ties by node id)."""
    order = np.lexsort((gids, steps))
    gids, steps = gids[order], steps[order]
    pop_of = spec.population_of(gids)
    with atomic_file(path) as tmp:
        with h5py.File(tmp, "w") as f:
            root = f.create_group("spikes")
            root.attrs["sorting"] = "by_time"
            for pop in spec.populations:
                if "spikes" not in pop.recording:
                    continue
                mine = pop_of == pop.index
                g = root.create_group(pop.label)
                g.attrs["sorting"] = "by_time"
                g.attrs["n_recorded"] = len(pop.recording["spikes"])
                ts = g.create_dataset("timestamps", data=steps[mine] * spec.dt)
                ts.attrs["units"] = "ms"
                g.create_dataset("node_ids", data=(gids[mine] - pop.global_offset).astype(np.uint64))
                g.create_dataset("recorded_node_ids", data=pop.recording["spikes"].astype(np.uint64))


def write_membrane(path: Path, spec: NetworkSpec, gids: np.ndarray, times: np.ndarray, values: np.ndarray,
                   t_stop: float) -> None:
    """SONATA report: ``/report/<population>/data`` [time, cell] plus mapping of node ids and time."""
    n_times = int(round(t_stop / spec.dt))
    with atomic_file(path) as tmp:
        with h5py.File(tmp, "w") as f:
            for pop in spec.populations:
                if "v" not in pop.recording:
                    continue
                cells = pop.recording["v"] + pop.global_offset
                column = np.searchsorted(cells, gids)
                row = np.rint(times / spec.dt).astype(np.int64) - 1
                keep = (column < len(cells)) & (row >= 0) & (row < n_times)
                keep &= cells[np.minimum(column, len(cells) - 1)] == gids
                data = np.full((n_times, len(cells)), np.nan, dtype=np.float32)
                data[row[keep], column[keep]] = values[keep]
                g = f.create_group(f"report/{pop.label}")
                d = g.create_dataset("data", data=data)
                d.attrs["units"] = "mV"
                mapping = g.create_group("mapping")
                mapping.create_dataset("node_ids", data=pop.recording["v"].astype(np.uint64))
                t = mapping.create_dataset("time", data=np.array([spec.dt, t_stop + spec.dt, spec.dt]))
                t.attrs["units"] = "ms"


def read_spikes(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """population -> (node_ids, timestamps), accepting the legacy ``/spikes/gids`` layout too."""
    out = {}
    with h5py.File(path, "r") as f:
        root = f["spikes"]
        if "gids" in root and "timestamps" in root:
            return {"": (root["gids"][()].astype(np.int64), root["timestamps"][()].astype(np.float64))}
        for label, g in root.items():
            out[label] = (g["node_ids"][()].astype(np.int64), g["timestamps"][()].astype(np.float64))
    return out

"""Readers for the run-directory inputs of the analysis stage.

``spikes.h5`` follows the SONATA spike layout described in ``docs/formats.md``
(``/spikes/<population>/timestamps`` in ms, ``node_ids`` population-local, ``recorded_node_ids``,
attribute ``n_recorded``); ``run_stats.json`` holds run facts.  Every problem is reported as an
:class:`~cortexsim.analysis.errors.AnalysisInputError` naming the file and the field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from .errors import AnalysisInputError

__all__ = ["PopulationSpikes", "read_spikes", "read_run_stats"]

_TIME_UNITS_TO_MS = {"ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class PopulationSpikes:
    """Spikes of one population.

    ``recorded`` holds the sorted population-local ids of the recorded cells; ``times_ms`` and
    ``node_ids`` are parallel arrays (one entry per spike).
    """

    name: str
    times_ms: np.ndarray
    node_ids: np.ndarray
    recorded: np.ndarray

    @property
    def n_recorded(self) -> int:
        return int(self.recorded.size)

    def cell_index(self) -> np.ndarray:
        """Index (0..n_recorded-1) into ``recorded`` of the cell of every spike."""
        rec = self.recorded
        if rec.size and rec[0] == 0 and rec[-1] == rec.size - 1:  # contiguous 0..n-1
            return self.node_ids.astype(np.int64, copy=False)
        return np.searchsorted(rec, self.node_ids).astype(np.int64, copy=False)


def _fail(path: Path, field: str, problem: str) -> AnalysisInputError:
    return AnalysisInputError(f"{path}: field '{field}': {problem}")


def _read_1d(group: h5py.Group, name: str, path: Path, field: str) -> np.ndarray:
    if name not in group or not isinstance(group[name], h5py.Dataset):
        raise _fail(path, field, "missing dataset")
    data = group[name][()]
    if not isinstance(data, np.ndarray) or data.ndim != 1:
        raise _fail(path, field, f"expected a 1-D dataset, got shape {np.shape(data)}")
    return data


def _read_ids(group: h5py.Group, name: str, path: Path, field: str) -> np.ndarray:
    ids = _read_1d(group, name, path, field)
    if ids.dtype.kind not in "iu":
        raise _fail(path, field, f"expected integer node ids, got dtype {ids.dtype}")
    if ids.size and ids.dtype.kind == "i" and ids.min() < 0:
        raise _fail(path, field, "negative node id")
    return ids.astype(np.int64)


def _read_population(name: str, group: h5py.Group, path: Path) -> PopulationSpikes:
    base = f"/spikes/{name}"
    times = _read_1d(group, "timestamps", path, f"{base}/timestamps")
    if times.dtype.kind not in "fiu":
        raise _fail(path, f"{base}/timestamps", f"expected numeric times, got dtype {times.dtype}")
    units = group["timestamps"].attrs.get("units", "ms")
    units = units.decode() if isinstance(units, bytes) else str(units)
    if units not in _TIME_UNITS_TO_MS:
        raise _fail(path, f"{base}/timestamps", f"unsupported units attribute {units!r}")
    times = times.astype(np.float64) * _TIME_UNITS_TO_MS[units]
    if times.size and not np.all(np.isfinite(times)):
        raise _fail(path, f"{base}/timestamps", "non-finite spike time")
    if times.size and times.min() < 0:
        raise _fail(path, f"{base}/timestamps", "negative spike time")
    node_ids = _read_ids(group, "node_ids", path, f"{base}/node_ids")
    if node_ids.size != times.size:
        raise _fail(path, f"{base}/node_ids",
                    f"length {node_ids.size} differs from timestamps length {times.size}")
    recorded = _read_recorded(group, path, base)
    _check_spikes_from_recorded(node_ids, recorded, path, base)
    return PopulationSpikes(name, times, node_ids, recorded)


def _read_recorded(group: h5py.Group, path: Path, base: str) -> np.ndarray:
    n_attr = group.attrs.get("n_recorded")
    if "recorded_node_ids" in group:
        rec = np.unique(_read_ids(group, "recorded_node_ids", path, f"{base}/recorded_node_ids"))
        if n_attr is not None and int(n_attr) != rec.size:
            raise _fail(path, f"{base}@n_recorded",
                        f"{int(n_attr)} differs from {rec.size} unique recorded_node_ids")
        return rec
    if n_attr is None:
        raise _fail(path, f"{base}/recorded_node_ids",
                    "missing (and no n_recorded attribute either)")
    return np.arange(int(n_attr), dtype=np.int64)


def _check_spikes_from_recorded(ids: np.ndarray, rec: np.ndarray, path: Path, base: str) -> None:
    if not ids.size:
        return
    if rec.size and rec[0] == 0 and rec[-1] == rec.size - 1:
        ok = bool(ids.max() < rec.size)
    else:
        ok = bool(np.isin(ids, rec).all())
    if not ok:
        raise _fail(path, f"{base}/node_ids", "spike from a cell not in recorded_node_ids")


def read_spikes(path: Path) -> dict[str, PopulationSpikes]:
    """Read a SONATA ``spikes.h5``; returns populations in file order."""
    path = Path(path)
    if not path.is_file():
        raise AnalysisInputError(f"{path}: file not found (expected SONATA spikes)")
    try:
        fh = h5py.File(path, "r")
    except OSError as exc:
        raise AnalysisInputError(f"{path}: not a readable HDF5 file ({exc})") from exc
    with fh:
        if "spikes" not in fh or not isinstance(fh["spikes"], h5py.Group):
            raise _fail(path, "/spikes", "missing group")
        out: dict[str, PopulationSpikes] = {}
        for name, group in fh["spikes"].items():
            if not isinstance(group, h5py.Group):
                raise _fail(path, f"/spikes/{name}", "expected a population group")
            out[name] = _read_population(name, group, path)
    return out


def _number(obj: dict, key: str, path: Path, *, required: bool, positive: bool = False,
            prefix: str = "") -> None:
    field = prefix + key
    if key not in obj or obj[key] is None:
        if required:
            raise _fail(path, field, "missing")
        return
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(path, field, f"expected a finite number, got {value!r}")
    if positive and value <= 0:
        raise _fail(path, field, f"expected a positive number, got {value!r}")


def _check_populations(pops: Any, path: Path) -> None:
    if not isinstance(pops, dict):
        raise _fail(path, "populations", "expected an object keyed by population name")
    for name, info in pops.items():
        if not isinstance(info, dict):
            raise _fail(path, f"populations.{name}", "expected an object")
        for key in ("size", "n_recorded"):
            v = info.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise _fail(path, f"populations.{name}.{key}",
                            f"expected a non-negative integer, got {v!r}")


def _check_matrix(value: Any, path: Path, field: str) -> None:
    ok = isinstance(value, list) and all(
        isinstance(row, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in row)
        for row in value)
    if not ok:
        raise _fail(path, field, "expected a matrix (list of lists) of integers")


def _check_spike_counters(spikes: Any, path: Path) -> None:
    if not isinstance(spikes, dict):
        raise _fail(path, "spikes", "expected an object with 'sent', 'received', 'conserved'")
    for key in ("sent", "received"):
        if key in spikes:
            _check_matrix(spikes[key], path, f"spikes.{key}")


def read_run_stats(path: Path) -> dict[str, Any]:
    """Read and validate ``run_stats.json``.

    Required: ``t_stop_ms`` (> 0) and ``populations``.  Optional fields are type-checked when
    present (numbers, wall-time object, spike counter matrices).
    """
    path = Path(path)
    if not path.is_file():
        raise AnalysisInputError(f"{path}: file not found (expected run statistics JSON)")
    try:
        stats = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AnalysisInputError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(stats, dict):
        raise AnalysisInputError(f"{path}: expected a JSON object at the top level")
    _number(stats, "t_stop_ms", path, required=True, positive=True)
    for key in ("dt_ms", "lookahead_ms", "rtf"):
        _number(stats, key, path, required=False)
    if "populations" not in stats:
        raise _fail(path, "populations", "missing")
    _check_populations(stats["populations"], path)
    wall = stats.get("wall_time_s")
    if wall is not None:
        if not isinstance(wall, dict):
            raise _fail(path, "wall_time_s", "expected an object of phase -> seconds")
        for phase in wall:
            _number(wall, phase, path, required=False, prefix="wall_time_s.")
    if stats.get("spikes") is not None:
        _check_spike_counters(stats["spikes"], path)
    ref = stats.get("reference_rates")
    if ref is not None and not isinstance(ref, str):
        raise _fail(path, "reference_rates", f"expected a name or null, got {ref!r}")
    return stats

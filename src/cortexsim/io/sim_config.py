"""The simulation config (SONATA-style JSON) of a built network: reading with validation.

Every problem is reported as a :class:`~cortexsim.errors.ConfigError` naming the file, the field and
the value, before any rank starts simulating.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..model.network import NetworkSpec, ProjectionSpec
from .sonata_network import read_nodes

FORMAT_VERSION = 1
_CORTEXSIM_KEYS = {"format_version", "model", "seed", "n_partitions", "partitioner", "min_delay", "n_cells",
                   "projections", "reference_rates", "network_dir", "build", "hardware"}
_PROJECTION_KEYS = {"index", "label", "pre", "post", "receptor_type", "synapse_model", "connector", "edge_population"}


@dataclass
class SimulationConfig:
    """What `cortexsim run` needs: paths, run parameters and the network description."""

    path: Path
    t_stop: float
    dt: float
    seed: int
    model: str
    n_partitions: int
    partitioner: str
    network_dir: Path
    output_dir: Path
    reference_rates: str | None
    spec: NetworkSpec
    hardware: dict | str | None = None


def _field(data: dict, key: str, source: str, kind: type | tuple, section: str) -> Any:
    name = key if section == "(top level)" else f"{section}.{key}"
    if key not in data:
        raise ConfigError(source, name, None, "missing")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        expected = " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
        raise ConfigError(source, name, value, f"expected {expected}")
    return value


def load_simulation_config(path: str | Path, t_stop: float | None = None) -> SimulationConfig:
    """Read and check a simulation_config.json written by `cortexsim build`."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise ConfigError(source, "(file)", str(path), "no such file")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "(file)", str(path), f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(source, "(top level)", type(data).__name__, "expected a JSON object")
    run = _field(data, "run", source, dict, "(top level)")
    tstop = float(_field(run, "tstop", source, (int, float), "run") if t_stop is None else t_stop)
    dt = float(_field(run, "dt", source, (int, float), "run"))
    if not tstop > 0:
        raise ConfigError(source, "run.tstop", tstop, "must be > 0")
    if not dt > 0:
        raise ConfigError(source, "run.dt", dt, "must be > 0")
    if abs(round(tstop / dt) * dt - tstop) > 1e-6 * max(1.0, tstop):
        raise ConfigError(source, "run.tstop", tstop, f"must be a multiple of dt = {dt}")
    meta = _field(data, "cortexsim", source, dict, "(top level)")
    unknown = set(meta) - _CORTEXSIM_KEYS
    if unknown:
        raise ConfigError(source, f"cortexsim.{sorted(unknown)[0]}", meta[sorted(unknown)[0]], "unknown key")
    version = _field(meta, "format_version", source, int, "cortexsim")
    if version != FORMAT_VERSION:
        raise ConfigError(source, "cortexsim.format_version", version, f"this cortexsim reads version {FORMAT_VERSION}")
    seed = _field(meta, "seed", source, int, "cortexsim")
    n_partitions = _field(meta, "n_partitions", source, int, "cortexsim")
    if n_partitions < 1:
        raise ConfigError(source, "cortexsim.n_partitions", n_partitions, "must be >= 1")
    partitioner = _field(meta, "partitioner", source, str, "cortexsim")
    network_dir = path.parent / _field(meta, "network_dir", source, str, "cortexsim")
    output = data.get("output", {})
    output_dir = path.parent / str(output.get("output_dir", "output")) if isinstance(output, dict) else None
    if output_dir is None:
        raise ConfigError(source, "output", output, "expected an object")
    spec = NetworkSpec(dt=dt, seed=seed, model_name=str(meta.get("model", "network")))
    min_delay = meta.get("min_delay")
    spec.min_delay = float(min_delay) if isinstance(min_delay, (int, float)) else None
    read_nodes(network_dir / "nodes.h5", spec)
    projections = _field(meta, "projections", source, list, "cortexsim")
    for i, entry in enumerate(projections):
        if not isinstance(entry, dict) or set(entry) - _PROJECTION_KEYS:
            raise ConfigError(source, f"cortexsim.projections[{i}]", entry, "malformed projection entry")
        pre, post = entry.get("pre"), entry.get("post")
        if not (isinstance(pre, int) and isinstance(post, int) and 0 <= pre < len(spec.populations)
                and 0 <= post < len(spec.populations)):
            raise ConfigError(source, f"cortexsim.projections[{i}].pre/post", (pre, post), "not a population index")
        spec.projections.append(ProjectionSpec(
            i, str(entry.get("label", i)), pre, np.arange(spec.populations[pre].size), post,
            np.arange(spec.populations[post].size), None, 0.0, 0.0, str(entry.get("receptor_type", "excitatory")),
            str(entry.get("synapse_model", "static_synapse"))))
    if meta.get("n_cells") not in (None, spec.n_cells):
        raise ConfigError(source, "cortexsim.n_cells", meta.get("n_cells"),
                          f"the nodes file holds {spec.n_cells} cells")
    reference = meta.get("reference_rates")
    hardware = meta.get("hardware")
    if hardware is not None and not isinstance(hardware, (dict, str)):
        raise ConfigError(source, "cortexsim.hardware", hardware, "expected a profile (mapping) or a profile path")
    return SimulationConfig(path, tstop, dt, seed, spec.model_name, n_partitions, partitioner, network_dir,
                            output_dir, reference if isinstance(reference, str) else None, spec, hardware)

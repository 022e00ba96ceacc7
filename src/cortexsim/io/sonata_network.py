"""SONATA network files: writing a NetworkSpec and its edges, and reading them back.

Nodes: one SONATA node population per PyNN population, cell parameters stored per cell (resolved from
the model's distributions) in PyNN names and units. Edges: one file per partition holding the incoming
edges of that partition's cells, one SONATA edge population per projection. The partition table and
cortexsim-specific metadata (current sources, what to record) live in ``partition.h5`` and under
``/cortexsim`` in ``nodes.h5``. Layout details: docs/formats.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import h5py
import numpy as np

from ..build.edges import EdgeTable
from ..errors import NetworkFileError
from ..model import streams
from ..model.celltypes import cell_model
from ..model.network import CurrentSourceSpec, NetworkSpec, PopulationSpec, ProjectionSpec, resolve_cell_values

NODE_TYPE_BASE = 100


def edge_population_name(spec: NetworkSpec, proj: ProjectionSpec) -> str:
    pre, post = spec.populations[proj.pre].label, spec.populations[proj.post].label
    return re.sub(r"[^A-Za-z0-9_]", "_", f"p{proj.index:03d}_{pre}_to_{post}")


def edges_file_name(partition: int) -> str:
    return f"edges_p{partition:05d}.h5"


# ----------------------------------------------------------------------------------------- writing
def _resolved_parameters(spec: NetworkSpec, pop: PopulationSpec) -> dict[str, np.ndarray]:
    indices = np.arange(pop.size, dtype=np.int64)
    values = {}
    for name, default in pop.cell.defaults.items():
        if name == "spike_times":
            continue
        value = pop.params.get(name, default)
        values[name] = resolve_cell_values(value, spec.seed, (pop.index, streams.purpose_code("param:" + name)),
                                           indices, pop.size, f"population '{pop.label}' parameter '{name}'")
    for name, default in pop.cell.initial_defaults.items():
        value = pop.initial.get(name, pop.params.get("v_rest", default) if name == "v" else default)
        values["init_" + name] = resolve_cell_values(
            value, spec.seed, (pop.index, streams.purpose_code("init:" + name)), indices, pop.size,
            f"population '{pop.label}' initial value '{name}'")
    return values


def write_nodes(path: Path, spec: NetworkSpec) -> None:
    """nodes.h5 with every population, its per-cell parameters, positions and recording sets."""
    with h5py.File(path, "w") as f:
        f.attrs["version"] = "0.1"
        f.attrs["magic"] = 0x0A7A
        nodes = f.create_group("nodes")
        for pop in spec.populations:
            g = nodes.create_group(pop.label)
            g.attrs["cell_type"] = pop.cell.name
            g.attrs["global_offset"] = pop.global_offset
            g.attrs["population_index"] = pop.index
            g.create_dataset("node_id", data=np.arange(pop.size, dtype=np.uint64))
            g.create_dataset("node_type_id", data=np.full(pop.size, NODE_TYPE_BASE + pop.index, dtype=np.uint32))
            g.create_dataset("node_group_id", data=np.zeros(pop.size, dtype=np.uint32))
            g.create_dataset("node_group_index", data=np.arange(pop.size, dtype=np.uint64))
            group = g.create_group("0")
            dynamics = group.create_group("dynamics_params")
            for name, values in _resolved_parameters(spec, pop).items():
                (dynamics if name.startswith("init_") else group).create_dataset(name, data=values)
            if pop.positions is not None:
                for axis, name in enumerate("xyz"):
                    group.create_dataset(name, data=pop.positions[axis])
            if pop.spike_times is not None:
                lengths = np.array([len(t) for t in pop.spike_times], dtype=np.int64)
                group.create_dataset("spike_times", data=np.concatenate(pop.spike_times + [np.empty(0)]))
                group.create_dataset("spike_times_index", data=np.r_[0, np.cumsum(lengths)])
        meta = f.create_group("cortexsim")
        recording = meta.create_group("recording")
        for pop in spec.populations:
            rg = recording.create_group(pop.label)
            for variable, indices in pop.recording.items():
                rg.create_dataset(variable, data=np.asarray(indices, dtype=np.int64))
        sources = meta.create_group("current_sources")
        for source in spec.current_sources:
            sg = sources.create_group(str(source.index))
            sg.attrs["type"] = "DCSource"
            sg.attrs["amplitude"] = source.amplitude
            sg.attrs["start"] = source.start
            sg.attrs["stop"] = np.nan if source.stop is None else source.stop
            sg.create_dataset("targets", data=source.targets.astype(np.int64))


def write_node_types(path: Path, spec: NetworkSpec) -> None:
    with open(path, "w") as f:
        f.write("node_type_id model_type model_template pop_name cell_type\n")
        for pop in spec.populations:
            kind = "virtual" if pop.cell.is_source else "point_neuron"
            f.write(f"{NODE_TYPE_BASE + pop.index} {kind} nest:{pop.cell.nest_model} {pop.label} {pop.cell.name}\n")


def write_edge_types(path: Path, spec: NetworkSpec) -> None:
    with open(path, "w") as f:
        f.write("edge_type_id model_template receptor_type projection\n")
        for proj in spec.projections:
            f.write(f"{NODE_TYPE_BASE + proj.index} {proj.synapse_model} {proj.receptor_type} "
                    f"{edge_population_name(spec, proj)}\n")


def write_partition_edges(path: Path, spec: NetworkSpec, tables: list[EdgeTable]) -> int:
    """One partition's incoming edges, one SONATA edge population per projection. Returns the count."""
    total = 0
    with h5py.File(path, "w") as f:
        edges = f.create_group("edges")
        for table in tables:
            proj = spec.projections[table.projection]
            pre, post = spec.populations[proj.pre], spec.populations[proj.post]
            g = edges.create_group(edge_population_name(spec, proj))
            g.attrs["projection_index"] = proj.index
            g.attrs["receptor_type"] = proj.receptor_type
            g.attrs["synapse_model"] = proj.synapse_model
            src = g.create_dataset("source_node_id", data=(table.source_gid - pre.global_offset).astype(np.uint64))
            src.attrs["node_population"] = pre.label
            tgt = g.create_dataset("target_node_id", data=(table.target_gid - post.global_offset).astype(np.uint64))
            tgt.attrs["node_population"] = post.label
            n = len(table)
            g.create_dataset("edge_type_id", data=np.full(n, NODE_TYPE_BASE + proj.index, dtype=np.uint32))
            g.create_dataset("edge_group_id", data=np.zeros(n, dtype=np.uint32))
            g.create_dataset("edge_group_index", data=np.arange(n, dtype=np.uint64))
            group = g.create_group("0")
            group.create_dataset("syn_weight", data=table.weight)
            group.create_dataset("delay", data=table.delay_steps * spec.dt)
            total += n
    return total


def write_partition_table(path: Path, table: np.ndarray, partitioner: str) -> None:
    with h5py.File(path, "w") as f:
        g = f.create_group("partition")
        g.attrs["n_partitions"] = int(table.max(initial=0)) + 1
        g.attrs["partitioner"] = partitioner
        g.create_dataset("of_cell", data=table.astype(np.int32))


# ----------------------------------------------------------------------------------------- reading
def _require(group: h5py.Group, name: str, path: Path) -> h5py.Dataset:
    if name not in group:
        raise NetworkFileError(f"{path}: missing '{group.name}/{name}'")
    return group[name]


def read_nodes(path: Path, spec: NetworkSpec) -> None:
    """Fill ``spec`` with the populations, recording sets and current sources stored in nodes.h5."""
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise NetworkFileError(f"{path}: cannot open nodes file ({exc})") from None
    with f:
        nodes = f.get("nodes")
        if nodes is None:
            raise NetworkFileError(f"{path}: no '/nodes' group")
        pops = sorted(nodes.items(), key=lambda item: int(item[1].attrs.get("population_index", 0)))
        for label, g in pops:
            try:
                cell = cell_model(str(g.attrs["cell_type"]))
                offset = int(g.attrs["global_offset"])
            except (KeyError, NotImplementedError) as exc:
                raise NetworkFileError(f"{path}: population '{label}': bad or missing attribute ({exc})") from None
            size = len(_require(g, "node_id", path))
            pop = PopulationSpec(len(spec.populations), label, cell, size, offset)
            group = _require(g, "0", path)
            for name in cell.defaults:
                if name in group and name != "spike_times":
                    pop.params[name] = group[name][()]
            dynamics = group.get("dynamics_params", {})
            for name in cell.initial_defaults:
                if f"init_{name}" in dynamics:
                    pop.initial[name] = dynamics[f"init_{name}"][()]
            if "x" in group:
                pop.positions = np.vstack([group[a][()] for a in "xyz" if a in group])
            if cell.name == "SpikeSourceArray":
                times, index = group["spike_times"][()], group["spike_times_index"][()]
                pop.spike_times = [times[index[i]:index[i + 1]] for i in range(size)]
            if offset != spec.n_cells:
                raise NetworkFileError(f"{path}: population '{label}' global_offset {offset} != {spec.n_cells}")
            spec.populations.append(pop)
        recording = f.get("cortexsim/recording", {})
        for pop in spec.populations:
            for variable, data in recording.get(pop.label, {}).items():
                pop.recording[variable] = data[()].astype(np.int64)
        for key, sg in sorted(f.get("cortexsim/current_sources", {}).items(), key=lambda kv: int(kv[0])):
            stop = float(sg.attrs["stop"])
            spec.current_sources.append(CurrentSourceSpec(int(key), float(sg.attrs["amplitude"]),
                                                          float(sg.attrs["start"]),
                                                          None if np.isnan(stop) else stop,
                                                          sg["targets"][()].astype(np.int64)))


def read_partition_edges(path: Path, spec: NetworkSpec) -> list[EdgeTable]:
    """The EdgeTables (global ids, delays in steps) of one partition's edge file."""
    tables = [EdgeTable.empty(p.index) for p in spec.projections]
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise NetworkFileError(f"{path}: cannot open edges file ({exc})") from None
    with f:
        for name, g in f.get("edges", {}).items():
            index = int(g.attrs.get("projection_index", -1))
            if not 0 <= index < len(spec.projections):
                raise NetworkFileError(f"{path}: edge population '{name}' has projection_index {index}")
            proj = spec.projections[index]
            pre, post = spec.populations[proj.pre], spec.populations[proj.post]
            src = _require(g, "source_node_id", path)[()].astype(np.int64)
            tgt = _require(g, "target_node_id", path)[()].astype(np.int64)
            weight = _require(g, "0/syn_weight", path)[()].astype(np.float64)
            delay = _require(g, "0/delay", path)[()].astype(np.float64)
            if not (len(src) == len(tgt) == len(weight) == len(delay)):
                raise NetworkFileError(f"{path}: edge population '{name}' has datasets of different lengths")
            if len(src) and (src.max() >= pre.size or tgt.max() >= post.size or src.min() < 0 or tgt.min() < 0):
                raise NetworkFileError(f"{path}: edge population '{name}' has node ids outside its populations")
            steps = np.rint(delay / spec.dt).astype(np.int64)
            if len(steps) and (np.any(np.abs(delay / spec.dt - steps) > 1e-6) or steps.min() < 1):
                bad = delay[np.argmax(np.abs(delay / spec.dt - steps) > 1e-6) if steps.min() >= 1 else np.argmin(steps)]
                raise NetworkFileError(f"{path}: edge population '{name}': field 'delay' = {bad!r} ms is not a "
                                       f"positive multiple of dt = {spec.dt} ms")
            tables[index] = EdgeTable(index, src + pre.global_offset, tgt + post.global_offset, weight, steps)
    return tables


def read_partition_table(path: Path) -> np.ndarray:
    try:
        with h5py.File(path, "r") as f:
            return f["partition/of_cell"][()].astype(np.int32)
    except (OSError, KeyError) as exc:
        raise NetworkFileError(f"{path}: cannot read '/partition/of_cell' ({exc})") from None

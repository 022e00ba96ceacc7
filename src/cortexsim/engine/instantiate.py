"""Create one rank's part of the network in its NEST kernel.

Given the cells a rank owns and the incoming edges of those cells, this creates the NEST neurons,
one ``spike_train_injector`` *proxy* per remote presynaptic neuron that has a target here, the local
realisation of spike sources, DC generators, recorders, and all connections (one vectorised
``nest.Connect`` of arrays per projection). Connections from proxies get their delay shortened by the
exchange shift; the exchange layer replays each remote spike on its proxy shifted by the same amount,
so it arrives at exactly t_spike + delay (see :mod:`cortexsim.engine.simulation`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from ..build.edges import EdgeTable
from ..errors import ModelError
from ..model import streams
from ..model.network import NetworkSpec, PopulationSpec, resolve_cell_values
from . import sources


@dataclass
class NodeMap:
    """Sorted global cell ids and the NEST node id standing for each."""

    gids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    node_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def lookup(self, gids: np.ndarray) -> np.ndarray:
        return self.node_ids[np.searchsorted(self.gids, gids)]

    def contains(self, gids: np.ndarray) -> np.ndarray:
        if len(self.gids) == 0:
            return np.zeros(len(gids), dtype=bool)
        pos = np.minimum(np.searchsorted(self.gids, gids), len(self.gids) - 1)
        return self.gids[pos] == gids

    @staticmethod
    def concat(maps: list["NodeMap"]) -> "NodeMap":
        if not maps:
            return NodeMap()
        gids = np.concatenate([m.gids for m in maps])
        nodes = np.concatenate([m.node_ids for m in maps])
        order = np.argsort(gids, kind="stable")
        return NodeMap(gids[order], nodes[order])


def configure_kernel(nest: ModuleType, spec: NetworkSpec, rank: int, threads: int, data_path: Path) -> None:
    """Fresh NEST kernel with the run's resolution, a rank-specific seed and threads."""
    nest.ResetKernel()
    rng_seed = int(streams.make_key(spec.seed, rank, streams.purpose_code("nest")) % np.uint64(2**31 - 2)) + 1
    nest.SetKernelStatus({"resolution": spec.dt, "rng_seed": rng_seed, "local_num_threads": int(threads),
                          "data_path": str(data_path), "overwrite_files": True, "print_time": False})


def population_parameters(spec: NetworkSpec, pop: PopulationSpec, indices: np.ndarray) -> dict[str, np.ndarray]:
    """PyNN-named per-cell parameter values of some cells, defaults filled in."""
    values = {}
    for name, default in pop.cell.defaults.items():
        value = pop.params.get(name, default)
        values[name] = resolve_cell_values(value, spec.seed, (pop.index, streams.purpose_code("param:" + name)),
                                           indices, pop.size, f"population '{pop.label}' parameter '{name}'")
    return values


def create_neurons(nest: ModuleType, spec: NetworkSpec, local_gids: np.ndarray) -> NodeMap:
    """NEST neurons for the local non-source cells, parameters and initial state set per cell."""
    maps = []
    pop_of = spec.population_of(local_gids)
    for pop in spec.populations:
        if pop.cell.is_source:
            continue
        gids = local_gids[pop_of == pop.index]
        if len(gids) == 0:
            continue
        indices = gids - pop.global_offset
        nodes = nest.Create(pop.cell.nest_model, len(gids))
        status = pop.cell.nest_parameters(population_parameters(spec, pop, indices))
        for name, default in pop.cell.initial_defaults.items():
            value = pop.initial.get(name, pop.params.get("v_rest", default) if name == "v" else default)
            status[pop.cell.state_variables[name]] = resolve_cell_values(
                value, spec.seed, (pop.index, streams.purpose_code("init:" + name)), indices, pop.size,
                f"population '{pop.label}' initial value '{name}'")
        nodes.set({k: np.asarray(v, dtype=np.float64).tolist() for k, v in status.items()})
        first = nodes[0].global_id
        maps.append(NodeMap(gids, np.arange(first, first + len(gids), dtype=np.int64)))
    return NodeMap.concat(maps)


def create_source_generators(nest: ModuleType, spec: NetworkSpec, needed: np.ndarray, t_stop: float,
                             local_targets: np.ndarray) -> NodeMap:
    """Generators standing for the spike-source cells ``needed`` (gids) on this rank.

    ``local_targets[i]`` is the number of local connections of source ``needed[i]``.
    """
    maps = []
    pop_of = spec.population_of(needed)
    for pop in spec.populations:
        gids = needed[pop_of == pop.index]
        if len(gids) == 0:
            continue
        indices = gids - pop.global_offset
        if pop.cell.name == "SpikeSourceArray":
            cells, steps = sources.array_source_steps(spec, pop, indices)
            maps.append(_spike_generators(nest, spec, gids, indices, cells, steps))
            continue
        params = sources.poisson_source_parameters(spec, pop, indices)
        busy = sources.is_busy_poisson(pop, params, t_stop)
        calm = ~busy
        if calm.any():
            sub = {k: v[calm] for k, v in params.items()}
            cells, steps = sources.precomputed_poisson_steps(spec, pop, indices[calm], t_stop, sub)
            maps.append(_spike_generators(nest, spec, gids[calm], indices[calm], cells, steps))
        if busy.any():
            single = local_targets[pop_of == pop.index] == 1
            for mask, realise in ((busy & single, _shared_poisson_generators), (busy & ~single, _poisson_parrots)):
                if mask.any():
                    maps.append(realise(nest, spec, gids[mask], {k: v[mask] for k, v in params.items()}))
    return NodeMap.concat(maps)


def _spike_generators(nest: ModuleType, spec: NetworkSpec, gids: np.ndarray, indices: np.ndarray,
                      cells: np.ndarray, steps: np.ndarray) -> NodeMap:
    nodes = nest.Create("spike_generator", len(gids))
    bounds = np.searchsorted(cells, indices, side="left"), np.searchsorted(cells, indices, side="right")
    nodes.set([{"spike_times": (steps[a:b] * spec.dt).tolist()} for a, b in zip(*bounds)])
    first = nodes[0].global_id
    return NodeMap(gids, np.arange(first, first + len(gids), dtype=np.int64))


def _shared_poisson_generators(nest: ModuleType, spec: NetworkSpec, gids: np.ndarray,
                               params: dict[str, np.ndarray]) -> NodeMap:
    """Busy sources with one local connection each: NEST draws an independent train per connection,
    so all sources with the same (rate, start, stop) share one poisson_generator, as in NEST's own
    Brunel example; no parrot neuron and no extra spike events."""
    keys = np.column_stack([params["rate"], params["start"], params["start"] + params["duration"]])
    unique, group = np.unique(keys, axis=0, return_inverse=True)
    generators = nest.Create("poisson_generator", len(unique))
    generators.set([{"rate": float(r), "start": float(a), "stop": float(b)} for r, a, b in unique])
    first = generators[0].global_id
    return NodeMap(gids, first + group.ravel().astype(np.int64))


def _poisson_parrots(nest: ModuleType, spec: NetworkSpec, gids: np.ndarray, params: dict[str, np.ndarray]) -> NodeMap:
    generators = nest.Create("poisson_generator", len(gids))
    generators.set({"rate": params["rate"].tolist(), "start": params["start"].tolist(),
                    "stop": (params["start"] + params["duration"]).tolist()})
    parrots = nest.Create("parrot_neuron", len(gids))
    nest.Connect(generators, parrots, "one_to_one", {"delay": spec.dt})
    first = parrots[0].global_id
    return NodeMap(gids, np.arange(first, first + len(gids), dtype=np.int64))


#: NEST model of a proxy. ``spike_train_injector`` is neuron-like: its spikes take NEST's ordinary spike
#: delivery, which measured 12 % faster than a device's (spike_generator) for the same spikes and targets.
PROXY_MODEL = "spike_train_injector"


def create_proxies(nest: ModuleType, remote_gids: np.ndarray) -> NodeMap:
    """One proxy spike source per remote presynaptic neuron (or neuron and chip) with a local target."""
    if len(remote_gids) == 0:
        return NodeMap()
    nodes = nest.Create(PROXY_MODEL, len(remote_gids))
    first = nodes[0].global_id
    return NodeMap(remote_gids, np.arange(first, first + len(remote_gids), dtype=np.int64))


def proxy_keys(table: EdgeTable, chip_of_cell: np.ndarray | None, n_chips: int) -> np.ndarray:
    """Key of the proxy an edge's source needs: the gid, or (gid, target chip) on a fabric with load."""
    if chip_of_cell is None:
        return table.source_gid
    return table.source_gid * n_chips + chip_of_cell[table.target_gid]


def connect_edges(nest: ModuleType, spec: NetworkSpec, edges: list[EdgeTable], neurons: NodeMap,
                  generators: NodeMap, proxies: NodeMap, shift_steps: int,
                  chip_of_cell: np.ndarray | None = None, n_chips: int = 1) -> int:
    """All incoming edges of local neurons, one array Connect per projection. Returns the count.

    Without ``chip_of_cell`` edges from other ranks come from proxies; with it (a fabric with link
    load) every edge between different chips does, so each chip receives its own copy of a spike.
    """
    total = 0
    for table in edges:
        if len(table) == 0:
            continue
        proj = spec.projections[table.projection]
        post_pop = spec.populations[proj.post]
        pre = np.empty(len(table), dtype=np.int64)
        delay_steps = table.delay_steps.copy()
        source = generators.contains(table.source_gid)
        local = neurons.contains(table.source_gid) & ~source
        if chip_of_cell is not None:
            local &= chip_of_cell[table.source_gid] == chip_of_cell[table.target_gid]
        remote = ~(local | source)
        pre[local] = neurons.lookup(table.source_gid[local])
        pre[source] = generators.lookup(table.source_gid[source])
        pre[remote] = proxies.lookup(proxy_keys(table, chip_of_cell, n_chips)[remote])
        delay_steps[remote] -= shift_steps
        post = neurons.lookup(table.target_gid)
        nest.Connect(pre, post, "one_to_one",
                     {"synapse_model": proj.synapse_model,
                      "weight": table.weight * post_pop.cell.weight_scale,
                      "delay": delay_steps * spec.dt})
        total += len(table)
    return total


def create_current_sources(nest: ModuleType, spec: NetworkSpec, neurons: NodeMap) -> None:
    """DC generators, timed as pyNN.nest times DCSource: the current acts on the cell from ``start``."""
    for source in spec.current_sources:
        targets = source.targets[neurons.contains(source.targets)]
        if len(targets) == 0:
            continue
        if spec.populations[spec.population_of(targets[:1])[0]].cell.is_source:
            raise ModelError("a current source cannot be injected into a spike source")
        params = {"amplitude": source.amplitude * 1000.0, "start": max(source.start - spec.dt, 0.0)}
        if source.stop is not None:
            params["stop"] = max(source.stop - spec.dt, 0.0)
        generator = nest.Create("dc_generator", params=params)
        nest.Connect(generator, nest.NodeCollection(neurons.lookup(targets).tolist()), "all_to_all",
                     {"delay": spec.dt})

"""Run a built network in one plain ``pyNN.nest`` process: the reference for spike-exact checks.

The network is loaded from the SONATA files cortexsim built (cells with their stored per-cell
parameters, every edge through ``FromListConnector``), so both simulators see the same network. Only
for networks that fit one process; spike sources and current sources are supported as in cortexsim.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..build.edges import EdgeTable
from ..engine.nest_import import import_nest
from ..hardware.latency import fold_latency
from ..hardware.profile import load_profile
from ..io import sonata_network as sonata
from ..io.sim_config import load_simulation_config
from ..io.spikes import write_spikes


def _all_edges(config) -> list[EdgeTable]:
    spec = config.spec
    tables = [EdgeTable.empty(p.index) for p in spec.projections]
    for partition in range(config.n_partitions):
        part = sonata.read_partition_edges(config.network_dir / sonata.edges_file_name(partition), spec)
        for i, t in enumerate(part):
            a = tables[i]
            tables[i] = EdgeTable(i, np.r_[a.source_gid, t.source_gid], np.r_[a.target_gid, t.target_gid],
                                  np.r_[a.weight, t.weight], np.r_[a.delay_steps, t.delay_steps])
    return tables


def run_reference(config_path: Path, out_dir: Path, hardware: str | Path | dict | None = None) -> Path:
    """Simulate with pyNN.nest; write ``out_dir/spikes.h5`` in the same layout as `cortexsim run`.

    With a hardware profile, every delay is first replaced by its delivered delay on the fabric
    (d + L_bio or max(d, L_bio) of the connection's chip pair), the network cortexsim must reproduce.
    """
    nest = import_nest()
    import pyNN.nest as sim
    from pyNN.parameters import Sequence

    config = load_simulation_config(config_path)
    spec = config.spec
    # min_delay fixed to dt: with "auto", pyNN.nest shifts SpikeSourceArray times by the kernel's
    # min_delay at creation but connects its parrot neurons with the (larger) final one.
    sim.setup(timestep=spec.dt, min_delay=spec.dt, spike_precision="on_grid")
    populations = []
    for pop in spec.populations:
        celltype = getattr(sim, pop.cell.name)
        if pop.cell.name == "SpikeSourceArray":
            cells = sim.Population(pop.size, celltype(spike_times=[Sequence(t) for t in pop.spike_times]),
                                   label=pop.label)
        else:
            params = {k: np.asarray(v) for k, v in pop.params.items()}
            cells = sim.Population(pop.size, celltype(**params), label=pop.label)
            if "v" in pop.initial:
                cells.initialize(v=np.asarray(pop.initial["v"]))
                # pyNN.nest's IF_curr_delta has no map for 'v', so set NEST's V_m directly
                nest.NodeCollection([int(i) for i in cells.all_cells]).set(V_m=np.asarray(pop.initial["v"]).tolist())
        if "spikes" in pop.recording:
            recorded = pop.recording["spikes"]
            (cells if len(recorded) == pop.size else cells[recorded.tolist()]).record("spikes")
        populations.append(cells)
    tables = _all_edges(config)
    if hardware is not None:
        profile = load_profile(hardware).for_partitions(config.n_partitions)
        partition_of_cell = sonata.read_partition_table(config.network_dir / "partition.h5")
        tables = fold_latency(tables, profile.chip_of_partition(config.n_partitions)[partition_of_cell], profile, spec.dt)
    for proj, table in zip(spec.projections, tables):
        pre, post = spec.populations[proj.pre], spec.populations[proj.post]
        rows = np.column_stack([table.source_gid - pre.global_offset, table.target_gid - post.global_offset,
                                table.weight, table.delay_steps * spec.dt])
        sim.Projection(populations[proj.pre], populations[proj.post], sim.FromListConnector(rows, ["weight", "delay"]),
                       sim.StaticSynapse(), receptor_type=proj.receptor_type)
    for source in spec.current_sources:
        generator = sim.DCSource(amplitude=source.amplitude, start=source.start,
                                 **({} if source.stop is None else {"stop": source.stop}))
        for pop, cells in zip(spec.populations, populations):
            mine = source.targets[(source.targets >= pop.global_offset) & (source.targets < pop.global_offset + pop.size)]
            if len(mine):
                generator.inject_into(cells[(mine - pop.global_offset).tolist()])
    sim.run(config.t_stop)
    gids, steps = [], []
    for pop, cells in zip(spec.populations, populations):
        if "spikes" not in pop.recording:
            continue
        for train in cells.get_data("spikes").segments[0].spiketrains:
            index = int(train.annotations["source_index"])
            gids.append(np.full(len(train), pop.global_offset + index, dtype=np.int64))
            steps.append(np.rint(np.asarray(train.magnitude) / spec.dt).astype(np.int64))
    sim.end()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_spikes(out_dir / "spikes.h5", spec,
                 np.concatenate(gids) if gids else np.empty(0, np.int64),
                 np.concatenate(steps) if steps else np.empty(0, np.int64))
    return out_dir

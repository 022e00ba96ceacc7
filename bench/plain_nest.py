"""Run a network built by `cortexsim build` in ONE plain NEST process (no cortexsim engine).

The benchmark's baseline: neurons, Poisson background and connections are created with plain
``nest.Create`` / ``nest.Connect`` (arrays) from the same SONATA files, then ``nest.Simulate``.
Prints one JSON line with wall times, spike count and peak memory.

    python bench/plain_nest.py BUILD/simulation_config.json --threads 2
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    t0 = time.perf_counter()
    from cortexsim.engine.nest_import import import_nest
    from cortexsim.io import sonata_network as sonata
    from cortexsim.io.sim_config import load_simulation_config

    nest = import_nest()
    config = load_simulation_config(args.config)
    spec = config.spec
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": spec.dt, "local_num_threads": args.threads, "rng_seed": 12345})
    node_of = np.zeros(spec.n_cells, dtype=np.int64)
    for pop in spec.populations:
        if pop.cell.is_source:
            continue
        nodes = nest.Create(pop.cell.nest_model, pop.size)
        status = pop.cell.nest_parameters({k: np.asarray(v) for k, v in pop.params.items()})
        if "v" in pop.initial:
            status["V_m"] = np.asarray(pop.initial["v"])
        nodes.set({k: np.broadcast_to(v, (pop.size,)).tolist() for k, v in status.items()})
        node_of[pop.global_offset:pop.global_offset + pop.size] = np.arange(pop.size) + nodes[0].global_id
    for pop in spec.populations:
        if pop.cell.name != "SpikeSourcePoisson":
            continue
        rate = np.broadcast_to(np.asarray(pop.params.get("rate", 1.0)), (pop.size,))
        for value in np.unique(rate):
            generator = nest.Create("poisson_generator", params={"rate": float(value)})
            node_of[pop.global_offset:pop.global_offset + pop.size][rate == value] = generator.global_id
    recorder = nest.Create("spike_recorder")
    neurons = np.concatenate([node_of[p.global_offset:p.global_offset + p.size]
                              for p in spec.populations if not p.cell.is_source])
    t_read = time.perf_counter()
    for partition in range(config.n_partitions):
        for table in sonata.read_partition_edges(config.network_dir / sonata.edges_file_name(partition), spec):
            if len(table):
                post = spec.populations[spec.projections[table.projection].post]
                nest.Connect(node_of[table.source_gid], node_of[table.target_gid], "one_to_one",
                             {"synapse_model": "static_synapse", "weight": table.weight * post.cell.weight_scale,
                              "delay": table.delay_steps * spec.dt})
    nest.Connect(nest.NodeCollection(sorted(neurons.tolist())), recorder)
    t_built = time.perf_counter()
    nest.Simulate(config.t_stop)
    t_sim = time.perf_counter()
    print(json.dumps({"build_s": t_built - t0, "connect_s": t_built - t_read, "simulate_s": t_sim - t_built,
                      "spikes": int(recorder.n_events), "threads": args.threads,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))


if __name__ == "__main__":
    main()

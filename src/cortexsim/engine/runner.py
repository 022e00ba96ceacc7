"""`cortexsim run`: simulate a built network on the ranks of this MPI job and write the outputs.

Each rank reads the edge files of the partitions it hosts (partitions are spread over ranks in
contiguous ranges), starts its NEST kernel with proxies and the exchange layer, runs, and sends its
recorded data to rank 0, which writes ``spikes.h5``, ``membrane.h5`` and ``run_stats.json``.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..exchange.comm import Communicator
from ..io import sonata_network as sonata
from ..io.atomic import write_json
from ..io.sim_config import SimulationConfig, load_simulation_config
from ..io.spikes import write_membrane, write_spikes
from ..partition import partitions_of_rank, rank_of_partition
from ..hardware.profile import load_profile
from ..hardware.traffic import traffic_summary
from ..io.traffic import write_traffic
from .simulation import RankLayout, RankSimulation


def run_network(config_path: Path, comm: Communicator, out_dir: Path | None = None, threads: int = 1,
                t_stop: float | None = None, hardware: str | Path | None = None,
                acceleration: float | None = None) -> Path:
    """Run the network described by ``config_path``; returns the output directory.

    ``hardware`` (a profile path or preset name) overrides the profile stored by the build.
    """
    if threads < 1:
        raise ConfigError("command line", "--threads", threads, "must be >= 1")
    if t_stop is not None and not t_stop > 0:
        raise ConfigError("command line", "--t-stop", t_stop, "must be > 0")
    started = time.perf_counter()
    config = load_simulation_config(config_path, t_stop)
    profile = load_profile(hardware) if hardware is not None else (
        load_profile(config.hardware) if config.hardware is not None else None)
    if acceleration is not None:
        if profile is None:
            raise ConfigError("command line", "--acceleration", acceleration, "needs a hardware profile (--hardware)")
        if not acceleration > 0:
            raise ConfigError("command line", "--acceleration", acceleration, "must be > 0")
        profile = dataclasses.replace(profile, acceleration=float(acceleration),
                                      name=f"{profile.name} x{acceleration:g}")
    if profile is not None:
        profile = profile.for_partitions(config.n_partitions)
    out_dir = Path(out_dir) if out_dir is not None else config.output_dir
    spec = config.spec
    placement = rank_of_partition(config.n_partitions, comm.size)
    table = sonata.read_partition_table(config.network_dir / "partition.h5")
    if len(table) != spec.n_cells or table.max(initial=0) >= config.n_partitions:
        raise ConfigError(str(config.network_dir / "partition.h5"), "partition/of_cell", len(table),
                          f"does not match {spec.n_cells} cells in {config.n_partitions} partitions")
    layout = RankLayout(table, placement)
    read_start = time.perf_counter()
    tables = None
    for partition in partitions_of_rank(comm.rank, config.n_partitions, comm.size):
        part = sonata.read_partition_edges(config.network_dir / sonata.edges_file_name(int(partition)), spec)
        tables = part if tables is None else [_concat(a, b) for a, b in zip(tables, part)]
    simulation = RankSimulation(spec, layout, tables or [], comm, t_stop_hint=config.t_stop, threads=threads,
                                build_seconds=time.perf_counter() - read_start, hardware=profile)
    try:
        simulation.run(config.t_stop)
        simulation.finish()
        write_outputs(config, simulation, comm, out_dir, time.perf_counter() - started)
    finally:
        simulation.close()
    return out_dir


def _concat(a, b):
    from ..build.edges import EdgeTable
    return EdgeTable(a.projection, np.concatenate([a.source_gid, b.source_gid]),
                     np.concatenate([a.target_gid, b.target_gid]), np.concatenate([a.weight, b.weight]),
                     np.concatenate([a.delay_steps, b.delay_steps]))


def write_outputs(config: SimulationConfig, simulation: RankSimulation, comm: Communicator, out_dir: Path,
                  total_seconds: float) -> None:
    """Gather recorded data on rank 0 and write spikes, membrane report and run statistics."""
    spec = config.spec
    gids, steps = simulation.recorded_spikes()
    all_gids, all_steps = comm.gather_arrays(gids), comm.gather_arrays(steps)
    v_gids, v_times, v_values = simulation.recorded_membrane()
    has_v = any("v" in p.recording for p in spec.populations)
    if has_v:
        v_gids, v_times, v_values = (comm.gather_arrays(v_gids), comm.gather_arrays(v_times),
                                     comm.gather_arrays(v_values))
    stats = comm.gather_objects(simulation.statistics())
    traffic = simulation.traffic.reduce(comm) if simulation.traffic is not None else None
    queues = simulation.queue_statistics()
    if traffic is not None and queues is not None:
        traffic.update(queues)
    if comm.rank != 0:
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    write_spikes(out_dir / "spikes.h5", spec, all_gids, all_steps)
    if has_v:
        write_membrane(out_dir / "membrane.h5", spec, v_gids, v_times, v_values, config.t_stop)
    summary = run_statistics(config, simulation, stats, comm.size, total_seconds)
    if traffic is not None:
        write_traffic(out_dir / "traffic.h5", simulation.hardware, traffic, spec.dt)
        summary["traffic"] = traffic_summary(simulation.hardware, traffic, spec.dt)
        summary["latency_folding"] = _merge_folding([r["latency_folding"] for r in stats])
    write_json(out_dir / "run_stats.json", summary)
    sys.stderr.write(f"cortexsim run: {len(all_gids)} spikes recorded -> {out_dir}\n")


def _merge_folding(per_rank: list[dict]) -> dict:
    n = sum(r["n_edges"] for r in per_rank)
    return {"n_edges": n, "n_delays_changed": sum(r["n_delays_changed"] for r in per_rank),
            "max_abs_rounding_ms": max(r["max_abs_rounding_ms"] for r in per_rank),
            "mean_abs_rounding_ms": sum(r["mean_abs_rounding_ms"] * r["n_edges"] for r in per_rank) / n if n else 0.0}


def run_statistics(config: SimulationConfig, simulation: RankSimulation, per_rank: list[dict], n_ranks: int,
                   total_seconds: float) -> dict:
    spec = config.spec
    sent = np.array([r["spikes_sent_to"] for r in per_rank], dtype=np.int64)
    received = np.array([r["spikes_received_from"] for r in per_rank], dtype=np.int64).T
    dropped = np.array([r["spikes_dropped_to"] for r in per_rank], dtype=np.int64)
    phases = {k: max(r["wall_time_s"][k] for r in per_rank) for k in per_rank[0]["wall_time_s"]}
    phases["simulation_loop"] = max(r["loop_s"] for r in per_rank)  # the slowest rank's whole loop
    phases["total"] = total_seconds
    return {
        "model": config.model, "t_stop_ms": config.t_stop, "dt_ms": spec.dt, "seed": spec.seed,
        "n_ranks": n_ranks, "n_partitions": config.n_partitions, "threads_per_rank": simulation.threads,
        "populations": {p.label: {"size": p.size, "cell_type": p.cell.name,
                                  "n_recorded": int(len(p.recording.get("spikes", [])))}
                        for p in spec.populations if "spikes" in p.recording},
        "reference_rates": config.reference_rates,
        "peak_rss_mb": {"max_rank": max(r["peak_rss_mb"] for r in per_rank),
                        "sum_ranks": round(sum(r["peak_rss_mb"] for r in per_rank), 1)},
        "lookahead_ms": None if simulation.exchange_steps is None else simulation.exchange_steps * spec.dt,
        "exchange_steps": int(per_rank[0]["exchange_steps"]),
        "wall_time_s": phases,
        "rtf": phases["simulation_loop"] / (config.t_stop * 1e-3),
        "rtf_nest_only": phases["simulate"] / (config.t_stop * 1e-3),
        "spikes": {"sent": sent.tolist(), "received": received.tolist(), "dropped": dropped.tolist(),
                   "conserved": bool(np.array_equal(sent, received + dropped)),
                   "total_sent": int(sent.sum()), "total_received": int(received.sum()),
                   "total_dropped": int(dropped.sum())},
        "ranks": per_rank,
    }

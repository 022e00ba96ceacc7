"""`cortexsim build`: run a PyNN model script in build mode and write its network as SONATA files.

The script runs unchanged (``import cortexsim.pynn as sim``); its ``sim.run()`` hands the finished
description to the builder. Edges are generated per partition, each partition by one rank (round
robin over the ranks of the build job), so building under ``mpiexec`` spreads the work, and the files
are the same whatever the number of build ranks. Everything is written under temporary names and
moved into place only when complete; an error leaves an earlier build untouched.
"""

from __future__ import annotations

import logging
import os
import runpy
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import ConfigError, ModelError
from ..exchange.comm import Communicator
from ..io import sonata_network as sonata
from ..io.atomic import replace_directory, write_json
from ..io.sim_config import FORMAT_VERSION
from ..model.network import NetworkSpec
from ..hardware.profile import load_profile
from ..partition import partition_cells
from ..pynn.state import BuildCaptured, BuildOverrides, SimulatorState, reset_state
from .edges import generate_incoming_edges

log = logging.getLogger(__name__)
REFERENCE_RATES = {"microcircuit": "pd14", "brunel": "brunel2000"}


def capture_model(script: Path, model_args: list[str], overrides: BuildOverrides) -> tuple[NetworkSpec, float, SimulatorState]:
    """Run the model script in build mode; return its network description and requested run time."""
    if not script.is_file():
        raise ConfigError("command line", "model", str(script), "no such model file")
    if script.suffix != ".py":
        raise ConfigError("command line", "model", str(script), "a model is a Python (PyNN) script ending in .py")
    state = reset_state("build", overrides)
    saved_argv = sys.argv
    sys.argv = [str(script)] + list(model_args)
    try:
        runpy.run_path(str(script), run_name="__main__")
    except BuildCaptured:
        pass
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise ModelError(f"model script {script} exited with status {exc.code} "
                             f"(arguments given to it: {' '.join(model_args) or 'none'})") from None
    finally:
        sys.argv = saved_argv
        state.mode = "direct"  # the captured description stays; later scripts in this process run normally
        state.overrides = BuildOverrides()
    if not state.is_setup or not state.spec.populations:
        raise ModelError(f"model script {script} did not call setup() and create populations")
    t_stop = overrides.t_stop if overrides.t_stop is not None else state.t_stop_requested
    if not t_stop or t_stop <= 0:
        raise ModelError(f"model script {script} never called run(); give the simulation time with --t-stop")
    return state.spec, float(t_stop), state


def build(script: Path, out_dir: Path, comm: Communicator, partitions: int | None = None,
          partitioner: str | None = None, seed: int | None = None, t_stop: float | None = None,
          model_args: list[str] | None = None, hardware: str | None = None) -> Path:
    """Build the network of ``script`` into ``out_dir``; returns the simulation config path."""
    if t_stop is not None and not t_stop > 0:
        raise ConfigError("command line", "--t-stop", t_stop, "must be > 0")
    if partitions is not None and partitions < 1:
        raise ConfigError("command line", "--partitions", partitions, "must be >= 1")
    if seed is not None and seed < 0:
        raise ConfigError("command line", "--seed", seed, "must be >= 0")
    start = time.perf_counter()
    overrides = BuildOverrides(partitions, partitioner, seed, t_stop)
    spec, run_time, state = capture_model(Path(script), model_args or [], overrides)
    spec.model_name = Path(script).stem
    n_partitions = state.partitions or comm.size
    table = partition_cells(spec, n_partitions, state.partitioner)
    profile = load_profile(hardware) if hardware is not None else state.hardware
    if profile is not None:
        profile = profile.for_partitions(n_partitions)
    out_dir = Path(out_dir)
    network_dir = out_dir / "network"
    tmp = str(network_dir) + f".tmp-build-{os.getpid() if comm.rank == 0 else 0}"
    tmp = Path(comm.bcast_object(tmp))
    if comm.rank == 0:
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    n_edges = 0
    try:
        for partition in range(comm.rank, n_partitions, comm.size):
            targets = np.nonzero(table == partition)[0].astype(np.int64)
            tables = generate_incoming_edges(spec, targets)
            n_edges += sonata.write_partition_edges(tmp / sonata.edges_file_name(partition), spec, tables)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # never leave a half-built network behind
        raise
    counts = comm.gather_objects(n_edges)
    if comm.rank == 0:
        sonata.write_nodes(tmp / "nodes.h5", spec)
        sonata.write_node_types(tmp / "node_types.csv", spec)
        sonata.write_edge_types(tmp / "edge_types.csv", spec)
        sonata.write_partition_table(tmp / "partition.h5", table, state.partitioner)
        replace_directory(tmp, network_dir)
        total = int(sum(counts))
        write_json(out_dir / "circuit_config.json", circuit_config(spec, n_partitions))
        config = simulation_config(spec, run_time, n_partitions, state.partitioner, total,
                                   time.perf_counter() - start)
        config["cortexsim"]["hardware"] = None if profile is None else profile.to_json()
        write_json(out_dir / "simulation_config.json", config)
        sys.stderr.write(f"cortexsim build: {spec.n_cells} cells, {total} connections, {n_partitions} "
                         f"partition{'s' if n_partitions != 1 else ''} "
                         f"-> {out_dir} ({time.perf_counter() - start:.1f} s)\n")
    comm.barrier()
    return out_dir / "simulation_config.json"


def circuit_config(spec: NetworkSpec, n_partitions: int) -> dict:
    return {
        "manifest": {"$NETWORK_DIR": "./network"},
        "networks": {
            "nodes": [{"nodes_file": "$NETWORK_DIR/nodes.h5", "node_types_file": "$NETWORK_DIR/node_types.csv"}],
            "edges": [{"edges_file": f"$NETWORK_DIR/{sonata.edges_file_name(p)}",
                       "edge_types_file": "$NETWORK_DIR/edge_types.csv"} for p in range(n_partitions)],
        },
    }


def simulation_config(spec: NetworkSpec, t_stop: float, n_partitions: int, partitioner: str, n_edges: int,
                      build_seconds: float) -> dict:
    projections = [{"index": p.index, "label": p.label, "pre": p.pre, "post": p.post,
                    "receptor_type": p.receptor_type, "synapse_model": p.synapse_model,
                    "connector": p.connector.describe() if p.connector is not None else None,
                    "edge_population": sonata.edge_population_name(spec, p)} for p in spec.projections]
    return {
        "target_simulator": "NEST",
        "network": "circuit_config.json",
        "run": {"tstop": t_stop, "dt": spec.dt},
        "output": {"output_dir": "output", "spikes_file": "spikes.h5", "spikes_sort_order": "time"},
        "cortexsim": {"format_version": FORMAT_VERSION, "model": spec.model_name, "seed": spec.seed,
                      "n_partitions": n_partitions, "partitioner": partitioner, "min_delay": spec.min_delay,
                      "n_cells": spec.n_cells, "network_dir": "network", "projections": projections,
                      "reference_rates": REFERENCE_RATES.get(spec.model_name),
                      "build": {"n_edges": n_edges, "wall_time_s": round(build_seconds, 3)}},
    }

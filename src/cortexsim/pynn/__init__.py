"""``import cortexsim.pynn as sim``: a drop-in for ``pyNN.nest`` that runs on many MPI ranks.

A script written against PyNN runs unchanged: ``mpiexec -n 3 python script.py`` simulates it on three
ranks (each rank its own NEST kernel, spikes carried by cortexsim's exchange layer), and
``cortexsim build script.py --out DIR`` captures the same network into SONATA files instead. Features
cortexsim does not support raise ``NotImplementedError``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from pyNN import space  # noqa: F401  (structures: Line, Grid2D, Grid3D, RandomStructure)
from pyNN.space import Grid2D, Grid3D, Line, RandomStructure, Space  # noqa: F401

from ..build.connectors import (AllToAllConnector, FixedNumberPostConnector,  # noqa: F401
                                FixedNumberPreConnector, FixedProbabilityConnector, FixedTotalNumberConnector,
                                FromListConnector, OneToOneConnector)
from ..errors import ModelError
from .cells import (EIF_cond_exp_isfa_ista, HH_cond_exp, IF_cond_alpha, IF_cond_exp,  # noqa: F401
                    IF_curr_alpha, IF_curr_delta, IF_curr_exp, Izhikevich, SpikeSourceArray, SpikeSourcePoisson)
from .electrodes import ACSource, DCSource, NoisyCurrentSource, StepCurrentSource  # noqa: F401
from .populations import ID, Population, PopulationView  # noqa: F401
from .projections import Projection, STDPMechanism, StaticSynapse, TsodyksMarkramSynapse  # noqa: F401
from .random import GSLRNG, NativeRNG, NumpyRNG, RandomDistribution  # noqa: F401
from .state import BuildCaptured, reset_state, state

__all__ = [
    "setup", "run", "run_until", "end", "reset", "get_current_time", "get_time_step", "get_min_delay",
    "rank", "num_processes", "Population", "PopulationView", "Projection", "StaticSynapse",
    "IF_curr_exp", "IF_curr_alpha", "IF_curr_delta", "SpikeSourcePoisson", "SpikeSourceArray", "DCSource",
    "AllToAllConnector", "OneToOneConnector", "FixedProbabilityConnector", "FixedNumberPreConnector",
    "FixedTotalNumberConnector", "FromListConnector", "RandomDistribution", "NumpyRNG",
]


def setup(timestep: float = 0.1, min_delay: float | str = "auto", max_delay: float | None = None,
          seed: int | None = None, rng_seed: int | None = None, partitions: int | None = None,
          partitioner: str = "round_robin", threads: int = 1, hardware: Any = None, **extra: Any) -> int:
    """Start describing a network. Returns this process's MPI rank.

    ``partitions``/``partitioner`` choose how cells are split (default: one partition per rank,
    round robin over cells in creation order); ``threads`` is the number of NEST threads per rank.
    """
    unknown = set(extra) - {"spike_precision", "verbosity", "use_cvode"}
    if unknown:
        raise ModelError(f"setup(): unknown option(s) {sorted(unknown)}")
    if extra.get("spike_precision", "on_grid") != "on_grid":
        raise NotImplementedError("setup(spike_precision='off_grid') is not supported by cortexsim")
    if timestep <= 0:
        raise ModelError(f"setup(): timestep = {timestep} must be > 0")
    for name, value in (("seed", seed), ("rng_seed", rng_seed)):
        if value is not None and int(value) < 0:
            raise ModelError(f"setup(): {name} = {value} must be >= 0")
    mode, overrides = state.mode, state.overrides
    current = reset_state(mode, overrides)
    spec = current.spec
    spec.dt = float(timestep)
    if min_delay != "auto":
        if float(min_delay) < timestep:
            raise ModelError(f"setup(): min_delay = {min_delay} is smaller than timestep = {timestep}")
        spec.min_delay = float(min_delay)
    spec.seed = int(overrides.seed if overrides.seed is not None else (seed if seed is not None else
                                                                        (rng_seed if rng_seed is not None else 1)))
    current.partitions = overrides.partitions or partitions
    current.partitioner = overrides.partitioner or partitioner
    current.threads = int(threads)
    if hardware is not None:
        from ..hardware.profile import load_profile
        current.hardware = load_profile(hardware)
    current.is_setup = True
    return rank()


def rank() -> int:
    from ..exchange.comm import world
    return world().rank


def num_processes() -> int:
    from ..exchange.comm import world
    return world().size


def get_time_step() -> float:
    return state.spec.dt


def get_min_delay() -> float:
    return state.spec.min_delay or state.spec.dt


def get_current_time() -> float:
    return (state.simulation.now_steps if state.simulation is not None else 0) * state.spec.dt


def _realise() -> None:
    """Partition the network, generate this rank's connections and start its NEST kernel (once)."""
    if state.edges is not None:
        return
    from ..build.edges import generate_incoming_edges
    from ..engine.simulation import RankLayout
    from ..exchange.comm import world
    from ..partition import partition_cells, rank_of_partition

    comm = world()
    start = time.perf_counter()
    n_partitions = state.partitions or comm.size
    table = partition_cells(state.spec, n_partitions, state.partitioner)
    layout = RankLayout(table, rank_of_partition(n_partitions, comm.size))
    mine = np.nonzero(layout.owner_rank() == comm.rank)[0].astype(np.int64)
    state.layout = layout
    state.edges = generate_incoming_edges(state.spec, mine)
    state.build_seconds = time.perf_counter() - start


def run(simtime: float, callbacks: Any = None) -> float:
    """Simulate for ``simtime`` ms (in build mode: record the time and hand the network to the builder)."""
    if callbacks:
        raise NotImplementedError("run(callbacks=...) is not supported by cortexsim")
    if not state.is_setup:
        raise ModelError("run(): call setup() first")
    if simtime <= 0:
        raise ModelError(f"run(): simtime = {simtime} must be > 0")
    if state.mode == "build":
        state.t_stop_requested += float(simtime)
        raise BuildCaptured()
    from ..engine.simulation import RankSimulation
    from ..exchange.comm import world

    if state.finished:
        raise ModelError("run() after end(): call setup() to start a new simulation")
    if state.simulation is None:
        _realise()
        state.horizon = float(simtime)
        state.simulation = RankSimulation(state.spec, state.layout, state.edges, world(),
                                          t_stop_hint=simtime, threads=state.threads,
                                          build_seconds=state.build_seconds, hardware=state.hardware)
    elif _has_poisson_sources() and get_current_time() + simtime > state.horizon + 1e-9:
        raise NotImplementedError("run() beyond the end of the first run() with SpikeSourcePoisson sources: "
                                  "give the whole simulation time in the first run()")
    state.simulation.run(simtime)
    return get_current_time()


def _has_poisson_sources() -> bool:
    return any(p.cell.name == "SpikeSourcePoisson" for p in state.spec.populations)


def run_until(tstop: float, callbacks: Any = None) -> float:
    return run(tstop - get_current_time(), callbacks)


def end(compatible_output: bool = True) -> None:
    """Finish: close NEST, write any data requested with ``record(..., to_file=...)``."""
    if state.simulation is not None and not state.finished:
        state.simulation.finish()
        for population in state.populations:
            for view, names, path in population._write_on_end:
                view.write_data(path, names)
        state.simulation.close()
    state.finished = True


def reset(annotations: dict | None = None) -> None:
    raise NotImplementedError("reset() is not supported by cortexsim: start a new script or call setup() again")

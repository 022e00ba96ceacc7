"""Helpers for model scripts that run on cortexsim or, for comparison, on plain pyNN.nest.

Like ``pyNN.utility``: nothing here depends on the simulator chosen, so a script can import it
whichever backend it runs on.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np


def import_simulator(name: str) -> ModuleType:
    """``cortexsim.pynn`` (default) or ``pyNN.nest`` (``name == "nest"``), imported as ``sim``."""
    if name == "nest":
        from ..engine.nest_import import import_nest

        import_nest()  # quiet, and safe under an MPI launcher
        import pyNN.nest as sim
    elif name == "cortexsim":
        import cortexsim.pynn as sim
    else:
        raise ValueError(f"unknown simulator '{name}' (cortexsim or nest)")
    return sim


def population_rates(populations: list, t_start: float, t_stop: float) -> dict[str, float]:
    """Mean rate (Hz) of the recorded cells of each population over (t_start, t_stop].

    Collective: call it on every rank (``get_data`` gathers the spikes).
    """
    rates = {}
    for population in populations:
        trains = population.get_data("spikes").segments[0].spiketrains
        if not trains:
            rates[population.label] = float("nan")
            continue
        count = sum(int(np.count_nonzero(np.asarray(st.magnitude) > t_start)) for st in trains)
        rates[population.label] = count / len(trains) / ((t_stop - t_start) * 1e-3)
    return rates


def output_path(pattern: str, label: str) -> str:
    """File name for one population: ``pattern`` with ``{label}`` filled in, or ``_label`` before the suffix."""
    if "{label}" in pattern:
        return pattern.format(label=label)
    stem, dot, ext = pattern.rpartition(".")
    return f"{stem}_{label}.{ext}" if dot and "/" not in ext else f"{pattern}_{label}"


def setup_simulator(sim: ModuleType, simulator: str, dt: float, seed: int, threads: int = 1,
                    partitioner: str | None = None) -> None:
    """``sim.setup`` with the options each backend needs for comparable runs.

    pyNN.nest: on-grid neuron models and ``min_delay = dt`` (so that its SpikeSourceArray timing is
    consistent); cortexsim: the seed of its keyed streams and, optionally, a partitioner.
    """
    if simulator == "nest":
        sim.setup(timestep=dt, min_delay=dt, rng_seed=seed, threads=threads, spike_precision="on_grid")
    else:
        extra = {"partitioner": partitioner} if partitioner else {}
        sim.setup(timestep=dt, seed=seed, threads=threads, **extra)


def finish(sim: ModuleType, populations: list, t_start: float, t_stop: float,
           output: str | None = None) -> tuple[dict[str, float], int, int]:
    """After ``sim.run``: rates per population, spikes written to ``output`` if given, ``sim.end()``.

    Returns (rates, rank, number of processes); collective, so call it on every rank.
    """
    rates = population_rates(populations, t_start, t_stop)
    if output:
        for population in populations:
            population.write_data(output_path(output, population.label), "spikes")
    rank, n_procs = sim.rank(), sim.num_processes()
    sim.end()
    return rates, rank, n_procs

"""Recorded data as Neo objects (``get_data``) and writing them (``write_data``).

Data are gathered from all ranks, so every rank gets the whole block; cell ids are global creation-order
ids and therefore the same on any rank count.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..exchange.comm import world
from ..model import streams
from ..model.network import resolve_cell_values
from .state import state


def _all_spikes() -> tuple[np.ndarray, np.ndarray]:
    comm = world()
    if state.simulation is None:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    gids, steps = state.simulation.recorded_spikes()
    return comm.allgather_arrays(gids), comm.allgather_arrays(steps)


def _all_membrane() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    comm = world()
    if state.simulation is None:
        return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
    gids, times, values = state.simulation.recorded_membrane()
    return comm.allgather_arrays(gids), comm.allgather_arrays(times), comm.allgather_arrays(values)


def _variables(population, variables: str | Iterable[str]) -> list[str]:
    names = list(population.celltype.recordable) if variables == "all" else (
        [variables] if isinstance(variables, str) else list(variables))
    return [n for n in names if n in population._spec.recording]


def population_block(population, variables: str | Iterable[str] = "all", annotations: dict | None = None):
    """A neo Block with one Segment holding the population's recorded spike trains and signals."""
    import neo
    import quantities as pq

    spec = state.spec
    pop = population._spec
    names = _variables(population, variables)
    t_now = (state.simulation.now_steps if state.simulation is not None else 0) * spec.dt
    segment = neo.Segment(name="segment000")
    block = neo.Block(name=population.label, description=population.describe(), **(annotations or {}))
    block.segments.append(segment)
    view_positions = {int(i): k for k, i in enumerate(population.indices)}
    if "spikes" in names:
        recorded = np.intersect1d(pop.recording["spikes"], population.indices)
        gids, steps = _all_spikes()
        mask = (gids >= pop.global_offset) & (gids < pop.global_offset + pop.size)
        gids, steps = gids[mask], steps[mask]
        order = np.lexsort((steps, gids))
        gids, steps = gids[order], steps[order]
        bounds = np.searchsorted(gids, recorded + pop.global_offset, side="left"), \
            np.searchsorted(gids, recorded + pop.global_offset, side="right")
        for index, a, b in zip(recorded, *bounds):
            segment.spiketrains.append(neo.SpikeTrain(
                steps[a:b] * spec.dt, t_start=0.0, t_stop=max(t_now, spec.dt), units="ms",
                source_population=population.label, source_id=int(pop.global_offset + index),
                source_index=view_positions[int(index)]))
    if "v" in names:
        recorded = np.intersect1d(pop.recording["v"], population.indices)
        gids, times, values = _all_membrane()
        n_times = int(round(t_now / spec.dt))
        matrix = np.full((n_times + 1, len(recorded)), np.nan)
        initial = pop.initial.get("v", pop.params.get("v_rest", pop.cell.initial_defaults["v"]))
        matrix[0] = resolve_cell_values(initial, spec.seed, (pop.index, streams.purpose_code("init:v")),
                                        recorded, pop.size, "v")
        column = np.searchsorted(recorded + pop.global_offset, gids)
        row = np.rint(times / spec.dt).astype(np.int64)
        keep = (column < len(recorded)) & (row <= n_times)
        keep &= (recorded + pop.global_offset)[np.minimum(column, len(recorded) - 1)] == gids
        matrix[row[keep], column[keep]] = values[keep]
        signal = neo.AnalogSignal(matrix, units="mV", sampling_period=spec.dt * pq.ms, t_start=0 * pq.ms,
                                  name="v", source_population=population.label,
                                  source_ids=(recorded + pop.global_offset).astype(int),
                                  channel_index=np.array([view_positions[int(i)] for i in recorded]))
        segment.analogsignals.append(signal)
    return block


def spike_counts(population) -> dict[int, int]:
    pop = population._spec
    gids, _ = _all_spikes()
    recorded = np.intersect1d(pop.recording.get("spikes", np.empty(0, np.int64)), population.indices)
    mask = (gids >= pop.global_offset) & (gids < pop.global_offset + pop.size)
    counts = np.bincount(gids[mask] - pop.global_offset, minlength=pop.size)
    return {int(pop.global_offset + i): int(counts[i]) for i in recorded}


def write_block(block: Any, io: Any) -> None:
    """Write a block with neo (file name -> neo.get_io); rank 0 writes, via a temporary name."""
    import os

    import neo

    if world().rank != 0:
        return
    if isinstance(io, (str, os.PathLike)):
        path = os.fspath(io)
        root, ext = os.path.splitext(path)
        tmp = f"{root}.tmp-{os.getpid()}{ext}"
        writer = neo.io.get_io(tmp)
        writer.write_block(block)
        if hasattr(writer, "close"):
            writer.close()
        os.replace(tmp, path)
    else:
        io.write_block(block)

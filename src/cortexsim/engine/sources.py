"""Spike sources (SpikeSourceArray, SpikeSourcePoisson) realised on the ranks that need them.

Spike sources are virtual cells (as in SONATA): they are never simulated on a partition of their own.
Each rank creates a generator for every source that has a target on that rank, so source spikes never
cross the exchange layer. Spike trains are fixed by the seed and the source's cell id, hence the same
on every rank count:

* SpikeSourceArray: the given times.
* SpikeSourcePoisson with at most ``PRECOMPUTED_SPIKES_PER_CELL`` expected spikes: a Poisson train
  drawn from the cell's keyed stream and played by a ``spike_generator`` (exact, rank-invariant).
* Busier Poisson sources (e.g. 20 kHz background): NEST's ``poisson_generator``. A source cell with a
  single local connection is served by a generator shared with all such cells of the same rate
  (NEST draws an independent train per connection); one with several local connections gets its own
  generator feeding a ``parrot_neuron``, as pyNN.nest does, so all its local targets see one train.
  Same statistics, but the realisation comes from NEST's random stream of the rank, so it depends on
  the rank layout.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..errors import ModelError
from ..model import streams
from ..model.network import NetworkSpec, PopulationSpec, resolve_cell_values

PRECOMPUTED_SPIKES_PER_CELL = 2000.0


def poisson_source_parameters(spec: NetworkSpec, pop: PopulationSpec, indices: np.ndarray) -> dict[str, np.ndarray]:
    """rate (Hz), start and duration (ms) of some cells of a SpikeSourcePoisson population."""
    out = {}
    for name in ("rate", "start", "duration"):
        value = pop.params.get(name, pop.cell.defaults[name])
        out[name] = resolve_cell_values(value, spec.seed, (pop.index, streams.purpose_code("param:" + name)),
                                        indices, pop.size, f"population '{pop.label}' parameter '{name}'")
    if np.any(out["rate"] < 0):
        raise ModelError(f"population '{pop.label}': negative Poisson rate {out['rate'].min()}")
    return out


def precomputed_poisson_steps(spec: NetworkSpec, pop: PopulationSpec, indices: np.ndarray, t_stop: float,
                              params: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Poisson spike times on the dt grid for cells ``indices``: (cell index per spike, step)."""
    dt = spec.dt
    begin = np.maximum(params["start"], 0.0)
    end = np.minimum(params["start"] + params["duration"], t_stop)
    span = np.maximum(end - begin, 0.0)
    key = streams.make_key(spec.seed, pop.index, streams.purpose_code("poisson"))
    counts = stats.poisson.ppf(streams.open_uniform(key, indices, 0), params["rate"] * span * 1e-3)
    counts = np.nan_to_num(counts).astype(np.int64)
    cell = np.repeat(indices, counts)
    k = np.arange(len(cell)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    u = streams.uniform(key, cell, k)
    times = np.repeat(begin, counts) + u * np.repeat(span, counts)
    steps = np.maximum(np.ceil(times / dt - 1e-9).astype(np.int64), 1)
    order = np.lexsort((steps, cell))
    return cell[order], steps[order]


def array_source_steps(spec: NetworkSpec, pop: PopulationSpec, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SpikeSourceArray times as grid steps; off-grid or non-positive times are errors."""
    cells, steps = [], []
    for i in indices:
        times = np.asarray(pop.spike_times[i] if pop.spike_times else [], dtype=np.float64)
        s = np.rint(times / spec.dt).astype(np.int64)
        if len(times) and (np.any(np.abs(times / spec.dt - s) > 1e-6) or s.min() < 1):
            raise ModelError(f"population '{pop.label}' cell {i}: spike times must be positive multiples of "
                             f"dt = {spec.dt} ms (got {times[:5].tolist()}...)")
        cells.append(np.full(len(s), i, dtype=np.int64))
        steps.append(np.sort(s))
    if not cells:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(cells), np.concatenate(steps)


def is_busy_poisson(pop: PopulationSpec, params: dict[str, np.ndarray], t_stop: float) -> np.ndarray:
    """Which Poisson cells are too busy to precompute (True -> NEST poisson_generator)."""
    expected = params["rate"] * np.minimum(params["duration"], t_stop) * 1e-3
    return expected > PRECOMPUTED_SPIKES_PER_CELL

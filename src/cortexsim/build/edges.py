"""Incoming edges of a set of target cells: connector output plus weights and delays.

This is the per-target network generator used both by the build stage (one partition at a time,
written to SONATA) and by a PyNN script run directly under MPI (each rank its own partitions, in
memory). Weights stay in PyNN units (nA, or mV for delta synapses); delays become integer steps of dt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from ..model import distributions, streams
from ..model.network import DistributionSpec, NetworkSpec, ParameterValue, ProjectionSpec
from .connectors import ConnectionContext

log = logging.getLogger(__name__)
_GRID_TOLERANCE = 1e-6


@dataclass
class EdgeTable:
    """Edges of one projection onto some targets, sorted by target (generation order within one)."""

    projection: int
    source_gid: np.ndarray
    target_gid: np.ndarray
    weight: np.ndarray
    delay_steps: np.ndarray

    def __len__(self) -> int:
        return len(self.target_gid)

    @classmethod
    def empty(cls, projection: int) -> "EdgeTable":
        z = np.empty(0, dtype=np.int64)
        return cls(projection, z, z.copy(), np.empty(0), z.copy())


def _view_positions(indices: np.ndarray, size: int) -> np.ndarray:
    """Inverse of a view: population index -> position in the view, or -1."""
    inverse = np.full(size, -1, dtype=np.int64)
    inverse[indices] = np.arange(len(indices), dtype=np.int64)
    return inverse


def _rank_within_target(post: np.ndarray) -> np.ndarray:
    """k = 0, 1, ... for the edges of each target (edges are grouped by target)."""
    if len(post) == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.r_[0, np.nonzero(np.diff(post))[0] + 1]
    lengths = np.diff(np.r_[starts, len(post)])
    return np.arange(len(post)) - np.repeat(starts, lengths)


def edge_values(value: ParameterValue, name: str, spec: NetworkSpec, proj: ProjectionSpec,
                pre: np.ndarray, post: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Per-edge values of a synapse parameter given as scalar, (n_pre, n_post) array or distribution."""
    if isinstance(value, DistributionSpec):
        parts = (spec.seed, proj.index, streams.purpose_code(name))
        key = streams.make_key(*(parts if value.rng_seed is None else parts + (value.rng_seed,)))
        return distributions.sample(value.name, value.params, streams.open_uniform(key, post, k))
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return np.full(len(post), float(array))
    if array.shape == (len(proj.pre_indices), len(proj.post_indices)):
        return array[pre, post]
    raise ModelError(f"projection '{proj.label}': {name} array has shape {array.shape}, expected "
                     f"({len(proj.pre_indices)}, {len(proj.post_indices)})")


def delays_to_steps(delays: np.ndarray, dt: float, label: str, drawn: bool,
                    min_delay: float | None) -> np.ndarray:
    """Delays in ms -> integer steps. Off-grid delays are an error unless drawn from a distribution,
    where rounding to the grid is how the distribution is discretised (and is logged)."""
    if len(delays) and delays.min() < dt * (1 - _GRID_TOLERANCE):
        raise ModelError(f"projection '{label}': delay {float(delays.min())!r} ms is shorter than dt = {dt} ms")
    exact = delays / dt
    steps = np.rint(exact).astype(np.int64)
    off_grid = np.abs(exact - steps) > _GRID_TOLERANCE
    if np.any(off_grid):
        if not drawn:
            bad = float(delays[np.argmax(off_grid)])
            raise ModelError(f"projection '{label}': delay {bad!r} ms is not a multiple of dt = {dt} ms")
        log.info("projection '%s': %d drawn delays rounded to the %g ms grid", label, int(off_grid.sum()), dt)
    if min_delay is not None and len(steps) and steps.min() * dt < min_delay - _GRID_TOLERANCE:
        raise ModelError(f"projection '{label}': delay {float(steps.min() * dt)!r} ms is shorter than "
                         f"min_delay = {min_delay} ms given to setup()")
    return steps


def check_weight_signs(weights: np.ndarray, proj: ProjectionSpec) -> None:
    """Current-based synapses: excitatory weights >= 0, inhibitory <= 0 (as PyNN requires)."""
    if proj.receptor_type == "excitatory" and np.any(weights < 0):
        raise ModelError(f"projection '{proj.label}': negative weight {float(weights.min())!r} on an excitatory "
                         "receptor (use receptor_type='inhibitory' and negative weights)")
    if proj.receptor_type == "inhibitory" and np.any(weights > 0):
        raise ModelError(f"projection '{proj.label}': positive weight {float(weights.max())!r} on an inhibitory "
                         "current-based receptor (inhibitory weights must be negative)")


def generate_projection_edges(spec: NetworkSpec, proj: ProjectionSpec, target_gids: np.ndarray) -> EdgeTable:
    """Incoming edges of projection ``proj`` onto those of ``target_gids`` it reaches."""
    pre_pop, post_pop = spec.populations[proj.pre], spec.populations[proj.post]
    local = np.asarray(target_gids, dtype=np.int64) - post_pop.global_offset
    local = local[(local >= 0) & (local < post_pop.size)]
    post_positions = _view_positions(proj.post_indices, post_pop.size)[local]
    targets = np.sort(post_positions[post_positions >= 0])
    if len(targets) == 0:
        return EdgeTable.empty(proj.index)
    self_position = np.full(len(targets), -1, dtype=np.int64)
    if pre_pop is post_pop:
        self_position = _view_positions(proj.pre_indices, pre_pop.size)[proj.post_indices[targets]]
    ctx = ConnectionContext(len(proj.pre_indices), len(proj.post_indices), targets, self_position,
                            spec.seed, proj.index, proj.label)
    pre, post, columns = proj.connector.generate_with_columns(ctx)
    k = _rank_within_target(post)
    weight = columns.get("weight")
    if weight is None:
        weight = edge_values(proj.weight, "weight", spec, proj, pre, post, k)
    delay = columns.get("delay")
    if delay is None:
        delay = edge_values(proj.delay, "delay", spec, proj, pre, post, k)
    check_weight_signs(weight, proj)
    drawn = isinstance(proj.delay, DistributionSpec) and "delay" not in columns
    steps = delays_to_steps(delay, spec.dt, proj.label, drawn, spec.min_delay)
    return EdgeTable(proj.index,
                     proj.pre_indices[pre] + pre_pop.global_offset,
                     proj.post_indices[post] + post_pop.global_offset,
                     weight, steps)


def generate_incoming_edges(spec: NetworkSpec, target_gids: np.ndarray) -> list[EdgeTable]:
    """All projections' incoming edges of the given target cells (one EdgeTable per projection)."""
    return [generate_projection_edges(spec, proj, target_gids) for proj in spec.projections]

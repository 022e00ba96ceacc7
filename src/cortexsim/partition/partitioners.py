"""Partitioners assign every cell (spike sources included) to one of P partitions.

A partitioner is a function ``(spec, n_partitions) -> int32 array`` indexed by global cell id.
Later partitioners (spatial, graph-based) register themselves under a name with
:func:`register_partitioner`; the build stage, the CLI and ``setup(partitioner=...)`` look them up
by that name.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..errors import ModelError
from ..model.network import NetworkSpec

Partitioner = Callable[[NetworkSpec, int], np.ndarray]
PARTITIONERS: dict[str, Partitioner] = {}


def register_partitioner(name: str) -> Callable[[Partitioner], Partitioner]:
    def decorate(function: Partitioner) -> Partitioner:
        PARTITIONERS[name] = function
        return function
    return decorate


@register_partitioner("round_robin")
def round_robin(spec: NetworkSpec, n_partitions: int) -> np.ndarray:
    """Cell i goes to partition i mod P."""
    return (np.arange(spec.n_cells, dtype=np.int64) % n_partitions).astype(np.int32)


@register_partitioner("blocks")
def blocks(spec: NetworkSpec, n_partitions: int) -> np.ndarray:
    """Cells in creation order split into P contiguous parts, sized as numpy.array_split does."""
    n = spec.n_cells
    base, extra = divmod(n, n_partitions)
    sizes = np.full(n_partitions, base, dtype=np.int64)
    sizes[:extra] += 1
    return np.repeat(np.arange(n_partitions, dtype=np.int32), sizes)


def partition_cells(spec: NetworkSpec, n_partitions: int, partitioner: str) -> np.ndarray:
    """Partition of every cell, after checking the request makes sense for this network."""
    if partitioner not in PARTITIONERS:
        raise ModelError(f"unknown partitioner '{partitioner}'; known: {', '.join(sorted(PARTITIONERS))}")
    if n_partitions < 1:
        raise ModelError(f"partitions = {n_partitions}: need at least 1")
    n_neurons = sum(p.size for p in spec.populations if not p.cell.is_source)
    if n_partitions > max(1, n_neurons):
        raise ModelError(f"partitions = {n_partitions} exceeds the number of neurons ({n_neurons}): "
                         "every partition must hold at least one neuron")
    table = PARTITIONERS[partitioner](spec, n_partitions)
    if table.shape != (spec.n_cells,) or table.min(initial=0) < 0 or table.max(initial=0) >= n_partitions:
        raise ModelError(f"partitioner '{partitioner}' returned an invalid table")
    is_neuron = np.zeros(spec.n_cells, dtype=bool)
    for pop in spec.populations:
        is_neuron[pop.global_offset:pop.global_offset + pop.size] = not pop.cell.is_source
    neurons_per_partition = np.bincount(table[is_neuron], minlength=n_partitions)
    if n_neurons and np.any(neurons_per_partition == 0):
        empty = int(np.argmin(neurons_per_partition))
        raise ModelError(f"partitioner '{partitioner}' leaves partition {empty} of {n_partitions} without "
                         "neurons (only spike sources there): its rank would idle. Create spike-source "
                         "populations next to their targets, or use another partitioner")
    return table.astype(np.int32)

"""The network description: populations, projections, current sources and what to record.

A :class:`NetworkSpec` is what a model script builds through the PyNN frontend and what the build
stage stores on disk. It holds rules, not connections: per-cell values are given as scalars, arrays
or distributions and are only turned into numbers for the cells a rank owns
(:func:`resolve_cell_values`); connections are generated per target (:mod:`cortexsim.build.edges`).
Cell ids are global: population ``p`` owns ``global_offset .. global_offset + size - 1`` in creation
order, spike sources included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

from . import distributions, streams
from .celltypes import CellModel


@dataclass(frozen=True)
class DistributionSpec:
    """A named random distribution (PyNN ``RandomDistribution``) and its parameters."""

    name: str
    params: dict[str, float]
    #: seed of a user-supplied RNG, mixed into the stream key (None: the simulation seed alone)
    rng_seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"distribution": self.name, "params": self.params, "rng_seed": self.rng_seed}


ParameterValue = Union[float, np.ndarray, DistributionSpec]


@dataclass
class PopulationSpec:
    """One population of identical-type cells."""

    index: int
    label: str
    cell: CellModel
    size: int
    global_offset: int
    params: dict[str, ParameterValue] = field(default_factory=dict)
    initial: dict[str, ParameterValue] = field(default_factory=dict)
    positions: np.ndarray | None = None
    #: variable ('spikes', 'v') -> sorted population-local indices of recorded cells
    recording: dict[str, np.ndarray] = field(default_factory=dict)
    #: SpikeSourceArray only: spike times (ms) of each cell
    spike_times: list[np.ndarray] | None = None

    @property
    def gids(self) -> np.ndarray:
        return np.arange(self.global_offset, self.global_offset + self.size, dtype=np.int64)

    def record(self, variable: str, indices: np.ndarray) -> None:
        """Add cells (population-local indices) to the recording of one variable."""
        if variable not in self.cell.recordables:
            raise NotImplementedError(
                f"cortexsim cannot record '{variable}' from {self.cell.name} population '{self.label}'; "
                f"recordable: {list(self.cell.recordables)}")
        old = self.recording.get(variable, np.empty(0, dtype=np.int64))
        self.recording[variable] = np.union1d(old, np.asarray(indices, dtype=np.int64))


@dataclass
class ProjectionSpec:
    """Connections from a (view of a) population to a (view of a) population by one connector."""

    index: int
    label: str
    pre: int
    pre_indices: np.ndarray
    post: int
    post_indices: np.ndarray
    connector: Any
    weight: ParameterValue
    delay: ParameterValue
    receptor_type: str
    synapse_model: str = "static_synapse"


@dataclass
class CurrentSourceSpec:
    """A DC current injected into a set of cells (PyNN ``DCSource``; nA, ms)."""

    index: int
    amplitude: float
    start: float
    stop: float | None
    targets: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


@dataclass
class NetworkSpec:
    """Everything a model script declared: the network plus run options."""

    dt: float = 0.1
    min_delay: float | None = None
    seed: int = 1
    populations: list[PopulationSpec] = field(default_factory=list)
    projections: list[ProjectionSpec] = field(default_factory=list)
    current_sources: list[CurrentSourceSpec] = field(default_factory=list)
    model_name: str = "network"

    @property
    def n_cells(self) -> int:
        return sum(p.size for p in self.populations)

    def offsets(self) -> np.ndarray:
        """Global offset of each population, plus the total cell count at the end."""
        return np.array([p.global_offset for p in self.populations] + [self.n_cells], dtype=np.int64)

    def population_of(self, gids: np.ndarray) -> np.ndarray:
        """Index of the population that owns each global cell id."""
        return np.searchsorted(self.offsets(), gids, side="right") - 1

    def population(self, label: str) -> PopulationSpec:
        for pop in self.populations:
            if pop.label == label:
                return pop
        raise KeyError(label)


def resolve_cell_values(value: ParameterValue, seed: int, stream_parts: tuple[int, ...],
                        indices: np.ndarray, size: int, what: str) -> np.ndarray:
    """Per-cell values of a parameter for the cells ``indices`` (population-local) of a population.

    A distribution draws cell i's value from the stream keyed by (seed, *stream_parts) at counter i,
    so a cell has the same value on whichever rank it lives.
    """
    indices = np.asarray(indices, dtype=np.int64)
    if isinstance(value, DistributionSpec):
        parts = stream_parts if value.rng_seed is None else stream_parts + (value.rng_seed,)
        key = streams.make_key(seed, *parts)
        return distributions.sample(value.name, value.params, streams.open_uniform(key, indices))
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return np.full(indices.shape, float(array))
    if array.shape != (size,):
        raise ValueError(f"{what}: expected a scalar or {size} values, got shape {array.shape}")
    return array[indices]

"""``Population`` and ``PopulationView``: groups of cells with parameters, recording and data access."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..errors import ModelError
from ..model.network import PopulationSpec
from .cells import StandardCellType, as_parameter_value
from .state import state


class ID(int):
    """A cell id (global, 0-based, creation order) that knows its population."""

    def __new__(cls, value: int, parent: "Population") -> "ID":
        obj = super().__new__(cls, value)
        obj.parent = parent
        return obj

    @property
    def local(self) -> bool:
        return True


class BasePopulation:
    """What Population and PopulationView share."""

    parent_population: "Population"
    indices: np.ndarray

    @property
    def size(self) -> int:
        return len(self.indices)

    def __len__(self) -> int:
        return self.size

    @property
    def celltype(self) -> StandardCellType:
        return self.parent_population.celltype

    @property
    def _spec(self) -> PopulationSpec:
        return self.parent_population._pop_spec

    def __getitem__(self, selector: Any) -> "PopulationView":
        if isinstance(selector, (int, np.integer)):
            index = int(self.indices[selector])
            return ID(self._spec.global_offset + index, self.parent_population)  # type: ignore[return-value]
        return PopulationView(self, selector)

    def __iter__(self):
        offset = self._spec.global_offset
        return (ID(offset + int(i), self.parent_population) for i in self.indices)

    @property
    def all_cells(self) -> np.ndarray:
        return np.array(list(iter(self)), dtype=object)

    local_cells = all_cells

    def id_to_index(self, ids: int | Iterable[int]) -> int | np.ndarray:
        scalar = np.isscalar(ids)
        ids = np.atleast_1d(np.asarray(ids, dtype=np.int64)) - self._spec.global_offset
        lookup = np.full(self._spec.size, -1, dtype=np.int64)
        lookup[self.indices] = np.arange(self.size)
        if np.any((ids < 0) | (ids >= self._spec.size)) or np.any(lookup[ids] < 0):
            raise IndexError(f"ids {ids + self._spec.global_offset} are not all in {self.label}")
        return int(lookup[ids][0]) if scalar else lookup[ids]

    def sample(self, n: int, rng=None) -> "PopulationView":
        seed = getattr(rng, "seed", None) or state.spec.seed
        chosen = np.sort(np.random.default_rng(seed).choice(self.size, n, replace=False))
        return PopulationView(self, chosen)

    def record(self, variables: str | Iterable[str] | None, to_file: Any = None, sampling_interval: float | None = None) -> None:
        """Record 'spikes' and/or 'v' from these cells (None: nothing new)."""
        _require_describing("record")
        if variables is None:
            return
        if sampling_interval is not None and abs(sampling_interval - state.spec.dt) > 1e-12:
            raise NotImplementedError("cortexsim records 'v' at every time step (sampling_interval = dt)")
        names = [variables] if isinstance(variables, str) else list(variables)
        if names == ["all"]:
            names = list(self.celltype.recordable)
        for name in names:
            self._spec.record(name, self.indices)
        if to_file is not None:
            self.parent_population._write_on_end.append((self, names, to_file))

    def initialize(self, **initial_values: Any) -> None:
        """Initial values of state variables (PyNN: only 'v' for these cell types)."""
        _require_describing("initialize")
        for name, value in initial_values.items():
            if name not in self.celltype.model.initial_defaults:
                raise ModelError(f"population '{self.label}': no state variable '{name}' to initialise "
                                 f"(have {list(self.celltype.model.initial_defaults)})")
            self._set_values(self._spec.initial, name, value)

    def set(self, **parameters: Any) -> None:
        """Set cell parameters (scalar, per-cell sequence or RandomDistribution)."""
        _require_describing("set")
        for name, value in parameters.items():
            if name not in self.celltype.model.defaults:
                raise ModelError(f"population '{self.label}': unknown parameter '{name}'")
            if name == "spike_times":
                self.parent_population._set_spike_times(self.indices, value)
                continue
            self._set_values(self._spec.params, name, value)

    def _set_values(self, store: dict, name: str, value: Any) -> None:
        new = as_parameter_value(value, f"population '{self.label}' {name}")
        if self.size == self._spec.size and np.array_equal(self.indices, np.arange(self._spec.size)):
            if isinstance(new, np.ndarray) and new.shape != (self.size,):
                raise ModelError(f"population '{self.label}': {name} needs {self.size} values, got {new.shape}")
            store[name] = new
            return
        if not isinstance(new, (float, np.ndarray)):
            raise NotImplementedError(f"population view '{self.label}': a RandomDistribution for '{name}' "
                                      "on part of a population is not supported; set it on the population")
        default = store.get(name, self.celltype.model.defaults.get(name, self.celltype.model.initial_defaults.get(name)))
        if not isinstance(default, (float, int, np.ndarray)):
            raise NotImplementedError(f"population view '{self.label}': '{name}' is a distribution on the parent")
        full = np.broadcast_to(np.asarray(default, dtype=np.float64), (self._spec.size,)).copy()
        full[self.indices] = new
        store[name] = full

    def inject(self, current_source: Any) -> None:
        current_source.inject_into(self)

    @property
    def positions(self) -> np.ndarray:
        if self._spec.positions is None:
            raise ModelError(f"population '{self.label}' has no structure/positions")
        return self._spec.positions[:, self.indices]

    def get_data(self, variables: str | Iterable[str] = "all", gather: bool = True, clear: bool = False,
                 annotations: dict | None = None):
        from .data import population_block
        return population_block(self, variables, annotations)

    def write_data(self, io: Any, variables: str | Iterable[str] = "all", gather: bool = True, clear: bool = False,
                   annotations: dict | None = None) -> None:
        from .data import write_block
        write_block(self.get_data(variables, annotations=annotations), io)

    def get_spike_counts(self, gather: bool = True) -> dict[int, int]:
        from .data import spike_counts
        return spike_counts(self)

    def mean_spike_count(self, gather: bool = True) -> float:
        counts = self.get_spike_counts()
        return float(np.mean(list(counts.values()))) if counts else 0.0

    def describe(self) -> str:
        return f"{type(self).__name__} '{self.label}' of {self.size} {type(self.celltype).__name__} cells"


class Population(BasePopulation):
    """A new group of ``size`` cells of one type."""

    _count = 0

    def __init__(self, size: int, cellclass: Any, cellparams: dict | None = None, structure: Any = None,
                 initial_values: dict | None = None, label: str | None = None) -> None:
        _require_describing("Population")
        if isinstance(cellclass, type):
            cellclass = cellclass(**(cellparams or {}))
        elif cellparams:
            raise ModelError("give cell parameters either in the cell type or as cellparams, not both")
        if not isinstance(cellclass, StandardCellType):
            raise NotImplementedError(f"cell type {cellclass!r} is not supported by cortexsim")
        if int(size) != size or size < 1:
            raise ModelError(f"Population size must be a positive integer, got {size!r}")
        spec = state.spec
        index = len(spec.populations)
        label = label or f"population{index}"
        if any(p.label == label for p in spec.populations):
            raise ModelError(f"two populations are labelled '{label}'; labels must be unique")
        self._celltype = cellclass
        self.label = label
        self.parent_population = self
        self.indices = np.arange(int(size), dtype=np.int64)
        self._write_on_end: list = []
        self._pop_spec = PopulationSpec(index, label, cellclass.model, int(size), spec.n_cells)
        spec.populations.append(self._pop_spec)
        state.populations.append(self)
        if structure is not None:
            self._pop_spec.positions = np.asarray(structure.generate_positions(int(size)), dtype=np.float64)
        self.structure = structure
        parameters = dict(cellclass.parameters)
        spike_times = parameters.pop("spike_times", None)
        if cellclass.model.name == "SpikeSourceArray":
            self._pop_spec.spike_times = [np.empty(0)] * int(size)
            if spike_times is not None:
                self._set_spike_times(self.indices, spike_times)
        if parameters:
            self.set(**parameters)
        if initial_values:
            self.initialize(**initial_values)

    @property
    def celltype(self) -> StandardCellType:
        return self._celltype

    @property
    def first_id(self) -> ID:
        return ID(self._pop_spec.global_offset, self)

    @property
    def last_id(self) -> ID:
        return ID(self._pop_spec.global_offset + self.size - 1, self)

    def _set_spike_times(self, indices: np.ndarray, value: Any) -> None:
        values = list(value) if not np.isscalar(value) else [value]
        nested = len(values) > 0 and not np.isscalar(values[0]) and np.ndim(np.asarray(values[0], dtype=object)) >= 1
        for k, i in enumerate(indices):
            times = values[k] if nested else values
            self._pop_spec.spike_times[i] = np.sort(np.asarray(getattr(times, "value", times), dtype=np.float64).ravel())


class PopulationView(BasePopulation):
    """A selection (slice, index array or boolean mask) of a population's cells, in that order."""

    def __init__(self, parent: BasePopulation, selector: Any, label: str | None = None) -> None:
        positions = np.arange(parent.size)[selector]
        self.parent = parent
        self.parent_population = parent.parent_population
        self.indices = np.atleast_1d(parent.indices[positions]).astype(np.int64)
        if len(np.unique(self.indices)) != len(self.indices):
            raise ModelError("a PopulationView may not contain the same cell twice")
        self.label = label or f"view of {parent.label}"


def _require_describing(what: str) -> None:
    if not state.is_setup:
        raise ModelError(f"{what}: call setup() first")
    if state.simulation is not None:
        raise NotImplementedError(f"{what} after run(): cortexsim fixes the network at the first run()")

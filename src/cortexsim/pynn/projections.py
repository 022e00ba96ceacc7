"""``Projection`` and ``StaticSynapse``: connection rules between populations."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..build.connectors import Connector
from ..errors import ModelError
from ..model.network import ProjectionSpec
from .cells import as_parameter_value
from .populations import BasePopulation
from .state import state


class StaticSynapse:
    """A fixed-weight synapse. Weights in nA (current-based) or mV (delta); delays in ms."""

    def __init__(self, weight: Any = 0.0, delay: Any = None) -> None:
        self.weight = weight
        self.delay = delay


class _UnsupportedSynapse:
    name = "synapse"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} is not supported by cortexsim yet "
                                  "(plastic and dynamic synapses come in a later release); use StaticSynapse")


class TsodyksMarkramSynapse(_UnsupportedSynapse):
    pass


class STDPMechanism(_UnsupportedSynapse):
    pass


class Projection:
    """Connections from ``presynaptic_population`` to ``postsynaptic_population`` made by ``connector``."""

    def __init__(self, presynaptic_population: BasePopulation, postsynaptic_population: BasePopulation,
                 connector: Connector, synapse_type: StaticSynapse | None = None, source: str | None = None,
                 receptor_type: str | None = None, space: Any = None, label: str | None = None) -> None:
        if not state.is_setup:
            raise ModelError("Projection: call setup() first")
        if state.simulation is not None:
            raise NotImplementedError("Projection after run(): cortexsim fixes the network at the first run()")
        if not isinstance(connector, Connector):
            raise NotImplementedError(f"connector {type(connector).__name__} is not supported by cortexsim "
                                      "(use the connectors from cortexsim.pynn)")
        if source not in (None, "spikes"):
            raise NotImplementedError(f"Projection source '{source}' is not supported")
        post_cell = postsynaptic_population.celltype.model
        if post_cell.is_source:
            raise ModelError(f"cannot connect to spike source population '{postsynaptic_population.label}'")
        receptor_type = receptor_type or "excitatory"
        if receptor_type not in ("excitatory", "inhibitory"):
            raise ModelError(f"receptor_type '{receptor_type}' is not 'excitatory' or 'inhibitory'")
        synapse_type = synapse_type or StaticSynapse()
        if not isinstance(synapse_type, StaticSynapse):
            raise NotImplementedError(f"synapse type {type(synapse_type).__name__} is not supported; use StaticSynapse")
        spec = state.spec
        index = len(spec.projections)
        self.pre, self.post = presynaptic_population, postsynaptic_population
        self.label = label or f"{self.pre.parent_population.label}-{self.post.parent_population.label}-{index}"
        self.connector, self.synapse_type, self.receptor_type = connector, synapse_type, receptor_type
        delay = synapse_type.delay if synapse_type.delay is not None else (spec.min_delay or spec.dt)
        self._proj_spec = ProjectionSpec(
            index, self.label, self.pre.parent_population._pop_spec.index, self.pre.indices.copy(),
            self.post.parent_population._pop_spec.index, self.post.indices.copy(), connector,
            as_parameter_value(synapse_type.weight, f"projection '{self.label}' weight"),
            as_parameter_value(delay, f"projection '{self.label}' delay"), receptor_type)
        spec.projections.append(self._proj_spec)
        state.projections.append(self)

    def _local_edges(self):
        from . import _realise
        _realise()
        return state.edges[self._proj_spec.index]

    def size(self, gather: bool = True) -> int:
        """Number of connections (all ranks)."""
        from ..exchange.comm import world
        local = len(self._local_edges())
        return int(world().allreduce_sum_array(np.array([local]))[0]) if gather else local

    def __len__(self) -> int:
        return self.size()

    def get(self, attribute_names: str | Iterable[str], format: str = "list", gather: bool = True,
            with_address: bool = True, multiple_synapses: str = "sum"):
        """Connection attributes as a list of (pre_index, post_index, values...) or an array."""
        names = [attribute_names] if isinstance(attribute_names, str) else list(attribute_names)
        table = self._local_edges()
        pre_index = _positions(self.pre, table.source_gid)
        post_index = _positions(self.post, table.target_gid)
        columns = {"weight": table.weight, "delay": table.delay_steps * state.spec.dt}
        unknown = set(names) - set(columns)
        if unknown:
            raise NotImplementedError(f"Projection.get: attributes {sorted(unknown)} are not available")
        rows = np.column_stack([pre_index, post_index] + [columns[n] for n in names])
        if gather:
            from ..exchange.comm import world
            rows = world().allgather_arrays(rows.ravel()).reshape(-1, 2 + len(names))
            rows = rows[np.lexsort((rows[:, 0], rows[:, 1]))]
        if format == "list":
            return [tuple([int(r[0]), int(r[1])] + list(r[2:])) for r in rows] if with_address else \
                [tuple(r[2:]) for r in rows]
        if format == "array":
            arrays = []
            for k in range(len(names)):
                a = np.full((self.pre.size, self.post.size), np.nan)
                a[rows[:, 0].astype(int), rows[:, 1].astype(int)] = rows[:, 2 + k]
                arrays.append(a)
            return arrays[0] if len(arrays) == 1 else arrays
        raise ModelError(f"Projection.get: unknown format '{format}'")

    def describe(self) -> str:
        return f"Projection '{self.label}' {self.pre.label} -> {self.post.label} ({type(self.connector).__name__})"


def _positions(population: BasePopulation, gids: np.ndarray) -> np.ndarray:
    lookup = np.full(population._spec.size, -1, dtype=np.int64)
    lookup[population.indices] = np.arange(population.size)
    return lookup[gids - population._spec.global_offset]

"""Current sources. ``DCSource`` injects a constant current (nA) from ``start`` to ``stop`` (ms)."""

from __future__ import annotations

import numpy as np

from ..errors import ModelError
from ..model.network import CurrentSourceSpec
from .state import state


class DCSource:
    def __init__(self, amplitude: float = 1.0, start: float = 0.0, stop: float | None = None) -> None:
        if stop is not None and stop < start:
            raise ModelError(f"DCSource: stop = {stop} is before start = {start}")
        spec = state.spec
        self._spec = CurrentSourceSpec(len(spec.current_sources), float(amplitude), float(start),
                                       None if stop is None else float(stop))
        spec.current_sources.append(self._spec)

    def inject_into(self, cells) -> None:
        if state.simulation is not None:
            raise NotImplementedError("inject_into after run(): cortexsim fixes the network at the first run()")
        if cells.celltype.model.is_source:
            raise ModelError(f"cannot inject current into spike source population '{cells.label}'")
        gids = cells.indices + cells.parent_population._pop_spec.global_offset
        self._spec.targets = np.union1d(self._spec.targets, gids).astype(np.int64)


def _unsupported(name: str) -> type:
    def init(self, *args, **kwargs):
        raise NotImplementedError(f"current source {name} is not supported by cortexsim yet; use DCSource")
    return type(name, (), {"__init__": init})


ACSource = _unsupported("ACSource")
StepCurrentSource = _unsupported("StepCurrentSource")
NoisyCurrentSource = _unsupported("NoisyCurrentSource")

"""PyNN standard cell types (``sim.IF_curr_exp(tau_m=10.0)`` ...) backed by :mod:`cortexsim.model.celltypes`."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ModelError
from ..model.celltypes import CELL_MODELS, CellModel
from .random import RandomDistribution


def as_parameter_value(value: Any, what: str):
    """Scalar, per-cell sequence or RandomDistribution -> a model ParameterValue."""
    if isinstance(value, RandomDistribution):
        return value.as_spec()
    if callable(value):
        raise NotImplementedError(f"{what}: functions of position are not supported by cortexsim")
    if isinstance(value, str):
        raise NotImplementedError(f"{what}: string expressions are not supported by cortexsim")
    array = np.asarray(value, dtype=np.float64)
    return float(array) if array.ndim == 0 else array


class StandardCellType:
    """A PyNN standard cell type with parameter values given at construction."""

    model: CellModel

    def __init__(self, **parameters: Any) -> None:
        unknown = set(parameters) - set(self.model.defaults)
        if unknown:
            raise ModelError(f"{type(self).__name__}: unknown parameter(s) {sorted(unknown)}; "
                             f"known: {sorted(self.model.defaults)}")
        self.parameters = dict(parameters)

    @property
    def default_parameters(self) -> dict[str, float]:
        return dict(self.model.defaults)

    @property
    def default_initial_values(self) -> dict[str, float]:
        return dict(self.model.initial_defaults)

    def get_native_names(self, *names: str) -> list[str]:
        return [self.model.translations[n][0] for n in names]

    @property
    def recordable(self) -> tuple[str, ...]:
        return self.model.recordables

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.parameters})"


def _celltype(name: str) -> type[StandardCellType]:
    return type(name, (StandardCellType,), {"model": CELL_MODELS[name],
                                             "__doc__": f"PyNN standard cell type {name} (NEST: {CELL_MODELS[name].nest_model})."})


IF_curr_exp = _celltype("IF_curr_exp")
IF_curr_alpha = _celltype("IF_curr_alpha")
IF_curr_delta = _celltype("IF_curr_delta")
SpikeSourcePoisson = _celltype("SpikeSourcePoisson")
SpikeSourceArray = _celltype("SpikeSourceArray")


def _unsupported(name: str) -> type:
    def init(self, *args, **kwargs):
        raise NotImplementedError(f"cell type {name} is not supported by cortexsim yet; supported: "
                                  f"{', '.join(CELL_MODELS)}")
    return type(name, (), {"__init__": init})


IF_cond_exp = _unsupported("IF_cond_exp")
IF_cond_alpha = _unsupported("IF_cond_alpha")
EIF_cond_exp_isfa_ista = _unsupported("EIF_cond_exp_isfa_ista")
HH_cond_exp = _unsupported("HH_cond_exp")
Izhikevich = _unsupported("Izhikevich")

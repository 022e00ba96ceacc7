"""Standard cell types: PyNN names, default parameters and their translation to NEST models.

Units follow PyNN (mV, nF, nA, ms); NEST wants pF and pA, hence the factors. The numbers mirror
PyNN's standard model definitions so that a cortexsim network and a pyNN.nest network built from the
same description run the same NEST models with the same parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_IF_TRANSLATIONS: dict[str, tuple[str, float]] = {
    "v_rest": ("E_L", 1.0),
    "v_reset": ("V_reset", 1.0),
    "cm": ("C_m", 1000.0),
    "tau_m": ("tau_m", 1.0),
    "tau_refrac": ("t_ref", 1.0),
    "v_thresh": ("V_th", 1.0),
    "i_offset": ("I_e", 1000.0),
}
_SYN_TRANSLATIONS: dict[str, tuple[str, float]] = {
    "tau_syn_E": ("tau_syn_ex", 1.0),
    "tau_syn_I": ("tau_syn_in", 1.0),
}
_IF_DEFAULTS: dict[str, float] = {
    "v_rest": -65.0, "cm": 1.0, "tau_m": 20.0, "tau_refrac": 0.1,
    "i_offset": 0.0, "v_reset": -65.0, "v_thresh": -50.0,
}


@dataclass(frozen=True)
class CellModel:
    """How one PyNN standard cell type maps onto NEST."""

    name: str
    nest_model: str
    defaults: dict[str, float]
    translations: dict[str, tuple[str, float]]
    initial_defaults: dict[str, float] = field(default_factory=dict)
    #: PyNN state variable -> NEST state variable
    state_variables: dict[str, str] = field(default_factory=dict)
    #: factor from PyNN weight units to NEST weight units
    weight_scale: float = 1000.0
    is_source: bool = False
    recordables: tuple[str, ...] = ("spikes",)

    def nest_parameters(self, params: dict[str, object]) -> dict[str, object]:
        """Translate PyNN-named (scalar or per-cell array) parameters to NEST names and units."""
        out: dict[str, object] = {}
        for key, value in params.items():
            nest_name, factor = self.translations[key]
            out[nest_name] = value * factor if factor != 1.0 else value
        return out


CELL_MODELS: dict[str, CellModel] = {
    "IF_curr_exp": CellModel(
        "IF_curr_exp", "iaf_psc_exp",
        {**_IF_DEFAULTS, "tau_syn_E": 5.0, "tau_syn_I": 5.0},
        {**_IF_TRANSLATIONS, **_SYN_TRANSLATIONS}, {"v": -65.0}, {"v": "V_m"},
        recordables=("spikes", "v")),
    "IF_curr_alpha": CellModel(
        "IF_curr_alpha", "iaf_psc_alpha",
        {**_IF_DEFAULTS, "tau_syn_E": 0.5, "tau_syn_I": 0.5},
        {**_IF_TRANSLATIONS, **_SYN_TRANSLATIONS}, {"v": -65.0}, {"v": "V_m"},
        recordables=("spikes", "v")),
    "IF_curr_delta": CellModel(
        "IF_curr_delta", "iaf_psc_delta", dict(_IF_DEFAULTS), dict(_IF_TRANSLATIONS),
        {"v": -65.0}, {"v": "V_m"}, weight_scale=1.0, recordables=("spikes", "v")),
    "SpikeSourcePoisson": CellModel(
        "SpikeSourcePoisson", "poisson_generator",
        {"rate": 1.0, "start": 0.0, "duration": 1e10}, {}, is_source=True),
    "SpikeSourceArray": CellModel(
        "SpikeSourceArray", "spike_generator", {"spike_times": None}, {}, is_source=True),
}


def cell_model(name: str) -> CellModel:
    """The CellModel of a PyNN standard cell type name, or a clear error."""
    try:
        return CELL_MODELS[name]
    except KeyError:
        raise NotImplementedError(
            f"cell type '{name}' is not supported by cortexsim; supported: {', '.join(CELL_MODELS)}") from None

"""Fast checks of the reference models in models/ (microcircuit, Brunel): parameters, build-mode
contract, and short direct runs in subprocesses (one and two ranks)."""

from __future__ import annotations

import importlib.util
import json
import math
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cortexsim.workflow.launcher import mpi_launcher

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
PD14_LABELS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"model_{name}", MODELS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(script: str, args: list[str], ranks: int = 1, timeout: float = 120) -> dict:
    command = [sys.executable, str(MODELS / script)] + args
    if ranks > 1:
        command = [mpi_launcher(), "-n", str(ranks)] + command
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{command} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT_JSON ")]
    assert len(lines) == 1, f"expected one RESULT_JSON line (rank 0 only), got {len(lines)}:\n{proc.stdout}"
    result = json.loads(lines[0][len("RESULT_JSON "):])
    result["stdout"] = proc.stdout
    return result


# --------------------------------------------------------------------------- microcircuit parameters
def test_microcircuit_full_scale_numbers():
    mc = load("microcircuit")
    par = mc.derived_parameters(1.0, 1.0, "poisson")
    assert par["n"].sum() == 77169
    assert 2.95e8 < par["n_syn"].sum() < 3.05e8                 # ~2.99e8 synapses (pd14.md)
    assert np.allclose(par["dc"], 0.0)                          # no compensation at full scale
    assert par["w"][0, 2] == pytest.approx(2 * 0.08781)         # L4E -> L23E doubled
    assert par["w"][0, 1] == pytest.approx(-4 * 0.08781)        # inhibitory: g = -4, negative
    assert par["w"][0, 0] == pytest.approx(0.08781)
    assert par["bg_rate"][0] == pytest.approx(8.0 * 1600)


def test_microcircuit_downscaling():
    mc = load("microcircuit")
    full = mc.derived_parameters(1.0, 1.0, "poisson")
    s = 0.1
    par = mc.derived_parameters(s, s, "poisson")
    assert list(par["n"]) == list(np.round(mc.FULL_N * s).astype(int))
    # in-degrees scale with s_K: synapses per target neuron
    k_full = full["n_syn"] / full["n"][:, None]
    k = par["n_syn"] / par["n"][:, None]
    nonzero = full["n_syn"] > 0
    assert np.allclose(k[nonzero], s * k_full[nonzero], rtol=0.02)
    assert np.allclose(par["w"], full["w"] / math.sqrt(s))
    assert par["w_ext"] == pytest.approx(0.08781 / math.sqrt(s))
    assert par["bg_rate"][6] == pytest.approx(8.0 * 2900 * s)
    # DC compensation: mean input (recurrent at full-scale rates + external) equals full scale
    rates = mc.FULL_SCALE_RATES
    tau = 1e-3 * mc.TAU_SYN

    def mean_input(p):
        recurrent = (p["w"] * (p["n_syn"] / p["n"][:, None]) * rates).sum(axis=1)
        return tau * (recurrent + p["w_ext"] * p["bg_rate"]) + p["dc"]

    assert np.allclose(mean_input(par), mean_input(full), rtol=0.01, atol=2e-3)
    # DC background: the whole external mean input as current, same total mean input
    dc = mc.derived_parameters(s, s, "dc")
    assert np.allclose(tau * (dc["w"] * (dc["n_syn"] / dc["n"][:, None]) * rates).sum(axis=1) + dc["dc"],
                       mean_input(full), rtol=0.01, atol=2e-3)


def test_microcircuit_network_description():
    """Labels, creation order, weight signs and delay bounds as captured by the cortexsim frontend."""
    import cortexsim.pynn as sim
    from cortexsim.pynn.state import state

    mc = load("microcircuit")
    args = mc.parse_args(["--scale", "0.01", "--thalamus"])
    sim.setup(timestep=args.dt, seed=args.seed)
    pops = mc.build_network(sim, args)
    labels = [p.label for p in state.spec.populations]
    assert [p.label for p in pops] == PD14_LABELS
    assert labels[:8] == PD14_LABELS                              # all neurons first
    assert labels[8:] == [f"bg_{x}" for x in PD14_LABELS] + ["TC"]
    recurrent = [p for p in state.spec.projections if p.pre < 8 and p.post < 8]
    assert len(recurrent) == int((mc.CONN_PROBS > 0).sum())
    for proj in recurrent:
        w, d = proj.weight, proj.delay
        assert w.name == "normal_clipped" and d.name == "normal_clipped"
        assert d.params["low"] == pytest.approx(1.5 * args.dt)
        if proj.pre % 2 == 0:
            assert proj.receptor_type == "excitatory" and w.params["mu"] > 0 and w.params["low"] == 0.0
            assert d.params["mu"] == 1.5
        else:
            assert proj.receptor_type == "inhibitory" and w.params["mu"] < 0 and w.params["high"] == 0.0
            assert d.params["mu"] == 0.75
        assert w.params["sigma"] == pytest.approx(0.1 * abs(w.params["mu"]))
    assert all(p.recording["spikes"].size == p.size for p in state.spec.populations[:8])


def test_microcircuit_build_mode_contract(monkeypatch):
    """`cortexsim build` runs the script as __main__; run() raises BuildCaptured, which must escape."""
    from cortexsim.pynn.state import BuildCaptured, reset_state

    reset_state("build")
    monkeypatch.setattr(sys, "argv", ["microcircuit.py", "--scale", "0.01", "--t-stop", "150"])
    try:
        with pytest.raises(BuildCaptured):
            runpy.run_path(str(MODELS / "microcircuit.py"), run_name="__main__")
        from cortexsim.pynn.state import state
        assert state.t_stop_requested == 150.0
        assert [p.label for p in state.spec.populations][:8] == PD14_LABELS
    finally:
        reset_state("direct")


# --------------------------------------------------------------------------- runs
def test_microcircuit_runs_directly():
    result = run_script("microcircuit.py", ["--scale", "0.01", "--t-stop", "100", "--transient", "0"])
    assert list(result["rates"]) == PD14_LABELS
    rates = np.array(list(result["rates"].values()))
    assert np.all(np.isfinite(rates)) and np.all(rates >= 0)
    assert rates.sum() > 0, "the network is silent"
    assert rates.max() < 30, f"implausibly high rates {result['rates']}"
    for label in PD14_LABELS:
        assert label in result["stdout"]


@pytest.mark.mpi
def test_microcircuit_runs_on_two_ranks():
    """Two ranks run (all delays >= 2 dt, so the exchange accepts the network) with plausible rates."""
    result = run_script("microcircuit.py", ["--scale", "0.01", "--t-stop", "100", "--transient", "0"], ranks=2)
    assert result["ranks"] == 2
    rates = np.array(list(result["rates"].values()))
    assert rates.sum() > 0 and rates.max() < 30


def test_brunel_mean_field():
    brunel = load("brunel")
    assert brunel.siegert_rate(1000, 250, 5.0, 2.0, 10.0) == pytest.approx(37.9, abs=0.2)
    assert brunel.siegert_rate(1000, 250, 5.0, 2.0, 0.0) == pytest.approx(32.0, abs=0.2)
    assert brunel.external_rate(2.0, 1000) == pytest.approx(20000.0)
    assert brunel.sizes(0.5) == {"N_E": 5000, "N_I": 1250, "C_E": 1000, "C_I": 250}
    assert brunel.sizes(0.05) == {"N_E": 500, "N_I": 125, "C_E": 50, "C_I": 12}


def test_brunel_small_scale_rate():
    result = run_script("brunel.py", ["--scale", "0.05", "--t-stop", "400"])
    assert list(result["rates"]) == ["E", "I"]
    theory = result["mean_field_rate"]
    for label, rate in result["rates"].items():
        assert rate == pytest.approx(theory, rel=0.2), f"{label}: {rate:.1f} Hz vs mean-field {theory:.1f} Hz"

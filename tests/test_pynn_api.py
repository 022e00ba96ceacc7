"""The PyNN frontend: API behaviour in one process, and clear refusals of unsupported features."""

from __future__ import annotations

import numpy as np
import pytest

import cortexsim.pynn as sim
from cortexsim.errors import ModelError


@pytest.fixture()
def fresh():
    sim.setup(timestep=0.1, seed=11)
    yield sim
    sim.end()


def test_run_get_data_and_views(fresh, tmp_path):
    cells = sim.Population(20, sim.IF_curr_exp(i_offset=np.linspace(0.4, 1.0, 20), tau_refrac=2.0), label="cells")
    quiet = sim.Population(5, sim.IF_curr_alpha(), label="quiet")
    view = cells[5:10]
    assert view.size == 5 and list(view.indices) == [5, 6, 7, 8, 9]
    sim.Projection(view, quiet, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1, delay=1.0))
    cells.record("spikes")
    quiet.record("spikes")
    view.record("v")
    assert sim.run(100.0) == pytest.approx(100.0)
    block = cells.get_data()
    trains = block.segments[0].spiketrains
    assert len(trains) == 20
    assert [t.annotations["source_id"] for t in trains] == list(range(20))
    counts = [len(t) for t in trains]
    assert counts[0] < counts[-1], "more current, more spikes"
    signal = block.segments[0].analogsignals[0]
    assert signal.shape == (1001, 5)
    assert float(signal[0, 0]) == pytest.approx(-65.0)
    assert float(signal.max()) <= -50.0 + 1e-9
    assert cells.get_spike_counts()[19] == counts[19]
    assert set(quiet.get_spike_counts()) == set(range(20, 25)), "counts of a later population"
    cells.write_data(str(tmp_path / "cells.pkl"))
    assert (tmp_path / "cells.pkl").stat().st_size > 0


def test_projection_get_lists_connections(fresh):
    a = sim.Population(10, sim.IF_curr_exp(), label="a")
    b = sim.Population(4, sim.IF_curr_exp(), label="b")
    proj = sim.Projection(a, b, sim.FromListConnector([(0, 1, 0.5, 1.0), (3, 2, 0.25, 2.0)]), sim.StaticSynapse())
    assert proj.get(["weight", "delay"], format="list") == [(0, 1, 0.5, 1.0), (3, 2, 0.25, 2.0)]
    assert proj.size() == 2


@pytest.mark.parametrize("make", [
    lambda: sim.IF_cond_exp(),
    lambda: sim.TsodyksMarkramSynapse(U=0.5),
    lambda: sim.FixedNumberPostConnector(3),
    lambda: sim.ACSource(),
    lambda: sim.RandomDistribution("vonmises", (0.0, 1.0)),
])
def test_unsupported_features_raise_not_implemented(fresh, make):
    with pytest.raises(NotImplementedError):
        make()


def test_model_errors(fresh):
    a = sim.Population(3, sim.IF_curr_exp(), label="a")
    with pytest.raises(ModelError, match="labels must be unique"):
        sim.Population(3, sim.IF_curr_exp(), label="a")
    with pytest.raises(ModelError, match="unknown parameter"):
        sim.IF_curr_exp(tau_x=3)
    with pytest.raises(ModelError, match="receptor_type"):
        sim.Projection(a, a, sim.OneToOneConnector(), receptor_type="gaba")
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[1.0, 2.0]), label="src")
    with pytest.raises(ModelError, match="spike source"):
        sim.Projection(a, src, sim.OneToOneConnector())
    sim.Projection(a, a, sim.OneToOneConnector(), sim.StaticSynapse(weight=-0.1), receptor_type="excitatory")
    with pytest.raises(ModelError, match="negative weight"):
        sim.run(10.0)


def test_setup_with_hardware_profile_runs_directly():
    """sim.setup(hardware=...) on 2 partitions in one process: latency folded, traffic counted."""
    sim.setup(timestep=0.1, seed=5, partitions=2, partitioner="blocks",
              hardware={"topology": "mesh2d", "shape": [2, 1], "acceleration": 1000,
                        "latency_ns": {"router": 500}})
    cells = sim.Population(20, sim.IF_curr_exp(i_offset=1.0, tau_refrac=2.0), label="cells")
    sim.Projection(cells, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01, delay=1.0))
    cells.record("spikes")
    sim.run(50.0)
    from cortexsim.pynn.state import state
    simulation = state.simulation
    assert simulation.folding.n_changed > 0, "delays grew by the fabric latency"
    assert simulation.exchange_steps is None, "one rank: no exchange needed"
    simulation.traffic.flush()
    assert simulation.traffic.spikes > 0 and simulation.traffic.link_packets.sum() > 0
    sim.end()
    with pytest.raises(Exception, match="field 'topology'"):
        sim.setup(hardware={"topology": "ring"})

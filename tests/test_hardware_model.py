"""The interconnect model by hand-computed cases: hops, routes, packet counts, latencies, profiles."""

from __future__ import annotations

import numpy as np
import pytest

from cortexsim.errors import ConfigError
from cortexsim.hardware.latency import biological_latency_ms, delivered_delay_steps, hardware_latency_ns
from cortexsim.hardware.profile import PRESET_DIR, load_profile, profile_from_dict
from cortexsim.hardware.topology import Fabric
from cortexsim.hardware.traffic import TrafficAccountant


def mesh(sx, sy, **extra):
    return profile_from_dict({"topology": "mesh2d", "shape": [sx, sy], **extra})


@pytest.mark.parametrize("multicast, links", [(True, 8), (False, 12)])
def test_centre_of_3x3_mesh_to_all_other_chips(multicast, links):
    """One spike from the centre chip to the 8 others: 8 link traversals multicast, 12 unicast."""
    profile = mesh(3, 3, multicast=multicast, latency_ns={"router": 10})
    chip_of_cell = np.arange(9)
    others = np.array([c for c in range(9) if c != 4])
    accountant = TrafficAccountant(profile, chip_of_cell, np.full(8, 4), others, dt=0.1, t_stop=10.0)
    accountant.account(np.array([4]), np.array([3]))
    accountant.flush()
    assert accountant.link_packets.sum() == links
    assert accountant.deliveries_count == 8
    assert accountant.hop_histogram.tolist() == [0, 4, 4, 0, 0], "4 neighbours, 4 corners; bins up to the mesh diameter"
    assert accountant.router_packets.sum() == links + 1


def test_hops_and_xy_paths():
    fabric = Fabric("mesh2d", 3, 3)
    assert fabric.hops[0, 8] == 4 and fabric.hops[4, 0] == 2
    assert fabric.path(0, 4) == [(0, 1), (1, 4)], "x first, then y"
    torus = Fabric("torus2d", 4, 1)
    assert torus.hops[0, 3] == 1, "wrap-around"
    assert Fabric("full", 3, 3).hops[0, 8] == 1


def test_latency_formula_by_hand():
    profile = mesh(2, 2, acceleration=1000,
                   latency_ns={"pipeline": 500, "router": 100, "link": 200, "io": 200, "local": 100})
    ns = hardware_latency_ns(profile, Fabric.of(profile))
    assert ns[0, 0] == 600                       # pipeline + local
    assert ns[0, 1] == 500 + 2 * 100 + 200 + 400  # one hop: 1300 ns
    assert ns[0, 3] == 500 + 3 * 100 + 2 * 600    # two hops
    assert biological_latency_ms(profile, Fabric.of(profile))[0, 1] == pytest.approx(1.3)
    steps, exact = delivered_delay_steps(np.array([15]), np.array([1.3]), 0.1, "additive")
    assert steps.tolist() == [28] and exact[0] == pytest.approx(2.8)
    steps, _ = delivered_delay_steps(np.array([15, 5]), np.array([1.3, 1.3]), 0.1, "absorbed")
    assert steps.tolist() == [15, 13]
    steps, exact = delivered_delay_steps(np.array([10]), np.array([0.04]), 0.1, "additive")
    assert steps.tolist() == [10], "rounded to the nearest step"


def test_presets_load():
    names = {p.stem for p in PRESET_DIR.glob("*.yaml")}
    assert {"ideal", "spinnaker-like", "loihi-like", "brainscales-like", "biological"} <= names
    for name in names:
        profile = load_profile(name).for_partitions(4)
        assert profile.shape == (2, 2)
    assert load_profile("ideal").is_ideal


@pytest.mark.parametrize("data, key", [
    ({"topology": "hypercube"}, "topology"),
    ({"acceleration": 0}, "acceleration"),
    ({"acceleration": -2}, "acceleration"),
    ({"latency_ns": {"router": -5}}, "latency_ns.router"),
    ({"latency_ns": {"wormhole": 5}}, "latency_ns.wormhole"),
    ({"colour": "blue"}, "colour"),
    ({"shape": [2, 0]}, "shape"),
    ({"mode": "sometimes"}, "mode"),
    ({"buffer_packets": 4}, "buffer_packets"),
])
def test_bad_profiles_name_the_key(data, key):
    with pytest.raises(ConfigError, match=f"field '{key}'"):
        profile_from_dict(data, "profile.yaml")


def test_shape_must_fit_partitions():
    with pytest.raises(ConfigError, match="4 chips do not fit 3 partitions"):
        mesh(2, 2).for_partitions(3)
    with pytest.raises(ConfigError, match="field 'mapping'"):
        profile_from_dict({"shape": [2, 2], "mapping": [0, 5]})
    assert mesh(2, 2, mapping=[3, 2, 1, 0]).chip_of_partition(4).tolist() == [3, 2, 1, 0]


def test_link_queue_by_hand():
    """One link forwarding C = 2 packets per step with room for 3: five packets in one step."""
    from cortexsim.hardware.queueing import LinkQueueModel
    profile = profile_from_dict({"topology": "mesh2d", "shape": [2, 1], "acceleration": 1000,
                                 "link_capacity_per_us": 20, "buffer_packets": 3})
    chip_of_cell = np.array([0, 0, 0, 0, 0, 0, 1])
    model = LinkQueueModel(profile, chip_of_cell, np.arange(6), np.ones(6, dtype=int), dt=0.1)
    assert model.capacity == pytest.approx(2.0)
    first = model.deliver(np.arange(5), np.full(5, 10))
    assert first.dropped.sum() == 2
    assert sorted(first.wait_steps[~first.dropped].tolist()) == [0, 0, 1]
    assert model.backlog[0] == pytest.approx(1.0)
    second = model.deliver(np.array([5]), np.array([11]))
    assert second.wait_steps.tolist() == [0] and not second.dropped.any()
    assert model.backlog[0] == pytest.approx(0.0)
    model.deliver(np.arange(5), np.full(5, 20))
    assert model.stats.drops_per_link.sum() == 4 and model.stats.dropped == 4

"""Runs on a modelled fabric: exact delivery, the ideal profile, layout independence, lookahead."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import check, run_cli, spike_table

pytestmark = pytest.mark.mpi
HARDWARE = Path(__file__).resolve().parent / "hardware"


@pytest.fixture(scope="module")
def four_chips(tmp_path_factory, exact_net):
    base = tmp_path_factory.mktemp("fabric")
    check(run_cli("build", exact_net, "--out", base / "net", "--partitions", "4"))
    return base, base / "net" / "simulation_config.json"


@pytest.mark.parametrize("profile", ["additive", "absorbed"])
def test_delivery_equals_nest_with_fabric_delays(four_chips, profile):
    base, config = four_chips
    path = HARDWARE / f"{profile}.yaml"
    check(run_cli("reference", config, "--out", base / f"ref_{profile}", "--hardware", path))
    check(run_cli("run", config, "--out", base / f"run_{profile}", "--hardware", path, ranks=2))
    expected = spike_table(base / f"ref_{profile}" / "spikes.h5")
    assert np.array_equal(spike_table(base / f"run_{profile}" / "spikes.h5"), expected)
    stats = json.loads((base / f"run_{profile}" / "run_stats.json").read_text())
    assert stats["latency_folding"]["max_abs_rounding_ms"] < 1e-9
    assert stats["traffic"]["spikes"] > 0 and stats["spikes"]["conserved"]
    plain = spike_table(base / "ref_plain" / "spikes.h5") if (base / "ref_plain").exists() else None
    if plain is not None:
        assert not np.array_equal(expected, plain), "the latency must change the dynamics"


def test_ideal_profile_reproduces_run_without_profile(four_chips):
    base, config = four_chips
    check(run_cli("run", config, "--out", base / "plain", ranks=2))
    check(run_cli("run", config, "--out", base / "ideal", "--hardware", "ideal", ranks=2))
    assert np.array_equal(spike_table(base / "ideal" / "spikes.h5"), spike_table(base / "plain" / "spikes.h5"))
    stats = json.loads((base / "ideal" / "run_stats.json").read_text())
    assert stats["latency_folding"]["n_delays_changed"] == 0
    assert "yes" in stats["traffic"]["verdict"]


def test_same_spikes_whether_four_chips_run_on_1_2_or_4_ranks(four_chips):
    base, config = four_chips
    tables = []
    for ranks in (1, 2, 4):
        out = base / f"chips_on_{ranks}"
        check(run_cli("run", config, "--out", out, "--hardware", HARDWARE / "additive.yaml", ranks=ranks, timeout=600))
        tables.append(spike_table(out / "spikes.h5"))
        traffic = json.loads((out / "run_stats.json").read_text())["traffic"]
        if ranks == 1:
            first_traffic = traffic
        assert traffic["link_traversals"] == first_traffic["link_traversals"]
        assert traffic["deliveries"] == first_traffic["deliveries"]
    assert np.array_equal(tables[0], tables[1]) and np.array_equal(tables[0], tables[2])


def test_slow_fabric_means_fewer_exchange_steps(four_chips):
    base, config = four_chips
    check(run_cli("run", config, "--out", base / "bs", "--hardware", "brainscales-like", ranks=2))
    slow = json.loads((base / "bs" / "run_stats.json").read_text())
    fast = json.loads((base / "plain" / "run_stats.json").read_text()) if (base / "plain").exists() else None
    assert slow["lookahead_ms"] == pytest.approx(1.4)
    if fast is not None:
        assert fast["lookahead_ms"] == pytest.approx(0.1)
        assert slow["exchange_steps"] * 10 < fast["exchange_steps"]


def test_bad_profile_file_is_refused(four_chips, tmp_path):
    base, config = four_chips
    bad = tmp_path / "bad.yaml"
    bad.write_text("topology: hypercube\n")
    result = run_cli("run", config, "--out", base / "never", "--hardware", bad, ranks=2)
    assert result.returncode != 0 and "field 'topology' = 'hypercube'" in result.stderr
    assert not (base / "never" / "spikes.h5").exists()


def _run_stats(path: Path) -> dict:
    return json.loads((path / "run_stats.json").read_text())


def test_drops_are_deterministic_counted_and_layout_independent(four_chips):
    base, config = four_chips
    tight = HARDWARE / "tight.yaml"
    outs = []
    for name, ranks in (("tight_a", 2), ("tight_b", 2), ("tight_1", 1), ("tight_4", 4)):
        check(run_cli("run", config, "--out", base / name, "--hardware", tight, ranks=ranks, timeout=600))
        outs.append(base / name)
    first = _run_stats(outs[0])
    assert first["traffic"]["drops"] > 0
    for out in outs:
        stats = _run_stats(out)
        assert stats["traffic"]["drops"] == first["traffic"]["drops"]
        assert stats["traffic"]["drops_per_link"] == first["traffic"]["drops_per_link"]
        spikes = stats["spikes"]
        assert spikes["conserved"] and spikes["total_dropped"] == first["traffic"]["drops"]
        assert spikes["total_sent"] == spikes["total_received"] + spikes["total_dropped"]
        assert np.array_equal(spike_table(out / "spikes.h5"), spike_table(outs[0] / "spikes.h5"))


def test_queueing_without_buffer_bound_never_drops(four_chips):
    base, config = four_chips
    check(run_cli("run", config, "--out", base / "queue", "--hardware", HARDWARE / "queue.yaml", ranks=2))
    traffic = _run_stats(base / "queue")["traffic"]
    assert traffic["drops"] == 0
    assert traffic["queueing_delay_ms"]["max"] > 0

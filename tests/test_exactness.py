"""Distributed runs equal plain single-process NEST, spike for spike, on any rank count."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import check, run_cli, run_script, spike_table

pytestmark = pytest.mark.mpi


@pytest.fixture(scope="module")
def reference(tmp_path_factory, exact_net):
    """The network built once (1 partition) and simulated by plain pyNN.nest in one process."""
    base = tmp_path_factory.mktemp("exact")
    check(run_cli("build", exact_net, "--out", base / "net1", "--partitions", "1"))
    check(run_cli("reference", base / "net1" / "simulation_config.json", "--out", base / "ref"))
    table = spike_table(base / "ref" / "spikes.h5")
    assert len(table) > 1000, "the test network must be active"
    return base, table


@pytest.mark.parametrize("ranks", [1, 2, 3])
def test_distributed_run_equals_plain_nest(reference, exact_net, ranks):
    base, expected = reference
    net = base / f"net{ranks}"
    if ranks != 1:
        check(run_cli("build", exact_net, "--out", net, "--partitions", ranks))
    check(run_cli("run", net / "simulation_config.json", "--out", base / f"run{ranks}", ranks=ranks))
    got = spike_table(base / f"run{ranks}" / "spikes.h5")
    assert got.shape == expected.shape
    assert np.array_equal(got, expected)
    stats = json.loads((base / f"run{ranks}" / "run_stats.json").read_text())
    assert stats["spikes"]["conserved"]
    assert np.array_equal(np.array(stats["spikes"]["sent"]), np.array(stats["spikes"]["received"]))
    if ranks > 1:
        assert stats["spikes"]["total_sent"] > 0
        assert stats["lookahead_ms"] == pytest.approx(0.1)
        # every received spike was replayed on its proxy, or is due after t_stop
        handled = sum(r["spikes_injected"] + r["spikes_pending_at_end"] for r in stats["ranks"])
        assert handled == stats["spikes"]["total_received"]


def test_four_partitions_on_two_ranks_same_spikes(reference, exact_net):
    """A rank hosting several partitions gives the same result as one partition per rank."""
    base, expected = reference
    check(run_cli("build", exact_net, "--out", base / "net4", "--partitions", 4))
    check(run_cli("run", base / "net4" / "simulation_config.json", "--out", base / "run4on2", ranks=2))
    assert np.array_equal(spike_table(base / "run4on2" / "spikes.h5"), expected)


def test_pynn_script_run_directly_under_mpi(reference, exact_net, tmp_path):
    """`mpiexec -n 3 python script.py`: get_data() has the same spikes and cell ids as the reference."""
    base, expected = reference
    check(run_script(exact_net, "--dump", tmp_path / "direct.npz", ranks=3))
    data = np.load(tmp_path / "direct.npz")
    offsets = {0: 0, 1: 300, 2: 400}  # E, I, L in creation order (global ids)
    rows = np.column_stack([data["gids"], np.rint(data["times"] * 1e4).astype(np.int64)])
    rows = rows[np.lexsort(rows.T[::-1])]
    ref = np.column_stack([expected[:, 1] + np.vectorize(offsets.get)(expected[:, 0]), expected[:, 2]])
    ref = ref[np.lexsort(ref.T[::-1])]
    assert np.array_equal(rows, ref)

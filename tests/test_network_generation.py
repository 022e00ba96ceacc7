"""Per-target generation: the same network for any number of partitions, and the right statistics."""

from __future__ import annotations

import numpy as np
import pytest

from cortexsim.build.builder import capture_model
from cortexsim.build.edges import generate_incoming_edges
from cortexsim.errors import ModelError
from cortexsim.model.network import NetworkSpec
from cortexsim.partition import partition_cells, rank_of_partition
from cortexsim.pynn.state import BuildOverrides


def edge_table(spec: NetworkSpec, n_partitions: int, partitioner: str = "blocks") -> np.ndarray:
    """Sorted (projection, source, target, weight, delay) rows generated partition by partition."""
    table = partition_cells(spec, n_partitions, partitioner)
    rows = []
    for p in range(n_partitions):
        for t in generate_incoming_edges(spec, np.nonzero(table == p)[0]):
            rows.append(np.column_stack([np.full(len(t), t.projection), t.source_gid, t.target_gid,
                                         t.weight, t.delay_steps]))
    rows = np.concatenate(rows)
    return rows[np.lexsort(rows.T[::-1])]


@pytest.fixture(scope="module")
def exact_spec(exact_net) -> NetworkSpec:
    spec, _, _ = capture_model(exact_net, [], BuildOverrides())
    return spec


@pytest.mark.parametrize("partitioner", ["blocks", "round_robin"])
def test_same_edges_for_1_to_4_partitions(exact_spec, partitioner):
    reference = edge_table(exact_spec, 1)
    assert len(reference) > 5000
    for n in (2, 3, 4):
        assert np.array_equal(edge_table(exact_spec, n, partitioner), reference)


def test_connector_statistics(exact_spec):
    rows = edge_table(exact_spec, 3)
    proj = {p.label: p.index for p in exact_spec.projections}
    by_proj = {name: rows[rows[:, 0] == i] for name, i in proj.items()}
    ee = by_proj["E-E-0"]
    assert not np.any(ee[:, 1] == ee[:, 2]), "allow_self_connections=False"
    assert len(ee) == pytest.approx(0.05 * 300 * 299, rel=0.1)
    ei = by_proj["E-I-1"]
    indegree = np.bincount(ei[:, 2].astype(int) - 300, minlength=100)
    assert np.all(indegree == 20)
    assert all(len(np.unique(ei[ei[:, 2] == t, 1])) == 20 for t in range(300, 400)), "without replacement"
    assert np.all((ei[:, 4] >= 2) & (ei[:, 4] <= 30)), "uniform(0.2, 3.0) delays on the grid"
    assert len(by_proj["I-E-2"]) == 3000, "FixedTotalNumberConnector: exact total"
    one = by_proj["L-E-5"]
    assert np.array_equal(one[:, 1] - 400, one[:, 2]), "OneToOne on views"


def test_partitioners():
    spec, _, _ = None, None, None
    from cortexsim.model.celltypes import cell_model
    from cortexsim.model.network import PopulationSpec
    spec = NetworkSpec()
    spec.populations.append(PopulationSpec(0, "a", cell_model("IF_curr_exp"), 10, 0))
    blocks = partition_cells(spec, 3, "blocks")
    assert [len(x) for x in np.array_split(np.arange(10), 3)] == np.bincount(blocks).tolist()
    assert np.all(np.diff(blocks) >= 0)
    assert partition_cells(spec, 3, "round_robin").tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
    assert rank_of_partition(5, 2).tolist() == [0, 0, 0, 1, 1]
    with pytest.raises(ModelError, match="exceeds the number of neurons"):
        partition_cells(spec, 11, "blocks")
    with pytest.raises(ModelError, match="unknown partitioner"):
        partition_cells(spec, 2, "metis")
    with pytest.raises(ModelError, match="ranks but only"):
        rank_of_partition(2, 3)


def test_keyed_streams_do_not_depend_on_batching():
    from cortexsim.model import streams
    key = streams.make_key(1, 2, 3)
    all_at_once = streams.uniform(key, np.arange(1000), 7)
    pieces = np.concatenate([streams.uniform(key, np.arange(i, i + 100), 7) for i in range(0, 1000, 100)])
    assert np.array_equal(all_at_once, pieces)
    assert 0.47 < all_at_once.mean() < 0.53
    assert not np.array_equal(all_at_once, streams.uniform(streams.make_key(1, 2, 4), np.arange(1000), 7))


def test_fixed_probability_skipping_matches_expected_count():
    from cortexsim.build.connectors import ConnectionContext, FixedProbabilityConnector
    targets = np.arange(2000)
    ctx = ConnectionContext(5000, 2000, targets, np.full(2000, -1), 3, 0, "t")
    pre, post = FixedProbabilityConnector(0.01).generate(ctx)
    assert len(pre) == pytest.approx(0.01 * 5000 * 2000, rel=0.02)
    assert pre.min() >= 0 and pre.max() < 5000
    counts = np.bincount(post, minlength=2000)
    assert counts.var() == pytest.approx(5000 * 0.01 * 0.99, rel=0.15), "binomial in-degrees"
    first = FixedProbabilityConnector(0.01).generate(ConnectionContext(5000, 2000, targets[:7], np.full(7, -1), 3, 0, "t"))
    assert np.array_equal(first[0], pre[post < 7])

"""Placement of partitions on MPI ranks: rank r hosts a contiguous range of partitions.

Results never depend on the placement: a rank hosting several partitions simulates them in one NEST
kernel, and the exchange layer only carries spikes between ranks.
"""

from __future__ import annotations

import numpy as np

from ..errors import ModelError


def rank_of_partition(n_partitions: int, n_ranks: int) -> np.ndarray:
    """Rank hosting each partition (partitions split over ranks as numpy.array_split does)."""
    if n_ranks > n_partitions:
        raise ModelError(f"{n_ranks} MPI ranks but only {n_partitions} partitions: "
                         "run with at most as many ranks as partitions (or rebuild with --partitions)")
    base, extra = divmod(n_partitions, n_ranks)
    sizes = np.full(n_ranks, base, dtype=np.int64)
    sizes[:extra] += 1
    return np.repeat(np.arange(n_ranks, dtype=np.int32), sizes)


def partitions_of_rank(rank: int, n_partitions: int, n_ranks: int) -> np.ndarray:
    return np.nonzero(rank_of_partition(n_partitions, n_ranks) == rank)[0]

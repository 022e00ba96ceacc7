"""Spike exchange through a modelled fabric with finite link capacity (queueing and drops).

Each step every rank's spikes are gathered to all ranks (Allgatherv of (gid, step) rows); every rank
runs the same :class:`~cortexsim.hardware.queueing.LinkQueueModel` on the whole batch and keeps the
deliveries to its own chips that were not dropped, each late by its queueing delay. Deliveries are keyed
(gid, target chip), because on a fabric every chip receives its own copy. Counters: ``sent[i][j]``
copies from rank i's chips to rank j's chips, ``dropped[i][j]`` of those lost on a link, and
``received[i]`` copies this rank received from rank i; conservation is sent = received + dropped.
"""

from __future__ import annotations

import time

import numpy as np

from ..hardware.queueing import LinkQueueModel
from .comm import Communicator


class FabricExchange:
    def __init__(self, comm: Communicator, model: LinkQueueModel, rank_of_chip: np.ndarray, owner_rank: np.ndarray) -> None:
        self.comm, self.model = comm, model
        self.rank_of_chip = rank_of_chip
        self.owner_rank = owner_rank
        self.n_chips = model.fabric.n_chips
        self._exported = np.zeros(len(owner_rank), dtype=bool)  # neurons with targets on other chips
        self._exported[model.gids] = True
        self.sent_matrix = np.zeros((comm.size, comm.size), dtype=np.int64)
        self.dropped_matrix = np.zeros((comm.size, comm.size), dtype=np.int64)
        self.received = np.zeros(comm.size, dtype=np.int64)
        self.steps = 0
        self.wall_time = 0.0

    @property
    def sent(self) -> np.ndarray:
        return self.sent_matrix[self.comm.rank]

    def exchange(self, gids: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gather all spikes, apply the fabric; return (proxy keys, arrival steps) for this rank."""
        start = time.perf_counter()
        mine = self._exported[gids]
        rows = np.column_stack([gids[mine], steps[mine]]).astype(np.int64)
        rows = self.comm.allgather_arrays(rows.ravel()).reshape(-1, 2)
        order = np.lexsort((rows[:, 0], rows[:, 1]))
        d = self.model.deliver(rows[order, 0], rows[order, 1])
        src_rank = self.owner_rank[d.gid]
        dst_rank = self.rank_of_chip[d.chip]
        np.add.at(self.sent_matrix, (src_rank, dst_rank), 1)
        np.add.at(self.dropped_matrix, (src_rank[d.dropped], dst_rank[d.dropped]), 1)
        here = (dst_rank == self.comm.rank) & ~d.dropped
        np.add.at(self.received, self.owner_rank[d.gid[here]], 1)
        self.steps += 1
        self.wall_time += time.perf_counter() - start
        return d.gid[here] * self.n_chips + d.chip[here], d.step[here] + d.wait_steps[here]

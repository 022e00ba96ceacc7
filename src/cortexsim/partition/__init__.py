"""Partitioning: which partition each cell belongs to, and which rank hosts each partition."""

from .partitioners import PARTITIONERS, Partitioner, partition_cells, register_partitioner
from .placement import partitions_of_rank, rank_of_partition

__all__ = ["PARTITIONERS", "Partitioner", "partition_cells", "register_partitioner",
           "partitions_of_rank", "rank_of_partition"]

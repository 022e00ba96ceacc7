"""Spike exchange between MPI ranks: routing tables, buffers, counters."""

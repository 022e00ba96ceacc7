"""Validation against plain single-process NEST (through pyNN.nest) on the same network."""

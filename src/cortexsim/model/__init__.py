"""Simulator-independent network description: populations, projections, inputs, random streams."""

"""Build stage: per-target connection generation and writing the network to SONATA files."""

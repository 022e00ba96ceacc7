"""File formats: SONATA networks, simulation configs, spikes and reports (see docs/formats.md)."""

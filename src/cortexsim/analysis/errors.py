"""User-facing exception types of the analysis stage."""

from __future__ import annotations

__all__ = ["AnalysisInputError"]


class AnalysisInputError(ValueError):
    """A run-directory input (``spikes.h5``, ``run_stats.json``, a reference CSV) is missing or
    malformed.  The message always names the file and, where it applies, the field."""

"""User-facing exception types of the analysis stage."""

from __future__ import annotations

try:  # the project-wide base class, so that the CLI can catch every user-input error at once
    from cortexsim.errors import CortexsimError
except ImportError:  # pragma: no cover - cortexsim.errors not present
    class CortexsimError(Exception):  # type: ignore[no-redef]
        """Fallback base class of user-input errors."""

__all__ = ["AnalysisInputError"]


class AnalysisInputError(ValueError, CortexsimError):
    """A run-directory input (``spikes.h5``, ``run_stats.json``, a reference CSV) is missing or
    malformed.  The message always names the file and, where it applies, the field."""

"""User-facing error types: every message names the file, field and value at fault."""

from __future__ import annotations


class CortexsimError(Exception):
    """Base class of errors caused by user input (models, configs, files, command options)."""


class ConfigError(CortexsimError):
    """A configuration file or command option has a missing, unknown or invalid field."""

    def __init__(self, source: str, field: str, value: object, problem: str) -> None:
        self.source, self.field, self.value, self.problem = source, field, value, problem
        super().__init__(f"{source}: field '{field}' = {value!r}: {problem}")


class ModelError(CortexsimError):
    """A model description asks for something invalid (bad parameter, delay, connector...)."""


class NetworkFileError(CortexsimError):
    """A network, spike or report file is missing, malformed or inconsistent."""

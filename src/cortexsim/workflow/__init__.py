"""Command line (`cortexsim build|run|analyze|reference`) and workflow helpers."""

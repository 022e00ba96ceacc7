"""cortexsim: a distributed cortex simulator.

PyNN model descriptions are built into partitioned SONATA networks, simulated by one NEST kernel per
MPI rank with cortexsim's own spike-exchange layer between ranks, and analysed into a report.

Stages (one subpackage each): ``pynn`` (frontend), ``model`` (network description and random
streams), ``build`` (per-target connection generation and SONATA writing), ``partition``,
``engine`` (NEST on one rank), ``exchange`` (spikes between ranks), ``io`` (file formats),
``analysis`` and ``workflow`` (command line).
"""

__version__ = "0.1.0"

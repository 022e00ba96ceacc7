"""Engine: one NEST kernel per MPI rank simulating the rank's partitions, stepped by the exchange."""

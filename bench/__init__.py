"""Load benchmark and profiler for the CDS service (run by hand; see README.md)."""

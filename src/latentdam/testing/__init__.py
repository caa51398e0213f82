"""Test doubles latentdam ships: writers that produce files byte-for-byte the way the real
generators write them, so tests, the sample library and the benchmarks exercise the
production readers on realistic input."""

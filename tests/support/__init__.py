"""Test helpers shared across test folders and benchmarks."""

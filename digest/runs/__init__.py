"""Runs: `digest run` and its schedule, issues held for review, which articles each run carried."""

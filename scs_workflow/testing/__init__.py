"""Helpers for tests, benchmarks and embedders: synthetic cases (:mod:`.synthetic`, ``SYN-`` ids, never
real data) and an incremental per-case tracker (:mod:`.tracker`). Nothing in the engine imports them.
"""

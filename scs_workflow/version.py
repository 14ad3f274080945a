"""The engine's version: recorded in every decision and claim result (``engine_version``)."""

__version__ = "0.1.0"

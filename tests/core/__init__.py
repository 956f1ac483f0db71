"""Tests of the engine and core values (flows.core)."""

"""Tests of flows.safety."""

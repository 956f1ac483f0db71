"""Tests of flows.members."""

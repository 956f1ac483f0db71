"""Tests of flows.peer."""

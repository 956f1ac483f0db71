"""Tests of flows.admin."""

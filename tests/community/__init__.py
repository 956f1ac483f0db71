"""Tests of flows.community."""

"""Tests of flows.checkins."""

"""Hearthside test suite."""

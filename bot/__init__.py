"""The composition root: settings, logging, wiring, and the `python -m bot` entry point."""

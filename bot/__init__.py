"""The composition root: settings, logging, wiring, the sweep for every channel, and the
`python -m bot` entry point."""

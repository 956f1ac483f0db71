"""Channel adapters: each turns its channel's events into flow inputs and renders replies."""

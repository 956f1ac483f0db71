"""The Signal channel end to end: the signal-cli JSON-RPC client and the fake daemon (and the
real daemon, through scripts/contract-signal)."""

"""The Signal channel: a signal-cli daemon driven over JSON-RPC (rpc.py), durable intake,
numbered choices and reactions instead of buttons, and paced, pausable proactive sends."""

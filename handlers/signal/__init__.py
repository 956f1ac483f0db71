"""The Signal channel, through a signal-cli daemon spoken to over JSON-RPC (`rpc.py`): durable
intake, numbered choices and reactions instead of buttons, and paced, pausable proactive sends."""

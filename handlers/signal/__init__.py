"""The Signal channel, through a signal-cli daemon spoken to over JSON-RPC (`rpc.py`)."""

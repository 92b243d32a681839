"""The fake data channel: the MGS WebSocket endpoint and the agent side of each session."""

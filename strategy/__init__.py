"""The Pine strategies' Python twins: bars in, the same webhook alerts out, and a replay tool.

Nothing here imports the service: a twin only knows the webhook protocol, so a replay exercises
the service exactly as TradingView would.
"""

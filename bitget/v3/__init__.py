"""Bitget's Unified Trading Account (v3 API): ``client.UtaClient``, its endpoints and its reply parsing."""

"""Bitget's classic account (v2 API): ``client.ClassicClient``, its endpoints and its reply parsing."""

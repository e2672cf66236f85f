"""Bitget's v3 (Unified Trading Account) API: paths, reply fields, order translation, codes."""

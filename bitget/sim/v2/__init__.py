"""Bitget's classic v2 USDT-M futures API: paths (``routes``), reply fields (``format``), codes."""

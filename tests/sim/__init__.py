"""Tests of the Bitget simulator, over real HTTP."""

"""A Bitget-compatible exchange simulator: USDT-M perpetual futures over real HTTP, for a classic
account (the v2 API, ``bitget.sim.v2``) or a Unified Trading Account (the v3 API,
``bitget.sim.v3``), on one matching engine. It stands in for Bitget in paper mode, in the tests and
in offline trials, and shares no code with the client it checks.

The full reference (running it, environment, contracts, authentication, every path, field, check
order and code, the control endpoints, faults, the unified account) is bitget/sim/README.md;
docs/simulator.md is the overview.
"""

from bitget.sim.app import create_sim_app

__all__ = ["create_sim_app"]

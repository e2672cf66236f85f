"""The simulator's layout holds: one package per API on a shared engine, views as plain functions.

``bitget/sim/v2`` (classic) and ``bitget/sim/v3`` (unified) share code only through the modules at
``bitget/sim``'s root; every view is a module-level function that finds its simulator through the
Flask app serving the request, so two simulators in one process never answer for each other; the
reference (bitget/sim/README.md) names every path the simulator serves. That the simulator
imports nothing of the client is tests/unit/test_layers.py's job.
"""

from __future__ import annotations

import ast
import inspect
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bitget.sim import create_sim_app
from bitget.sim.auth import Credentials
from bitget.sim.engine import Engine

SIM = Path(__file__).resolve().parents[2] / "bitget" / "sim"


def _imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in sorted((SIM / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: relative import"
                found.add(node.module or "")
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize(("package", "other"), [("v2", "v3"), ("v3", "v2")])
def test_each_api_package_leaves_the_other_alone(package: str, other: str) -> None:
    assert (SIM / package / "routes.py").is_file()
    crossing = sorted(n for n in _imports(package) if n.startswith(f"bitget.sim.{other}"))
    assert crossing == []


def test_the_shared_core_takes_no_api_side() -> None:
    """The engine, book, ledger, faults and friends serve both APIs, so neither package is theirs."""
    core = [p for p in SIM.glob("*.py") if p.name not in ("app.py", "__init__.py")]
    found = set()
    for path in core:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(f"{path.name}: {node.module}")
    assert sorted(f for f in found if ".v2" in f or ".v3" in f) == []


def test_every_view_is_a_module_level_function() -> None:
    app = create_sim_app(Engine(), Credentials())
    views = {name: view for name, view in app.view_functions.items() if name != "static"}
    assert len(views) > 40  # v2, v3 and control paths are all there
    nested = []
    for name, view in views.items():
        inner = inspect.unwrap(view)
        module = sys.modules[inner.__module__]
        if "<locals>" in inner.__qualname__ or getattr(module, inner.__name__, None) is not view:
            nested.append(f"{name}: {inner.__module__}.{inner.__qualname__}")
    assert nested == []


def test_two_simulators_in_one_process_keep_their_own_accounts() -> None:
    """The views are shared; the engine each one answers from is the serving app's."""
    first, second = Engine(), Engine()
    apps = create_sim_app(first, Credentials()), create_sim_app(second, Credentials())
    clients = [app.test_client() for app in apps]
    assert clients[0].post("/sim/balance", json={"balance": "1234.5"}).get_json()["ok"] is True
    assert clients[1].post("/sim/reset", json={"account_mode": "uta"}).get_json()["ok"] is True
    states = [c.get("/sim/state").get_json() for c in clients]
    assert (states[0]["balance"], states[0]["account_mode"]) == ("1234.5", "classic")
    assert (states[1]["balance"], states[1]["account_mode"]) == ("10000", "uta")
    assert (first.account().balance, second.account().balance) == (Decimal("1234.5"), Decimal(10000))
    # the refusal envelope's clock and the 404 come from the serving app too
    assert clients[1].get("/api/v2/nowhere").get_json()["code"] == "40404"


def test_the_reference_names_every_path_served() -> None:
    readme = (SIM / "README.md").read_text(encoding="utf-8")
    app = create_sim_app(Engine(), Credentials())
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule
        last = "/" + path.rstrip("/").rsplit("/", 1)[-1]
        if path not in readme and f"`{last}`" not in readme:
            missing.append(path)
    assert missing == []


def test_the_package_docstring_points_to_the_reference() -> None:
    import bitget.sim

    doc = bitget.sim.__doc__ or ""
    assert "bitget/sim/README.md" in doc
    assert len(doc.splitlines()) < 30

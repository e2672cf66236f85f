"""The layers keep to what they may import (docs/architecture.md, "Layers").

trading/ holds the rules in its own words: no Bitget client, no settings module, no web framework.
bitget/ implements trading's exchange protocol and knows nothing of signals. bitget/sim is an
independent check on the client: it shares no code with it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _violations(package: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    bad = []
    for path in modules(package):
        for name in imports_of(path):
            hit = any(name == f or name.startswith(f + ".") for f in forbidden)
            excused = any(name == a or name.startswith(a + ".") for a in allowed)
            if hit and not excused:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


def test_trading_imports_neither_bitget_nor_config_nor_a_web_framework() -> None:
    forbidden = ("bitget", "config", "runtime", "app", "serve", "flask", "werkzeug", "waitress")
    assert _violations("trading", forbidden) == []


def test_the_simulator_shares_no_code_with_the_client_or_the_rules() -> None:
    assert _violations("bitget/sim", ("bitget", "trading", "config", "runtime", "app"), allowed=("bitget.sim",)) == []


def test_bitget_knows_nothing_of_signals_or_settings() -> None:
    forbidden = ("trading", "config", "runtime", "app", "flask")
    allowed = ("trading.models", "trading.errors", "trading.exchange", "trading.health")
    client_only = [p for p in _violations("bitget", forbidden, allowed) if not p.startswith("bitget/sim/")]
    assert client_only == []


def test_the_checker_sees_lazy_imports(tmp_path: Path) -> None:
    """A test that cannot fail is no test: the checker must catch an import hidden in a function."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bitget.client import X\n    import config\n")
    assert {"bitget.client", "config"} <= imports_of(sample)

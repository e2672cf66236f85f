"""The layers keep to what they may import (docs/architecture.md, "Layers").

trading/ holds the rules in its own words: no Bitget client, no settings module, no web framework.
bitget/ implements trading's exchange protocol and knows nothing of signals. bitget/sim is an
independent check on the client: it shares no code with it. bitget/v2 (classic) and bitget/v3
(unified) share code only through the modules at bitget/'s root, which take neither side.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path, package: str = "") -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions included).

    A relative import is resolved against ``package`` (the file's own, by default, when it lies in
    the repository), so ``from ..v2 import client`` counts as ``bitget.v2`` and its ``client``.
    """
    if not package and path.resolve().is_relative_to(ROOT):
        package = ".".join(path.resolve().relative_to(ROOT).parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            parts = package.split(".") if package else []
            base = ".".join(parts[: len(parts) - (node.level - 1)])
            target = ".".join(p for p in (base, node.module or "") if p)
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
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


def test_neither_api_version_imports_the_other() -> None:
    assert _violations("bitget/v2", ("bitget.v3",)) == []
    assert _violations("bitget/v3", ("bitget.v2",)) == []


def test_the_shared_modules_import_neither_api_version_but_the_picker_does() -> None:
    """What both versions stand on (bitget/*.py) knows neither; only the account-system picker builds them."""
    pickers = {"accounts.py"}
    bad = []
    for path in sorted((ROOT / "bitget").glob("*.py")):
        hits = sorted(n for n in imports_of(path) if n.split(".")[:2] in (["bitget", "v2"], ["bitget", "v3"]))
        if hits and path.name not in pickers:
            bad.append(f"{path.name} imports {', '.join(hits)}")
    assert bad == []
    assert {"bitget.v2.client", "bitget.v3.client"} <= imports_of(ROOT / "bitget" / "accounts.py")


def test_config_takes_only_settings_objects_from_bitget() -> None:
    """config.py builds the exchange and paper settings; it must not reach an adapter or the server."""
    bitget_imports = {name for name in imports_of(ROOT / "config.py") if name.startswith("bitget")}
    assert bitget_imports <= {"bitget.options", "bitget.auth", "bitget.sim.paper"}, bitget_imports
    assert not any(name.startswith("flask") for name in imports_of(ROOT / "config.py"))


def test_the_checker_sees_lazy_imports(tmp_path: Path) -> None:
    """A test that cannot fail is no test: the checker must catch an import hidden in a function."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bitget.client import X\n    import config\n")
    assert {"bitget.client", "config"} <= imports_of(sample)


def test_the_checker_resolves_relative_imports(tmp_path: Path) -> None:
    sample = tmp_path / "client.py"
    sample.write_text("from ..v2 import endpoints\nfrom . import parsing\nfrom .parsing import rows\n")
    assert {"bitget.v2", "bitget.v2.endpoints", "bitget.v3.parsing"} <= imports_of(sample, "bitget.v3")

"""The two-instance deployment as written: docker-compose.yml, deploy/Caddyfile and the image they build.

No Docker engine runs the suite, so the files are checked for what the README promises of them:
only the proxy is public, on 80 and 443, with a certificate for DOMAIN; both instances share one
PostgreSQL journal under distinct names and data directories; every variable the instances get is
a setting the service reads; and the image holds every module the app imports.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from config import Settings

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOT_ENV = {"DOMAIN": "alerts.example.com", "POSTGRES_PASSWORD": "pg-secret-for-the-test"}
INSTANCES = ("app1", "app2")
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?::\?(?P<message>[^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}`` / ``${NAME:?message}``: a missing required variable stops it with the message."""

    def value(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in env:
            if match["message"] is not None:
                raise LookupError(f"{name}: {match['message']}")
            return ""
        return env[name]

    return _VARIABLE.sub(value, text)


def compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    return yaml.safe_load(interpolate(COMPOSE.read_text(), DOT_ENV if env is None else env))


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "write environment as a mapping"
    return {k: str(v) for k, v in env.items()}


def test_only_the_proxy_is_public_and_only_on_80_and_443() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "caddy", *INSTANCES}
    assert sorted(services["caddy"]["ports"]) == ["443:443", "80:80"]
    assert "ports" not in services["postgres"]
    for name in INSTANCES:
        for port in services[name].get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond the host"


def test_the_required_variables_stop_compose_with_a_line_saying_what_to_set() -> None:
    for missing in DOT_ENV:
        with pytest.raises(LookupError, match=f"{missing}: set {missing} in .env"):
            compose({k: v for k, v in DOT_ENV.items() if k != missing})


def test_both_instances_share_the_postgres_journal_under_their_own_names_and_data() -> None:
    services = compose()["services"]
    db = environment(services["postgres"])
    urls = {environment(services[name])["DATABASE_URL"] for name in INSTANCES}
    assert urls == {
        f"postgresql+psycopg://{db['POSTGRES_USER']}:{DOT_ENV['POSTGRES_PASSWORD']}@postgres:5432/{db['POSTGRES_DB']}"
    }
    names = [environment(services[name])["INSTANCE_NAME"] for name in INSTANCES]
    assert names == list(INSTANCES)
    data = [next(v for v in services[name]["volumes"] if v.endswith(":/data")) for name in INSTANCES]
    assert len(set(data)) == 2, "two instances never share a DATA_DIR"
    for name in INSTANCES:
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["build"] == "."


def test_each_instance_environment_is_read_by_the_service_without_a_warning() -> None:
    """Every variable compose sets is a setting (a typo would be warned about, and ignored)."""
    services = compose()["services"]
    for name in INSTANCES:
        env = {**environment(services[name]), "WEBHOOK_EXPECTED_TOKEN": "a-long-random-token-0123"}
        settings = Settings.from_env(env, dotenv=False)
        assert settings.warnings == ()
        assert settings.instance.name == name
        assert settings.instance.lease == float(env["LEASE_SECONDS"])
        assert settings.guard.trust_proxy, "Caddy's X-Forwarded-For must be believed"


def test_instances_are_given_longer_to_stop_than_the_shutdown_grace() -> None:
    services = compose()["services"]
    for name in INSTANCES:
        grace = services[name]["stop_grace_period"]
        assert grace.endswith("s") and float(grace[:-1]) > Settings().service.shutdown_grace


def test_caddy_serves_domain_and_balances_over_both_instances() -> None:
    caddy = compose()["services"]["caddy"]
    assert environment(caddy)["DOMAIN"] == DOT_ENV["DOMAIN"]
    mount = next(v for v in caddy["volumes"] if v.endswith(":/etc/caddy/Caddyfile:ro"))
    caddyfile = (ROOT / mount.split(":")[0]).resolve()
    assert caddyfile.is_file()
    text = caddyfile.read_text()
    sites = [line for line in text.splitlines() if line.rstrip().endswith("{") and not line.startswith(("\t", " "))]
    assert sites == ["{$DOMAIN} {"], "one site, the domain from .env (automatic certificate, TLS on 443)"
    assert text.count("{") == text.count("}")
    port = Settings().port
    upstreams = re.findall(r"^\s*reverse_proxy\s+(.+?)\s*\{", text, re.MULTILINE)
    assert upstreams and all(u.split() == [f"{n}:{port}" for n in INSTANCES] for u in upstreams), upstreams
    webhook = text[text.index("handle /api/webhook"):]
    assert "lb_try_duration" in webhook, "a dead instance's alerts must go to the other one"


def _local_imports(path: Path) -> set[str]:
    """Top-level names ``path`` imports that are modules or packages of this repository."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if (ROOT / f"{top}.py").is_file() or (ROOT / top / "__init__.py").is_file():
                found.add(top)
    return found


def test_the_image_holds_every_module_the_app_imports_and_the_dashboard() -> None:
    copied: set[str] = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                copied.update(p.name for p in ROOT.glob(source))  # Docker expands globs as glob() does
    needed: set[str] = set()
    todo = ["app"]
    while todo:
        module = todo.pop()
        if module in needed:
            continue
        needed.add(module)
        if (ROOT / f"{module}.py").is_file():
            todo.extend(_local_imports(ROOT / f"{module}.py"))
    wanted = {f"{m}.py" if (ROOT / f"{m}.py").is_file() else m for m in needed} | {"static"}
    assert wanted <= copied, f"the image lacks {sorted(wanted - copied)}"

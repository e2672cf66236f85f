"""INSTANCE_NAME and LEASE_SECONDS: defaults that survive a restart, one-line refusals for bad values."""

from __future__ import annotations

import socket

import pytest

from config import ConfigError, Settings
from trading.claims import InstanceSettings, default_instance_name


def test_an_instance_is_named_after_its_host_and_holds_claims_fifteen_seconds_by_default():
    settings = Settings.from_env({})
    assert settings.instance.name == default_instance_name()
    assert settings.instance.name.split(".")[0] == socket.gethostname().split(".")[0][:63]
    assert settings.instance.lease == 15.0
    assert settings.instance.heartbeat == 5.0  # three renewals per lease


def test_the_name_and_lease_are_read_from_the_environment():
    settings = Settings.from_env({"INSTANCE_NAME": "app-2", "LEASE_SECONDS": "2.5"})
    assert (settings.instance.name, settings.instance.lease) == ("app-2", 2.5)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("INSTANCE_NAME", "two words", "letters, digits"),
        ("INSTANCE_NAME", "-dash-first", "starting with a letter or digit"),
        ("INSTANCE_NAME", "x" * 64, "1 to 63"),
        ("LEASE_SECONDS", "0", "from 1 to 3600"),
        ("LEASE_SECONDS", "soon", "must be a number"),
        ("LEASE_SECONDS", "86400", "from 1 to 3600"),
    ],
)
def test_a_bad_value_stops_start_up_with_one_line_naming_it(name, value, says):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({name: value})
    message = str(refused.value)
    assert message.startswith(f"{name}=") and says in message and "\n" not in message


def test_a_host_name_the_setting_would_refuse_is_made_acceptable(monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: "-weird host!name." + "y" * 80)
    name = InstanceSettings().name
    assert Settings.from_env({"INSTANCE_NAME": name}).instance.name == name
    assert len(name) <= 63 and " " not in name and not name.startswith("-")

"""The journal as released before Alembic (a frozen copy of its code), to write journals the way users have them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

FROZEN = Path(__file__).resolve().parent.parent / "fixtures" / "journal_before_alembic.py"


def old_journal_module() -> ModuleType:
    """trading/journal.py of the last release before Alembic, loaded as its own module."""
    spec = importlib.util.spec_from_file_location("journal_before_alembic", FROZEN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module

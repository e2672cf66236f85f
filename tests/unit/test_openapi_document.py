"""openapi.yaml is one valid document: a key written twice (a path, a schema) would silently hide one."""

from __future__ import annotations

from pathlib import Path

import yaml

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi.yaml"


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping with the same key twice (plain YAML keeps the last)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
    repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
    if repeated:
        raise yaml.constructor.ConstructorError(None, None, f"keys written twice: {repeated}", node.start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def test_the_document_has_no_key_written_twice() -> None:
    document = yaml.load(DOCUMENT.read_text(), Loader=_StrictLoader)
    assert document["openapi"].startswith("3.")


def test_the_strict_loader_catches_a_repeated_key() -> None:
    try:
        yaml.load("paths:\n  /a: 1\n  /a: 2\n", Loader=_StrictLoader)
    except yaml.constructor.ConstructorError as exc:
        assert "/a" in str(exc)
    else:
        raise AssertionError("a repeated key was accepted")

"""DESIGN.md: dependencies run one way, accounts/platforms ← accounts ← analytics ← webhooks.
A lower app reaches a higher one only through what the higher one registers at start-up."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HIGHER_APPS = {
    "accounts": {"analytics", "webhooks"},
    "analytics": {"webhooks"},
}


def imported_apps(source: Path) -> set[str]:
    tree = ast.parse(source.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", sorted(HIGHER_APPS))
def test_an_app_never_imports_the_apps_built_on_it(app):
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & HIGHER_APPS[app])
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts
    }
    assert {path: apps for path, apps in offending.items() if apps} == {}

"""The demo seeding: each app contributes its own part; the base apps know none of the apps after them."""

from __future__ import annotations

import ast
from pathlib import Path

from core import demo

ROOT = Path(__file__).resolve().parents[2]


def test_each_app_contributes_its_steps_in_the_order_of_installed_apps():
    names = [step.name for step in demo.steps()]

    assert names[:3] == ["users", "organizations", "memberships"]  # accounts, before the marketplace's
    marketplace = ["suppliers", "tasks", "bids", "messages", "reply times"]
    assert names[3:] == [*(f"marketplace {step}" for step in marketplace), "contracts", "contracts direct offer"]
    assert [module.__name__ for module in demo.contributions()] == [
        "accounts.demo",
        "marketplace.demo",
        "contracts.demo",
    ]


def test_the_base_apps_import_no_feature_app_outside_their_tests():
    """core and accounts come first: the marketplace, contracts and payments build on them, not the reverse."""
    feature_apps = ("marketplace", "contracts", "payments")
    found = []
    for base in ("core", "accounts"):
        for path in (ROOT / base).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                names = (
                    [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                found += [f"{path.relative_to(ROOT)}: {name}" for name in names if name.split(".")[0] in feature_apps]
    assert found == []

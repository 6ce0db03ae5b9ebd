"""Every statement Sustain keeps for the life of the process is kept per database vendor.

A process may talk to SQLite and PostgreSQL (the tests; a backup restored into another
alias). A statement written for one and cached without its vendor would run on the other.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

import sustain
from sustain.core.fastsql import PerVendor

ROOT = Path(sustain.__file__).parent
CACHES = {"cache", "lru_cache", "cached_property"}


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


# Kept by functools in a module that talks to the database, and why that is safe.
NOT_STATEMENTS = {
    "sustain/core/fastsql.py:_written_fields": "a model's columns, the same on every database",
    "sustain/core/fastsql.py:_conversions": "which of a model's fields keep plain values",
    "sustain/core/outbox.py:_domain_of": "the domain of an e-mail address",
}


def _uses_the_database(node: ast.AST) -> bool:
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return bool(names & {"connection", "connections"})


def test_no_function_kept_by_functools_writes_sql() -> None:
    """What a function kept by functools writes from the connection (quoting, features,
    converters) is right for one vendor only: such a function is a ``fastsql.per_vendor``.
    In a module that talks to the database every other cache is named in NOT_STATEMENTS."""
    found = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        in_database_module = _uses_the_database(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if not any(_decorator_name(d) in CACHES for d in node.decorator_list):
                continue
            where = f"{path.relative_to(ROOT.parent)}:{node.name}"
            if _uses_the_database(node) or (in_database_module and where not in NOT_STATEMENTS):
                found.append(where)
    assert found == []


def _kept_statements() -> dict[str, PerVendor]:  # type: ignore[type-arg]
    kept = {}
    for module_info in pkgutil.walk_packages(sustain.__path__, "sustain."):
        name = module_info.name
        if ".tests" in name or ".migrations" in name or name.endswith(("wsgi", "asgi")):
            continue
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if isinstance(value, PerVendor) and value.write.__module__ == name:
                kept[f"{name}.{attribute}"] = value
    return kept


def test_each_kept_statement_is_written_separately_for_sqlite_and_postgresql() -> None:
    statements = _kept_statements()
    # The ones that take no arguments beyond the database; fastsql's are tested in core.
    assert {
        "sustain.sla.engine._fingerprint_sql",
        "sustain.tickets.assignment._members_sql",
        "sustain.tickets.assignment._turn_sql",
    } <= set(statements)
    databases: list[BaseDatabaseWrapper] = [
        load_backend(engine).DatabaseWrapper(
            {**connection.settings_dict, "ENGINE": engine}, "unconnected"
        )
        for engine in ("django.db.backends.sqlite3", "sustain.core.postgresql")
    ]
    for name, statement in statements.items():
        if statement.write.__code__.co_argcount != 1:
            continue
        fresh = PerVendor(statement.write)
        for db in databases:
            # A statement, or a statement with what reads its rows (fastsql.PerVendor).
            written = fresh.for_database(db)
            assert "SELECT" in (written[0] if isinstance(written, tuple) else written), name
        assert set(fresh._kept) == {("sqlite",), ("postgresql",)}, name

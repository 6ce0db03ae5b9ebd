"""Only ``sustain/tickets`` writes ticket models; every other app changes tickets through the
ticket services (``services``, ``linking``, ``watching``, ``system``, ``bulk_actions``).

The check reads the source of every module outside ``sustain/tickets`` (tests, factories,
fixtures and migrations excepted: test support and history) and refuses:

- the writers of the log and the in-transaction helpers of the services (``log_activity``,
  ``touch_ticket``, ``apply_changes``, ``set_watchers``) imported from ``sustain.tickets``;
- a write (``create``, ``update``, ``delete``, ``save``, ``bulk_create``, ``add``, ``set`` …)
  on a ticket model's manager or a queryset of one (``Ticket.objects.filter(...).update()``),
  on what a ``sustain.tickets`` function returned (``get_ticket_for(...).save()``), on a name
  that holds a ticket model's instance or queryset (an annotated parameter, an assignment, a
  loop over one), on a foreign key to a ticket model (``clock.ticket.save()``) or through a
  relation whose rows are ticket models' (``ticket.watchers.add()``, ``team.tickets.update()``);
- ``fastsql`` inserts and updates of a ticket model's instance.

The models, relations and foreign keys are read from Django's model registry, so a new ticket
model or relation is covered without editing this test.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models import ForeignObjectRel, Model

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sustain"
TICKETS_APP = "tickets"

# Writes that remain outside tickets, each with its reason; nothing else may join them.
ALLOWED: dict[tuple[str, str], str] = {
    # The demo stages a history months long and backdates it afterwards: rewriting the times
    # of the log is no service's business.
    ("sustain/demo/services.py", "_spread_times"): "the demo backdates its staged history",
}

WRITES = frozenset(
    {
        "create",
        "get_or_create",
        "update_or_create",
        "bulk_create",
        "bulk_update",
        "update",
        "delete",
        "save",
        "add",
        "set",
        "remove",
        "clear",
    }
)
# What only the ticket services may call: the log's writers and their in-transaction helpers.
INTERNAL = {
    "sustain.tickets.activity": frozenset({"log_activity", "touch_ticket"}),
    "sustain.tickets.services": frozenset({"apply_changes", "set_watchers"}),
}
FASTSQL_WRITES = frozenset({"insert", "update", "insert_rows"})


@dataclass(frozen=True)
class Schema:
    """What the check knows of the code: the ticket models' names; the relation accessors
    whose rows are ticket models' (``watchers``, ``tickets``, ``messages`` …); the foreign
    keys that lead to a ticket model (``ticket``, ``merged_into`` …); the functions of
    ``sustain.tickets`` that return ticket models (by their annotations). A relation name
    that also means something else on another model (kb's ``tags``) counts only on a
    receiver known to be a ticket model."""

    models: frozenset[str]
    relations: frozenset[str]
    ambiguous_relations: frozenset[str]
    foreign_keys: frozenset[str]
    returning: frozenset[str]  # "sustain.tickets.selectors.visible_tickets", …


def schema_from_code() -> Schema:
    ticket_models = set(apps.get_app_config(TICKETS_APP).get_models(include_auto_created=True))
    to_tickets: set[str] = set()
    elsewhere: set[str] = set()
    keys_to_tickets: set[str] = set()
    keys_elsewhere: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        for model_field in model._meta.get_fields():
            related = model_field.related_model
            if not isinstance(related, type) or not issubclass(related, Model):
                continue
            if isinstance(model_field, ForeignObjectRel):
                # A reverse relation: its rows are those of the model holding the key.
                accessor, rows = model_field.get_accessor_name(), related
            elif model_field.many_to_many:
                # A many-to-many writes its link table, which the declaring model owns.
                accessor, rows = model_field.name, model_field.model
            else:
                target = keys_to_tickets if related in ticket_models else keys_elsewhere
                target.add(model_field.name)
                continue
            if accessor is not None:
                (to_tickets if rows in ticket_models else elsewhere).add(accessor)
    models = frozenset(m.__name__ for m in ticket_models if not m._meta.auto_created)
    return Schema(
        models=models,
        relations=frozenset(to_tickets - elsewhere),
        ambiguous_relations=frozenset(to_tickets & elsewhere),
        foreign_keys=frozenset(keys_to_tickets - keys_elsewhere),
        returning=frozenset(_functions_returning(models)),
    )


def _functions_returning(models: frozenset[str]) -> Iterator[str]:
    for path in sorted((SOURCES / TICKETS_APP).glob("*.py")):
        module = importlib.import_module(f"sustain.{TICKETS_APP}.{path.stem}")
        for name, value in vars(module).items():
            if not inspect.isfunction(value) or value.__module__ != module.__name__:
                continue
            returned = inspect.get_annotations(value).get("return")
            if isinstance(returned, str) and models & set(re.findall(r"\w+", returned)):
                yield f"{module.__name__}.{name}"


@dataclass
class Finder(ast.NodeVisitor):
    """Collects the ticket writes of one module's source."""

    schema: Schema
    found: list[tuple[int, str, str]] = field(default_factory=list)  # (line, function, code)
    # Names imported from sustain.tickets: models, functions that return them, modules.
    model_names: set[str] = field(default_factory=set)
    ticket_functions: set[str] = field(default_factory=set)
    module_aliases: dict[str, str] = field(default_factory=dict)
    fastsql_names: set[str] = field(default_factory=set)
    scopes: list[set[str]] = field(default_factory=lambda: [set()])
    functions: list[str] = field(default_factory=lambda: ["<module>"])

    # --- imports ------------------------------------------------------------------------
    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            name = alias.asname or alias.name
            if alias.name in INTERNAL.get(module, ()):
                self._report(node, f"imports {module}.{alias.name}")
            if module == "sustain.tickets.models" and alias.name in self.schema.models:
                self.model_names.add(name)
            elif module == "sustain.tickets":
                self.module_aliases[name] = f"{module}.{alias.name}"
            elif f"{module}.{alias.name}" in self.schema.returning:
                self.ticket_functions.add(name)
            elif module == "sustain.core" and alias.name == "fastsql":
                self.fastsql_names.add(name)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.startswith("sustain.tickets.") and alias.asname:
                self.module_aliases[alias.asname] = alias.name

    # --- scopes -------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append(set())
        self.functions.append(node.name)
        arguments = node.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if arg.annotation is not None and self.names_model(arg.annotation):
                self.scopes[-1].add(arg.arg)
        self.generic_visit(node)
        self.scopes.pop()
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._ticketish(node.value):
            for target in node.targets:
                self._bind(target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if self.names_model(node.annotation) or (node.value and self._ticketish(node.value)):
            self._bind(node.target)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        if self._ticketish(node.iter):
            self._bind(node.target)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if self._ticketish(node.iter):
            self._bind(node.target)
        self.generic_visit(node)

    def _bind(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.scopes[-1].add(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._bind(element)

    # --- writes -------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and self._writes(node, node.func):
            self._report(node, ast.unparse(node.func))
        self.generic_visit(node)

    def _writes(self, call: ast.Call, func: ast.Attribute) -> bool:
        receiver = func.value
        if func.attr in WRITES and self._writes_tickets(receiver, func.attr):
            return True
        if func.attr in INTERNAL.get(self._module_of(receiver), ()):
            return True
        return (
            func.attr in FASTSQL_WRITES
            and isinstance(receiver, ast.Name)
            and receiver.id in self.fastsql_names
            and any(self._ticketish(arg) for arg in call.args)
        )

    def _writes_tickets(self, receiver: ast.expr, method: str) -> bool:
        if self._ticketish(receiver):
            return True
        # Through a relation: x.watchers.add(...), team.tickets.update(...).
        if isinstance(receiver, ast.Attribute):
            if receiver.attr in self.schema.relations:
                return True
            if receiver.attr in self.schema.ambiguous_relations:
                return self._ticketish(receiver.value)
        return False

    def _ticketish(self, node: ast.expr) -> bool:
        """Whether ``node`` is a ticket model, one of its managers or querysets, or one of
        its instances, as far as the source shows."""
        while True:
            if isinstance(node, ast.Name):
                return (
                    node.id in self.model_names
                    or node.id in self.ticket_functions
                    or any(node.id in scope for scope in self.scopes)
                )
            if isinstance(node, ast.Attribute):
                if node.attr in self.schema.foreign_keys or node.attr in self.schema.relations:
                    return True
                module = self._module_of(node.value)
                if module:
                    return (
                        module == "sustain.tickets.models" and node.attr in self.schema.models
                    ) or (f"{module}.{node.attr}" in self.schema.returning)
                node = node.value
            elif isinstance(node, ast.Call):
                node = node.func
            elif isinstance(node, ast.Subscript | ast.Await):
                node = node.value
            else:
                return False

    def names_model(self, annotation: ast.expr) -> bool:
        return any(
            isinstance(n, ast.Name) and n.id in self.model_names for n in ast.walk(annotation)
        ) or (
            isinstance(annotation, ast.Constant)
            and isinstance(annotation.value, str)
            and any(name in self.model_names for name in annotation.value.replace("|", " ").split())
        )

    def _module_of(self, node: ast.expr) -> str:
        """The ``sustain.tickets`` module that ``node`` names, or ""."""
        if isinstance(node, ast.Name):
            return self.module_aliases.get(node.id, "")
        dotted = ast.unparse(node)
        return dotted if dotted.startswith("sustain.tickets.") else ""

    def _report(self, node: ast.AST, code: str) -> None:
        self.found.append((getattr(node, "lineno", 0), self.functions[-1], code))


def ticket_writes(source: str, schema: Schema) -> list[tuple[int, str, str]]:
    tree = ast.parse(source)
    finder = Finder(schema)
    # First what the module imports and which of its own functions return ticket models,
    # wherever in the module they are: a function may call one defined below it.
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            finder.visit(node)
    for node in ast.walk(tree):
        returns = getattr(node, "returns", None)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and returns is not None:
            finder.ticket_functions.update([node.name] if finder.names_model(returns) else [])
    finder.found.clear()
    finder.visit(tree)
    return finder.found


def modules_outside_tickets() -> Iterator[Path]:
    for path in sorted(SOURCES.rglob("*.py")):
        parts = path.relative_to(SOURCES).parts
        if parts[0] == TICKETS_APP or "tests" in parts or "migrations" in parts:
            continue
        if path.name in ("conftest.py", "factories.py"):  # test support
            continue
        yield path


@pytest.fixture(scope="module")
def schema() -> Schema:
    return schema_from_code()


def test_no_module_outside_tickets_writes_a_ticket_model(schema: Schema) -> None:
    refused = []
    for path in modules_outside_tickets():
        name = str(path.relative_to(ROOT))
        for line, function, code in ticket_writes(path.read_text(), schema):
            if (name, "*") in ALLOWED or (name, function) in ALLOWED:
                continue
            refused.append(f"{name}:{line} ({function}): {code}")
    assert refused == [], "Change tickets through the ticket services:\n" + "\n".join(refused)


def test_the_allowances_are_still_needed(schema: Schema) -> None:
    for (name, function), reason in ALLOWED.items():
        path = ROOT / name
        if not path.exists():
            continue  # moved away: the allowance is dead and may go
        writes = ticket_writes(path.read_text(), schema)
        assert any(function in ("*", found) for _, found, _ in writes), (name, function, reason)


def test_the_schema_knows_the_ticket_models_and_their_relations(schema: Schema) -> None:
    assert {"Ticket", "Message", "Activity", "Attachment", "TicketLink", "Tag"} <= schema.models
    assert {"watchers", "watched_tickets", "requested_tickets", "messages"} <= schema.relations
    # kb articles have tags of their own: only a ticket's tags are refused.
    assert "tags" in schema.ambiguous_relations
    assert "ticket" in schema.foreign_keys


# --- the check catches what it is meant to catch --------------------------------------------
PLANTED = {
    "log writer": "from sustain.tickets.activity import log_activity\n",
    "service internals": "from sustain.tickets.services import apply_changes\n",
    "log writer by module": (
        "from sustain.tickets import activity\n"
        "def f(t):\n    activity.log_activity(t, None, 'web', 'changed')\n"
    ),
    "manager write": (
        "from sustain.tickets.models import TicketLink\n"
        "def f(a, b):\n    TicketLink.objects.create(source=a, target=b, kind='related')\n"
    ),
    "queryset write": (
        "from sustain.tickets.models import Ticket\n"
        "def f():\n    Ticket.objects.filter(pk=1).update(priority=1)\n"
    ),
    "through table": (
        "from sustain.tickets.models import Ticket\n"
        "def f():\n    Ticket.watchers.through.objects.bulk_create([])\n"
    ),
    "annotated instance": (
        "from sustain.tickets.models import Ticket\n"
        "def f(ticket: Ticket | None):\n    ticket.save(update_fields=['title'])\n"
    ),
    "assigned instance": (
        "from sustain.tickets.models import Message\n"
        "def f():\n    m = Message.objects.get(pk=1)\n    m.delete()\n"
    ),
    "loop over a queryset": (
        "from sustain.tickets.models import Activity\n"
        "def f():\n    for a in Activity.objects.all():\n        a.save()\n"
    ),
    "own function's result": (
        "from sustain.tickets.models import SavedView\n"
        "def f():\n    _mine().delete()\n"
        "def _mine() -> SavedView:\n    return SavedView.objects.get(pk=1)\n"
    ),
    "selector result": (
        "from sustain.tickets.selectors import visible_tickets\n"
        "def f(u):\n    visible_tickets(u).update(status='closed')\n"
    ),
    "watchers relation": "def f(ticket, users):\n    ticket.watchers.add(*users)\n",
    "reverse relation": "def f(team):\n    team.tickets.update(team=None)\n",
    "foreign key": "def f(clock):\n    clock.ticket.save()\n",
    "fastsql": (
        "from sustain.core import fastsql\nfrom sustain.tickets.models import Activity\n"
        "def f(t):\n    fastsql.insert(Activity(ticket=t))\n"
    ),
}
CLEAN = {
    "kb's own tags": (
        "from sustain.kb.models import Article\n"
        "def f(article: Article, tags):\n    article.tags.set(tags)\n"
    ),
    "reading": (
        "from sustain.tickets.models import Ticket\n"
        "def f():\n    return list(Ticket.objects.filter(pk=1).values('pk'))\n"
    ),
    "a service": (
        "from sustain.tickets.services import update_ticket\n"
        "def f(u):\n    update_ticket(actor=u, ref=1, changes={})\n"
    ),
    "another app's model": (
        "from sustain.sla.models import TicketClock\n"
        "def f():\n    TicketClock.objects.filter(pk=1).update(next_deadline=None)\n"
    ),
}


@pytest.mark.parametrize("source", PLANTED.values(), ids=PLANTED.keys())
def test_the_check_catches_a_planted_write(schema: Schema, source: str) -> None:
    assert ticket_writes(source, schema) != []


@pytest.mark.parametrize("source", CLEAN.values(), ids=CLEAN.keys())
def test_the_check_lets_reads_services_and_other_models_pass(schema: Schema, source: str) -> None:
    assert ticket_writes(source, schema) == []

"""The shortest upgrade path, by number of upgrades: a breadth-first search over a product's
supported edges.

The graph of one product is small (tens or hundreds of edges) and read whole in one query, so
the search runs in Python. It searches backwards from the target once (``distances_to``): the
distance of every version to the target, from which the path of each deployment of the
product follows hop by hop; a page that shows fifty deployments of one product searches once.
Among the next hops that keep a path shortest, the one to the newest version is taken (the
longest jump first), so the answer does not depend on the order of rows.

Edges that do not go up the order are left out (``forward``): the services refuse them, but a
product whose version scheme changed since may hold some, and they must not make a cycle.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Arc[E]:
    """An edge of the graph: from a version to another (ids), carrying what it stands for."""

    source: int
    target: int
    item: E


class Graph[E]:
    def __init__(self, arcs: Iterable[Arc[E]], rank: dict[int, tuple[str, int]]) -> None:
        """``arcs``: the supported upgrades; ``rank``: each version's place in the
        catalogue's order ((sort_key, id) by version id) — arcs not going up it are
        dropped."""
        self.rank = rank
        self.outgoing: dict[int, list[Arc[E]]] = defaultdict(list)
        self.incoming: dict[int, list[Arc[E]]] = defaultdict(list)
        for arc in arcs:
            if not forward(arc.source, arc.target, rank):
                continue
            self.outgoing[arc.source].append(arc)
            self.incoming[arc.target].append(arc)
        for hops in self.outgoing.values():
            # The newest next version first: the tie-break among shortest paths.
            hops.sort(key=lambda a: rank[a.target], reverse=True)
        self._distances: dict[int, dict[int, int]] = {}

    def distances_to(self, goal: int) -> dict[int, int]:
        """How many upgrades each version needs to reach ``goal`` (absent: it cannot)."""
        if goal not in self._distances:
            distance = {goal: 0}
            queue = deque([goal])
            while queue:
                node = queue.popleft()
                for arc in self.incoming.get(node, ()):
                    if arc.source not in distance:
                        distance[arc.source] = distance[node] + 1
                        queue.append(arc.source)
            self._distances[goal] = distance
        return self._distances[goal]

    def path(self, start: int, goal: int) -> list[E] | None:
        """What the arcs of a shortest path from ``start`` to ``goal`` carry, in order; []
        when they are the same version, None when no path leads there."""
        distance = self.distances_to(goal)
        if start not in distance:
            return None
        hops: list[E] = []
        node = start
        while node != goal:
            step = next(
                a for a in self.outgoing[node] if distance.get(a.target) == distance[node] - 1
            )
            hops.append(step.item)
            node = step.target
        return hops


def forward(source: int, target: int, rank: dict[int, tuple[str, int]]) -> bool:
    """Whether an edge from ``source`` to ``target`` goes to a version strictly later by the
    scheme (not one it counts equal, like PEP 440's 1.0 and 1.0.0)."""
    first, then = rank.get(source), rank.get(target)
    return first is not None and then is not None and then[0] > first[0]

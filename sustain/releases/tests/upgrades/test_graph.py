"""The breadth-first search on its own: shortest by number of upgrades, a stable tie-break,
edges that do not go up the order ignored."""

from __future__ import annotations

from sustain.releases.upgrades.graph import Arc, Graph

RANK = {n: (f"{n:02}", n) for n in range(1, 8)}


def graph(*pairs: tuple[int, int]) -> Graph[str]:
    return Graph([Arc(a, b, f"{a}-{b}") for a, b in pairs], RANK)


def test_direct_edge_is_one_hop() -> None:
    assert graph((1, 2)).path(1, 2) == ["1-2"]


def test_fewest_hops_win_over_a_longer_chain() -> None:
    g = graph((1, 2), (2, 3), (3, 4), (4, 5), (2, 5), (1, 3))
    assert g.path(1, 5) == ["1-2", "2-5"]


def test_ties_take_the_newest_next_version() -> None:
    g = graph((1, 2), (1, 3), (2, 4), (3, 4))
    assert g.path(1, 4) == ["1-3", "3-4"]


def test_same_version_is_an_empty_path_and_no_path_is_none() -> None:
    g = graph((1, 2), (3, 4))
    assert g.path(2, 2) == []
    assert g.path(1, 4) is None
    assert g.path(6, 4) is None  # a version no edge touches


def test_backward_edges_are_ignored_so_a_cycle_cannot_loop() -> None:
    g = graph((1, 2), (2, 1), (2, 3), (3, 2), (3, 3))
    assert g.path(1, 3) == ["1-2", "2-3"]
    assert g.path(3, 1) is None


def test_one_search_serves_every_start() -> None:
    g = graph((1, 2), (2, 3), (1, 3), (4, 3), (3, 5))
    # 4 → 3 goes back down the order: not an upgrade, so 4 does not reach 3.
    assert g.distances_to(3) == {3: 0, 2: 1, 1: 1}
    assert g.distances_to(5) == {5: 0, 3: 1, 2: 2, 1: 2}

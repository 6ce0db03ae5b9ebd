"""Upgrade paths: per product, a graph of supported upgrades from one version to a newer one
(steps, breaking changes, knowledge-base articles), the shortest supported path from what a
deployment runs to the latest supported version, its support status and the fixes waiting in
later releases.

A package of its own inside ``releases``, built like ``releases/deployments``; the models are
imported by ``releases/models.py``, which is where Django looks for them.
"""

"""Rollouts: a planned move of one deployment (organisation × product × environment) to a
version, tied to a change ticket that a lead approves before it may start; a rolled-back
rollout counts in the change failure rate.

A module set of its own inside ``releases``, beside ``deployments`` whose services it calls
to set the version when a rollout is done. The models are imported by ``releases/models.py``.
"""

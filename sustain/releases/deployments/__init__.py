"""Deployments: which organisation runs which version of a product in which environment.

One module set of its own inside ``releases`` (models, services, selectors, the signed webhook,
the API, the pages), so that the rest of the releases issue grows beside it. The models are
imported by ``releases/models.py``, which is where Django looks for them.
"""

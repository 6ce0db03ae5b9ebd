"""Releases, lifecycles and deployments (the releases issue builds them here).

The catalogue these build on — products, components, versions — lives in ``sustain.catalog``,
below tickets; the models that were here moved there without touching their rows
(``releases.0003``, ``catalog.0001``).
"""

from sustain.releases.line_models import ReleaseLine

__all__ = ["ReleaseLine"]

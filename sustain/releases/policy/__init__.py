"""Update policies, deprecation notices and end-of-life notices of products.

A module set of its own inside ``releases`` (like ``deployments/``): the policy a product's
customers are held to (which channels are supported, how far behind a customer may stay, how
updates are delivered), the reports of who is behind it or close to an end of life, the
deprecation notices, the e-mails that warn customer admins ahead of an end of life, and a
per-customer lifecycle calendar. The models are imported by ``releases/models.py``.
"""

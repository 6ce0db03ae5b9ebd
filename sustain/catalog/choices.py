from django.db import models


class VersionScheme(models.TextChoices):
    """How a product's version names are read and ordered (``catalog/versioning.py``)."""

    SEMVER = "semver", "Semantic versioning (1.4.2, 2.0.0-rc.1)"
    PEP440 = "pep440", "PEP 440 (1.4, 2.0rc1, 1.0.post1)"
    CALVER = "calver", "Calendar versioning (2024.10, 24.04.1)"
    FREEFORM = "freeform", "Free-form names in a manual order"

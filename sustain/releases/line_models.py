"""Release lines ("4.x", "4.2") of a product and their support lifecycle.

Modelled as endoflife.date models a release cycle: each milestone — end of active support
(``eoas``), end of life (``eol``), end of extended support (``eoes``), discontinued — is a date
or a plain yes/no, held in two columns: ``<milestone>_on`` (the day) and ``<milestone>`` (yes:
reached, no: not reached, empty: not stated). At most one of the two is set. LTS is the same:
a date from which the line is LTS, or yes/no. What follows from them — maintained, end of life,
the phase, the latest version — is derived in ``lifecycle.py``, never stored.

A line holds the versions of its product whose name is the line's name or starts with its
``version_prefix`` ("4.2." holds 4.2.0 and 4.2.1-rc.1; "4." holds every 4.x). Which versions
each line holds is also stored (``LineVersion``, kept by ``line_membership.py``), so that a
line's latest version is one index probe however many versions the product has.

Kept in a module of its own (``models.py`` imports it) so the lifecycle and the deployments
of the releases app grow side by side.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from sustain.catalog.models import Product, Version

MILESTONES = ("eoas", "eol", "eoes", "discontinued")


def _pair_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{name}_on__isnull": True}) | Q(**{f"{name}__isnull": True}),
        name=f"releases_line_{name}_date_or_flag",
    )


class ReleaseLine(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="release_lines")
    name = models.CharField(max_length=100)  # endoflife.date's releaseCycle
    codename = models.CharField(max_length=100, blank=True, default="")
    version_prefix = models.CharField(max_length=100, blank=True, default="")
    link = models.URLField(max_length=500, blank=True, default="")
    # Lines in their natural order (numbers compared as numbers): ``lifecycle.line_key``.
    sort_key = models.CharField(max_length=512, default="", editable=False)

    release_date = models.DateField(null=True, blank=True)
    lts_on = models.DateField(null=True, blank=True)
    lts = models.BooleanField(null=True, blank=True)
    eoas_on = models.DateField(null=True, blank=True)  # end of active support
    eoas = models.BooleanField(null=True, blank=True)
    eol_on = models.DateField(null=True, blank=True)  # end of life (security support ends)
    eol = models.BooleanField(null=True, blank=True)
    eoes_on = models.DateField(null=True, blank=True)  # end of extended (paid) support
    eoes = models.BooleanField(null=True, blank=True)
    discontinued_on = models.DateField(null=True, blank=True)
    discontinued = models.BooleanField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product_id", "-sort_key", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="releases_line_unique"),
            _pair_constraint("lts"),
            *(_pair_constraint(m) for m in MILESTONES),
        ]
        indexes = [
            models.Index(fields=["product", "sort_key", "id"], name="releases_line_order"),
            # "Which lines reach their end of life between two days" (reports, the calendar).
            models.Index(fields=["eol_on"], name="releases_line_eol_on"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}"


class LineVersion(models.Model):
    """A version that a release line holds (``lifecycle.holds``), with the version's
    ``sort_key``: a line's latest version is the first row of the index (line, sort_key,
    version), newest first. Written only by ``line_membership.py``, in the transaction of every
    change of a line, of a version's name and of a version's key."""

    line = models.ForeignKey(
        ReleaseLine, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    sort_key = models.CharField(max_length=512)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "version"], name="releases_line_version_once")
        ]
        indexes = [
            models.Index(fields=["line", "sort_key", "version"], name="releases_line_version_order")
        ]

    def __str__(self) -> str:
        return f"{self.line_id} holds {self.version_id}"

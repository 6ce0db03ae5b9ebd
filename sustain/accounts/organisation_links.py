"""Links from an organisation's settings page to what apps above keep about it (its
deployments), registered from their ``AppConfig.ready()`` so that accounts imports none of
them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from sustain.accounts.models import Organisation


@dataclass(frozen=True)
class OrganisationLink:
    label: str
    # A URL name that takes the organisation's id as its one argument.
    url_name: str


LINKS: dict[str, OrganisationLink] = {}


def register_organisation_link(link: OrganisationLink) -> None:
    LINKS[link.url_name] = link


def links_for(organisation: Organisation) -> list[tuple[str, str]]:
    """``(label, url)`` of every registered link, for ``organisation``."""
    return [(link.label, reverse(link.url_name, args=[organisation.pk])) for link in LINKS.values()]

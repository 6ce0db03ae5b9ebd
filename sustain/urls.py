from django.urls import URLPattern, URLResolver, include, path, re_path

from sustain.api import api
from sustain.core.views import api_not_found
from sustain.views import home

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<path>.*)$", api_not_found),
    path("accounts/", include("sustain.accounts.urls")),
    path("tickets/", include("sustain.desk.urls")),
    # The knowledge-base panel of the ticket page answers under the ticket's own address.
    path("tickets/", include("sustain.kb.ticket_urls")),
    path("portal/", include("sustain.portal.urls")),
    path("settings/", include("sustain.accounts.settings_urls")),
    path("sla/", include("sustain.sla.urls")),
    path("backups/", include("sustain.backups.urls")),
    path("mail/", include("sustain.mail.urls")),
    path("kb/", include("sustain.kb.urls")),
    path("releases/", include("sustain.releases.release_urls")),
    path("deployments/", include("sustain.releases.deployments.urls")),
    path("rollouts/", include("sustain.releases.rollouts.urls")),
    path("products/", include("sustain.releases.catalogue_urls")),
    path("update-policy/", include("sustain.releases.policy.urls")),
    path("oncall/", include("sustain.oncall.urls")),
    path("preventive/", include("sustain.preventive.urls")),
    path("maintenance/", include("sustain.maintenance.urls")),
    path("", include("sustain.core.urls")),
]

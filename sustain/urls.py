from django.urls import URLPattern, URLResolver, include, path

from sustain.api import api
from sustain.core.views import home

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    path("api/v1/", api.urls),
    path("accounts/", include("sustain.accounts.urls")),
    path("", include("sustain.core.urls")),
]

from django.urls import URLPattern, URLResolver, include, path

from sustain.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("", include("sustain.core.urls")),
]

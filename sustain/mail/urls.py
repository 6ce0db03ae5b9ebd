from django.urls import URLPattern

from sustain.mail import views

app_name = "mail"

urlpatterns: list[URLPattern] = views.urlpatterns

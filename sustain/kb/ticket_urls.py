"""The knowledge-base panel's fragment, mounted at /tickets/ beside the agent's ticket page so
that it answers under the ticket's own address (/tickets/SUS-12/kb-suggestions)."""

from django.urls import URLPattern, re_path

from sustain.kb.panels import kb_suggestions

app_name = "kb_panel"

urlpatterns: list[URLPattern] = [
    re_path(r"^(?P<ref>[A-Za-z]+-\d+)/kb-suggestions$", kb_suggestions, name="suggestions"),
]

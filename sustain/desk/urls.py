"""The agent workspace, mounted at /tickets/: queues, search and the ticket page (customers are
sent to the portal). Panels that other apps add to the ticket page serve their own fragments."""

from django.urls import URLPattern, URLResolver

from sustain.desk.views import (
    bulk,
    queue,
    saved,
    search,
    ticket,
    ticket_checklist,
    ticket_compose,
    ticket_edit,
)

app_name = "desk"

urlpatterns: list[URLPattern | URLResolver] = [
    *search.urlpatterns,
    *queue.urlpatterns,
    *bulk.urlpatterns,
    *saved.urlpatterns,
    *ticket.urlpatterns,
    *ticket_edit.urlpatterns,
    *ticket_compose.urlpatterns,
    *ticket_checklist.urlpatterns,
]

"""A ticket's last change its customer can see (``public_updated_at``), for the portal.

The column is filled from the activity log: the latest entry the customer sees (the ticket's
creation, a public reply, a change of the fields the portal shows, a merge), else the
creation. One UPDATE for all tickets, each reading its newest entries backwards through the
log's (ticket, created_at) index. The codes are written out: a migration keeps meaning what
it meant when it was written.
"""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest

SEEN_ACTIONS = ["created", "replied"]
SEEN_FIELDS = ["title", "kind", "status", "product", "requester", "merged_into", "merged_from"]


def fill_public_updated_at(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Activity = apps.get_model("tickets", "Activity")
    latest_seen = (
        Activity.objects.filter(ticket=OuterRef("pk"))
        .filter(Q(action__in=SEEN_ACTIONS) | Q(field__in=SEEN_FIELDS))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    Ticket.objects.update(
        public_updated_at=Greatest(F("created_at"), Coalesce(Subquery(latest_seen), F("created_at")))
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_team_member_load'),
        ('catalog', '0002_catalog_tables'),
        ('tickets', '0011_activity_system_actor'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='public_updated_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(fill_public_updated_at, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['organisation', '-public_updated_at', '-id'], name='ticket_org_public_idx'),
        ),
    ]

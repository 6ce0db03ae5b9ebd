"""The demo's service levels and help articles, created through the services like the rest."""

from __future__ import annotations

from datetime import time

from sustain.accounts.models import User
from sustain.kb import services as kb
from sustain.kb.choices import ArticleStatus
from sustain.sla import services as sla

# minutes: first response, next response, resolution (business time)
TARGETS = {1: (30, 60, 240), 2: (60, 240, 960), 3: (240, 480, 2400), 4: (480, 960, 4800)}

ARTICLES = [
    (
        "Reset a forgotten password",
        "Choose **Forgot your password?** on the sign-in page and follow the link in the e-mail. "
        "The link works once and for one day.",
        "Sign in again without waiting for support.",
    ),
    (
        "The nightly sync stops halfway",
        "A sync that stops at the same record every night usually meets a record larger than "
        "the server's upload limit.\n\n1. Open the sync log.\n2. Note the last record.\n"
        "3. Raise `max_upload_size` or split the record.",
        "Why a sync stops at the same record, and how to get past it.",
    ),
    (
        "Upgrade to a new version without downtime",
        "Install the new version beside the old one, run the database upgrade, then switch "
        "traffic over. Keep the old version until the first sync after the switch finished.",
        "The order of steps for an upgrade that customers do not notice.",
    ),
    (
        "Renew a licence key",
        "A licence key is renewed under **Account → Licences**. The new key works at once; "
        "restart the service for the expiry warning to disappear.",
        "Where to renew a licence, and what happens after.",
    ),
]


def create_service_levels(admin: User) -> None:
    office = sla.create_calendar(
        actor=admin,
        data=sla.CalendarData(
            name="Amsterdam office",
            time_zone="Europe/Amsterdam",
            intervals=[
                (day, start, end)
                for day in range(5)
                for start, end in ((time(9), time(12, 30)), (time(13, 15), time(17, 30)))
            ],
            country="NL",
        ),
    )
    sla.create_policy(
        actor=admin,
        data=sla.PolicyData(
            name="Standard support",
            position=100,
            calendar_id=office.pk,
            targets=[
                sla.TargetData(priority, first, following, resolution)
                for priority, (first, following, resolution) in TARGETS.items()
            ],
        ),
    )


def create_help_articles(author: User) -> None:
    for title, body, summary in ARTICLES:
        article = kb.create_article(
            actor=author, data=kb.ArticleData(title=title, body=body, summary=summary)
        )
        for status in (ArticleStatus.IN_REVIEW, ArticleStatus.PUBLISHED):
            kb.transition_article(actor=author, article_id=article.pk, status=status)

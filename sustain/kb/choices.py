from django.db import models


class Audience(models.TextChoices):
    PUBLIC = "public", "Everyone"
    CUSTOMERS = "customers", "Signed-in customers"
    STAFF = "staff", "Staff only"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


# The workflow: which status may follow which.
TRANSITIONS: dict[str, frozenset[str]] = {
    ArticleStatus.DRAFT: frozenset({ArticleStatus.IN_REVIEW, ArticleStatus.ARCHIVED}),
    ArticleStatus.IN_REVIEW: frozenset({ArticleStatus.DRAFT, ArticleStatus.PUBLISHED}),
    ArticleStatus.PUBLISHED: frozenset({ArticleStatus.DRAFT, ArticleStatus.ARCHIVED}),
    ArticleStatus.ARCHIVED: frozenset({ArticleStatus.DRAFT}),
}


class TicketLinkKind(models.TextChoices):
    USED = "used", "Used on the ticket"
    KNOWN_ERROR = "known_error", "Known-error record of the problem"
    # Set by itself when a reply or note on the ticket links to the article (/kb/<slug>).
    ANSWER = "answer", "Linked in a reply or note"


class UserKind(models.TextChoices):
    ANONYMOUS = "anonymous", "Anonymous"
    CUSTOMER = "customer", "Customer"
    STAFF = "staff", "Staff"

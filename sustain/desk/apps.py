from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "sustain.desk"
    label = "desk"
    verbose_name = "Agent workspace"

    def ready(self) -> None:
        from sustain.desk.queue_forms import SORT_KEYS
        from sustain.tickets.saved_views import register_sorts

        # Saved views keep the queue's sort with its filters; the queue's columns are desk's.
        register_sorts(SORT_KEYS)
        from sustain.desk.upgrade_articles import readable_articles
        from sustain.releases.upgrades.articles import register_article_lookup

        # Upgrade paths link knowledge-base articles; kb and releases may not import each other.
        register_article_lookup(readable_articles)

"""Views of the settings pages (mounted at /settings/, URL names in ``settings_urls``)."""

"""What rollouts register with the apps below when Django starts (``ReleasesConfig.ready``)."""

from __future__ import annotations


def ready() -> None:
    from sustain.releases.rollouts.panels import PANEL
    from sustain.tickets.panels import register_panel

    # A change ticket's page shows its approval and its rollouts.
    register_panel(PANEL)

"""What upgrade paths register when Django starts (``ReleasesConfig.ready``)."""

from __future__ import annotations


def ready() -> None:
    from sustain.releases.deployments.panels import DeploymentsPanel, register_deployments_panel
    from sustain.releases.upgrades.views import deployments_panel

    # Each deployment's support, upgrade path and fixes, on the staff and the portal pages.
    register_deployments_panel(
        DeploymentsPanel(
            name="upgrades",
            template="releases/upgrades/_deployments_panel.html",
            context=deployments_panel,
            styles=("releases/upgrades.css",),
        )
    )

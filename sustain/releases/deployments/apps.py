"""What deployments register with the apps below when Django starts (``ReleasesConfig.ready``)."""

from __future__ import annotations


def ready() -> None:
    from sustain.accounts import audit
    from sustain.accounts.organisation_links import OrganisationLink, register_organisation_link
    from sustain.releases.deployments.models import DeploymentHook
    from sustain.releases.deployments.selectors import environments

    # Webhooks hold signing secrets: creating and revoking one goes to the audit log of access.
    audit.register_target(DeploymentHook, "deployment_hook")
    # A bad SUSTAIN_DEPLOYMENT_ENVIRONMENTS stops the start, not the first deployment.
    environments()
    register_organisation_link(
        OrganisationLink(label="Deployments", url_name="deployments:organisation")
    )

"""The REST API, version 1: /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from sustain.accounts.api import router as accounts_router
from sustain.accounts.auth import API_AUTH
from sustain.backups.api import router as backups_router
from sustain.core import problems
from sustain.core.openapi import DocumentedAPI
from sustain.core.renderers import ORJSONRenderer
from sustain.kb.api import router as kb_router
from sustain.mail.api import router as mail_router
from sustain.maintenance.api import router as maintenance_router
from sustain.oncall.api import router as oncall_router
from sustain.preventive.api import router as preventive_router
from sustain.releases.catalogue_api import router as catalogue_router
from sustain.releases.deployments.api import router as deployments_router
from sustain.releases.policy.api import router as policy_router
from sustain.releases.release_api import router as releases_router
from sustain.releases.rollouts.api import router as rollouts_router
from sustain.releases.upgrades.api import router as upgrades_router
from sustain.sla.api import router as sla_router
from sustain.tickets.api import router as tickets_router
from sustain.tickets.approval_api import router as approvals_router
from sustain.tickets.checklist_api import router as checklist_router

api = DocumentedAPI(
    title="Sustain API",
    version="1",
    description=(
        "Tickets, people and permissions of Sustain. Authenticate with "
        "`Authorization: Bearer <token>` (create one with `sustain createtoken EMAIL`). "
        "Errors are RFC 9457 problem details."
    ),
    auth=API_AUTH,
    urls_namespace="api-v1",
    renderer=ORJSONRenderer(),
)
problems.install(api)
api.add_router("/", accounts_router)
api.add_router("/", tickets_router)
api.add_router("/", approvals_router)
api.add_router("/", checklist_router)
api.add_router("/", sla_router)
api.add_router("/", backups_router)
api.add_router("/", mail_router)
api.add_router("/", kb_router)
api.add_router("/", releases_router)
api.add_router("/", deployments_router)
api.add_router("/", rollouts_router)
api.add_router("/", catalogue_router)
api.add_router("/", upgrades_router)
api.add_router("/", policy_router)
api.add_router("/", oncall_router)
api.add_router("/", preventive_router)
api.add_router("/", maintenance_router)

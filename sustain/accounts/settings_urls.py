"""Settings pages: users, teams, organisations and contacts, roles, own profile and tokens."""

from django.urls import URLPattern, URLResolver, path

from sustain.accounts.settings import (
    audit_log,
    customer_admin,
    organisations,
    overview,
    people,
    profile,
    teams,
)

app_name = "settings"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", overview.index, name="index"),
    path("roles/", overview.roles, name="roles"),
    path("users/", people.user_list, name="users"),
    path("users/new/", people.user_new, name="user_new"),
    path("users/<id:user_id>/", people.user_detail, name="user"),
    path("users/<id:user_id>/active/", people.user_active, name="user_active"),
    path("users/<id:user_id>/invite/", people.user_invite_again, name="user_invite"),
    path("teams/", teams.team_list, name="teams"),
    path("teams/new/", teams.team_new, name="team_new"),
    path("teams/<id:team_id>/", teams.team_detail, name="team"),
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations/new/", organisations.organisation_new, name="organisation_new"),
    path(
        "organisations/<id:organisation_id>/",
        organisations.organisation_detail,
        name="organisation",
    ),
    path(
        "organisations/<id:organisation_id>/contacts/new/",
        organisations.contact_new,
        name="contact_new",
    ),
    path(
        "organisations/<id:organisation_id>/contacts/<id:user_id>/",
        organisations.contact_detail,
        name="contact",
    ),
    path("tokens/", profile.token_page, name="tokens"),
    path("tokens/<id:token_id>/revoke/", profile.token_revoke, name="token_revoke"),
    path("profile/", profile.profile, name="profile"),
    path("contacts/", customer_admin.organisation_contacts, name="org_contacts"),
    path("audit/", audit_log.audit_log, name="audit"),
]

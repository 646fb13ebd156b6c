"""People, teams and the organisation's settings (included under /o/<slug>/).

Every settings URL's name starts with "settings" (or is "org-settings"), so the navigation marks
the Settings tab; every settings view is for super users only.
"""

from django.urls import include, path

from cascade.web.views import org_settings, people

urlpatterns = [
    path("people/", people.people, name="people"),
    path("people/<int:member_id>/", people.person, name="person"),
    path("teams/<int:team_id>/", people.team, name="team"),
    path("settings/", org_settings.overview, name="org-settings"),
    path("settings/margins/", org_settings.margins, name="settings-margins"),
    path("settings/check-in/", org_settings.checkin_cadence, name="settings-check-in"),
    path("settings/people/", org_settings.people, name="settings-people"),
    path("settings/people/invite/", org_settings.invite, name="settings-invite"),
    path("settings/people/<int:member_id>/", org_settings.person, name="settings-person"),
    path(
        "settings/people/<int:member_id>/deactivate/",
        org_settings.deactivate,
        name="settings-deactivate",
    ),
    path(
        "settings/people/<int:member_id>/reactivate/",
        org_settings.reactivate,
        name="settings-reactivate",
    ),
    path(
        "settings/people/<int:member_id>/resend-invitation/",
        org_settings.resend,
        name="settings-resend",
    ),
    path("settings/teams/", org_settings.teams, name="settings-teams"),
    path("settings/teams/<int:team_id>/", org_settings.team, name="settings-team"),
    path(
        "settings/teams/<int:team_id>/members/",
        org_settings.team_members,
        name="settings-team-members",
    ),
    path("settings/periods/", org_settings.periods, name="settings-periods"),
    path("", include("cascade.integrations.urls")),
    path("", include("cascade.webhooks.urls")),
]

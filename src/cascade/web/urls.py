"""The web app's URLs. Everything inside an organisation lives under /o/<slug>/."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from cascade.accounts.signin_limits import LimitedAuthenticationForm
from cascade.web.views import (
    checkins,
    comments,
    goals,
    home,
    invitations,
    notifications,
    setup,
    tree,
    unsubscribe,
)

organisation_urls: list[URLPattern | URLResolver] = [
    path("", home.my_week, name="my-week"),
    path("check-in/", checkins.batch, name="check-in"),
    path("key-results/<int:kr_id>/preview/", checkins.preview, name="kr-preview"),
    path("key-results/<int:kr_id>/check-in/", checkins.inline, name="kr-check-in"),
    path("goals/", goals.goal_list, name="goal-list"),
    path("goals/new/", goals.create, name="goal-create"),
    path("goals/search/", goals.search, name="goal-search"),
    path("goals/copy/", goals.copy_unfinished, name="goal-copy"),
    path("goals/<int:goal_id>/", goals.detail, name="goal-detail"),
    path("goals/<int:goal_id>/edit/", goals.edit, name="goal-edit"),
    path("goals/<int:goal_id>/why/", goals.why, name="goal-why"),
    path("goals/<int:goal_id>/align/", goals.align, name="goal-align"),
    path("goals/<int:goal_id>/close/", goals.close, name="goal-close"),
    path("goals/<int:goal_id>/comments/", comments.add, name="comment-add"),
    path("goals/<int:goal_id>/mentions/", comments.mention_search, name="mention-search"),
    path("goals/<int:goal_id>/<str:action>/", goals.change_state, name="goal-state"),
    path("goals/<int:goal_id>/key-results/new/", goals.add_key_result, name="kr-create"),
    path("key-results/<int:kr_id>/edit/", goals.edit_key_result, name="kr-edit"),
    path("key-results/<int:kr_id>/remove/", goals.remove_key_result, name="kr-remove"),
    path("comments/<int:comment_id>/edit/", comments.edit, name="comment-edit"),
    path("comments/<int:comment_id>/delete/", comments.delete, name="comment-delete"),
    path("contributions/<int:contribution_id>/", goals.contribution, name="contribution"),
    path("tree/", tree.alignment_tree, name="goal-tree"),
    path("first-steps/", setup.first_steps, name="first-steps"),
    path("tree/juniors/<int:goal_id>/", tree.tree_node, name="goal-tree-node"),
    path("notifications/", notifications.inbox, name="notifications"),
    path("notifications/read/", notifications.mark_all_read, name="notifications-read-all"),
    path(
        "notifications/<int:notification_id>/open/",
        notifications.open_notification,
        name="notification-open",
    ),
    path(
        "notifications/preferences/",
        notifications.preferences,
        name="notification-preferences",
    ),
    path("", include("cascade.web.people_urls")),
    path("", include("cascade.web.performance_urls")),
]

urlpatterns = [
    path("", home.choose_organisation, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LimitedAuthenticationForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("invitations/<str:token>/", invitations.accept, name="invitation"),
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe_view, name="unsubscribe"),
    path("setup/", setup.first_run, name="setup"),
    path("signup/", setup.signup, name="signup"),
    path("o/<slug:org>/", include(organisation_urls)),
]

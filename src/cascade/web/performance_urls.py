"""Performance management pages (included under /o/<slug>/)."""

from django.urls import path

from cascade.web.views import performance

urlpatterns = [
    path("performance/", performance.overview, name="performance"),
    path("people/<int:member_id>/sheet/", performance.person_sheet, name="person-sheet"),
    path("sheets/<int:sheet_id>/", performance.sheet, name="sheet"),
    path("sheets/<int:sheet_id>/comments/", performance.sheet_comment, name="sheet-comment"),
    path("sheet-items/<int:item_id>/", performance.sheet_item, name="sheet-item"),
    path("reviews/cycles/new/", performance.cycle_new, name="review-cycle-new"),
    path("reviews/cycles/<int:cycle_id>/", performance.cycle, name="review-cycle"),
    path("reviews/<int:review_id>/", performance.review, name="review"),
    path(
        "settings/goals-in-reviews/", performance.goals_in_reviews, name="settings-goals-in-reviews"
    ),
]

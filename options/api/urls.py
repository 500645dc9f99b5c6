from django.urls import path
from rest_framework.routers import DefaultRouter

from options.api import (
    exports,
    feeds,
    health,
    history_views,
    scenario_views,
    tracking_views,
    views,
)

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.register("topics", views.TopicViewSet, basename="topic")
router.register("stakeholders", views.StakeholderViewSet, basename="stakeholder")
router.register("affiliations", views.AffiliationViewSet, basename="affiliation")
router.register("options", views.PolicyOptionViewSet, basename="policyoption")
router.register("sanction-measures", views.SanctionMeasureViewSet, basename="sanctionmeasure")
router.register("sources", views.SourceViewSet, basename="source")
router.register("positions", views.PositionViewSet, basename="position")
router.register("events", views.EventViewSet, basename="event")
router.register("influences", views.InfluenceViewSet, basename="influence")
router.register("change-events", tracking_views.ChangeEventViewSet, basename="changeevent")
router.register("subscriptions", tracking_views.SubscriptionViewSet, basename="subscription")
router.register("deliveries", tracking_views.DeliveryViewSet, basename="delivery")

urlpatterns = [
    path("health/", health.HealthView.as_view(), name="health"),
    path("changes/", history_views.ChangesView.as_view(), name="changes"),
    path("export/popolo.json", exports.PopoloExportView.as_view(), name="export-popolo"),
    path("export/ftm.jsonl", exports.FtMExportView.as_view(), name="export-ftm"),
    # Before the router's, which would read it as the position "export" in the format "csv".
    path("positions/export.csv", views.position_export_csv, name="position-export-csv"),
    path(
        "topics/<int:pk>/scenarios/run/",
        scenario_views.ScenarioRunView.as_view(),
        name="topic-scenario-run",
    ),
    *feeds.urlpatterns,
    *router.urls,
]

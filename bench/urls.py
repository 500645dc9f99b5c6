"""The project's URLs, and the baselines' under /bench/ (bench.settings uses these)."""

from django.urls import path

from bench import floor, naive
from policytracker.urls import *  # noqa: F403  (the error handlers too)
from policytracker.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/floor/positions/", floor.positions, name="bench-floor-positions"),
    path("bench/floor/stakeholders/", floor.stakeholders, name="bench-floor-stakeholders"),
    path("bench/floor/options/<int:pk>/", floor.option, name="bench-floor-option"),
    path("bench/naive/positions/", naive.PositionList.as_view(), name="bench-naive-positions"),
    path(
        "bench/naive/stakeholders/",
        naive.StakeholderList.as_view(),
        name="bench-naive-stakeholders",
    ),
    path(
        "bench/naive/options/<int:pk>/",
        naive.PolicyOptionDetail.as_view(),
        name="bench-naive-option",
    ),
    *project_urlpatterns,
]

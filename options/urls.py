from django.urls import path

from options import views

urlpatterns = [
    path("topics/", views.topic_list, name="topic-list"),
    path("topics/<slug:slug>/", views.topic_page, name="topic-page"),
    path(
        "topics/<slug:slug>/stance-matrix.svg",
        views.stance_matrix_svg,
        name="topic-stance-matrix-svg",
    ),
    path("stakeholders/<slug:slug>/", views.stakeholder_page, name="stakeholder-page"),
]

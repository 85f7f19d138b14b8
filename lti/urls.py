from __future__ import annotations

from django.urls import path
from lti_tool.views import jwks

from lti import views
from lti.apis import HandInApi

app_name = "lti"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("jwks/", jwks, name="jwks"),
    path("deep_link/", views.deep_link, name="deep_link"),
    path("picker/<str:launch_id>/", views.picker, name="picker"),
    path("picker/<str:launch_id>/request/", views.picker_request, name="picker_request"),
    path("item/<str:launch_id>/", views.item, name="item"),
    path("item/<str:launch_id>/download/", views.item_download, name="item_download"),
    path("item/<str:launch_id>/hand_in/", HandInApi.as_view(), name="hand_in"),
]

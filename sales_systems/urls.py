from django.urls import path

from sales_systems import views

urlpatterns = [
    path("", views.queue, name="sales-systems"),
    path("<int:pk>/advance/", views.advance, name="sales-systems-advance"),
    path("<int:pk>/fast-track/", views.fast_track, name="sales-systems-fast-track"),
]

from django.urls import path

from carecircle.safeguarding import views

urlpatterns = [
    path("safeguarding/", views.audit_home, name="audit_home"),
    path("safeguarding/audit/export/", views.audit_export, name="audit_export"),
]

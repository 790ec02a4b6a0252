from rest_framework.routers import DefaultRouter

from labels.api import LabelViewSet
from requests_app.api import IssueViewSet
from rollover.api import MilestoneViewSet

router = DefaultRouter()
router.register("issues", IssueViewSet, basename="api-issue")
router.register("labels", LabelViewSet, basename="api-label")
router.register("milestones", MilestoneViewSet, basename="api-milestone")

urlpatterns = router.urls

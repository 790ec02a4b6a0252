from rest_framework.routers import DefaultRouter

from labels.api import LabelViewSet
from notifications.api import NotificationViewSet
from requests_app.api import IssueViewSet
from rollover.api import MilestoneViewSet


# No ".json" suffix routes: the API speaks JSON only, and the suffix reached actions that do not take it (500).
class JsonRouter(DefaultRouter):
    include_format_suffixes = False


router = JsonRouter()
router.register("issues", IssueViewSet, basename="api-issue")
router.register("labels", LabelViewSet, basename="api-label")
router.register("milestones", MilestoneViewSet, basename="api-milestone")
router.register("notifications", NotificationViewSet, basename="api-notification")

urlpatterns = router.urls

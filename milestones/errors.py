"""Stable codes for the milestones app's refusals and recorded rollover errors (see mktgops_portal.errors)."""

from enum import StrEnum


class MilestoneErrorCode(StrEnum):
    MESSAGE_NOT_BUILDABLE = "message_not_buildable"  # the planned Slack thread breaks one of Slack's limits
    DATABASE_UNAVAILABLE = "database_unavailable"  # the database connection dropped mid-run; the task retries
    GAVE_UP = "gave_up"  # Slack kept failing past SLACK_MAX_RETRIES

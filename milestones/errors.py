"""The milestone app's stable error codes (see mktgops_portal.errors for the error model)."""

from enum import StrEnum


class MilestoneErrorCode(StrEnum):
    MANAGERS_ONLY = "milestone_managers_only"
    NOT_ENDED = "milestone_not_ended"
    NOT_ROLLED_OVER = "milestone_not_rolled_over"
    HANDBOOK_MR_MISSING = "milestone_handbook_mr_missing"
    HANDBOOK_MR_NOT_MERGED = "milestone_handbook_mr_not_merged"
    ALREADY_CLOSED = "milestone_already_closed"
    NOT_CLOSED = "milestone_not_closed"
    REASON_REQUIRED = "milestone_reason_required"
    NO_TARGET = "milestone_no_rollover_target"
    STATE_CHANGED = "milestone_state_changed"

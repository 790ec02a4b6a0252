"""The milestone app's stable error codes (see mktgops_portal.errors for the error model).

`milestones.services` re-exports them; the values of the codes that existed before the lifecycle are kept."""

from enum import StrEnum


class MilestoneErrorCode(StrEnum):
    ALREADY_CLOSED = "milestone_already_closed"
    HANDBOOK_MR_MISSING = "handbook_mr_missing"
    HANDBOOK_MR_NOT_MERGED = "handbook_mr_not_merged"
    NOT_ENDED = "milestone_not_ended"
    NO_NEXT_MILESTONE = "no_next_milestone"
    CONFLICT = "milestone_conflict"
    # The lifecycle (issue 14).
    MANAGERS_ONLY = "milestone_managers_only"
    NOT_ROLLED_OVER = "milestone_not_rolled_over"
    NOT_CLOSED = "milestone_not_closed"
    REASON_REQUIRED = "milestone_reason_required"
    STATE_CHANGED = "milestone_state_changed"

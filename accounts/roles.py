"""Who is who: the two MktgOps groups (facts about a user, no rules). Cached on the user object for the request."""

MKTGOPS_GROUP = "MktgOps"
MANAGERS_GROUP = "MktgOps Managers"


def _group_names(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._portal_group_names = cached
    return cached


def user_is_manager(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or MANAGERS_GROUP in _group_names(user)


def user_is_mktgops(user) -> bool:
    """ICs and managers: everyone who triages and moves issues."""
    return user_is_manager(user) or MKTGOPS_GROUP in _group_names(user)

"""Who is who: the two MktgOps groups (facts about a user, no rules).

A user's group names are cached on the user object for the request and in Django's cache (Redis in production)
for ROLES_CACHE_SECONDS, so a signed-in request does not query them again: every move asks. A change of
membership or of a group clears the entries concerned (`connect_role_cache_signals`); the timeout bounds
anything else (a raw SQL change).
"""

from mktgops_portal.caching import quiet_cache

MKTGOPS_GROUP = "MktgOps"
MANAGERS_GROUP = "MktgOps Managers"
ROLES_CACHE_SECONDS = 60


def _cache_key(user_pk) -> str:
    return f"roles:{user_pk}"


def _group_names(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_group_names", None)
    if cached is None:
        names = quiet_cache.get(_cache_key(user.pk))
        if names is None:
            names = list(user.groups.values_list("name", flat=True))
            quiet_cache.set(_cache_key(user.pk), names, ROLES_CACHE_SECONDS)
        cached = frozenset(names)
        user._portal_group_names = cached
    return cached


def roles_forget(user_pks) -> None:
    """Drop the cached group names of these users (their memberships or a group of theirs changed)."""
    quiet_cache.delete_many([_cache_key(pk) for pk in user_pks])


def connect_role_cache_signals() -> None:
    """Clear cached group names when memberships change (either side of the m2m) or a group is renamed/deleted."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_save, pre_delete

    user_model = get_user_model()

    def memberships_changed(sender, instance, action, reverse, pk_set, **kwargs):
        if not action.startswith("post_") and action != "pre_clear":
            return
        if isinstance(instance, user_model):
            roles_forget([instance.pk])
        else:  # group.user_set.add(...) or .clear(): the users concerned
            roles_forget(pk_set if pk_set else instance.user_set.values_list("pk", flat=True))

    def group_changed(sender, instance, **kwargs):
        roles_forget(instance.user_set.values_list("pk", flat=True))

    m2m_changed.connect(memberships_changed, sender=user_model.groups.through, weak=False, dispatch_uid="roles_m2m")
    post_save.connect(group_changed, sender=Group, weak=False, dispatch_uid="roles_group_saved")
    pre_delete.connect(group_changed, sender=Group, weak=False, dispatch_uid="roles_group_deleted")


def user_is_manager(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or MANAGERS_GROUP in _group_names(user)


def user_is_mktgops(user) -> bool:
    """ICs and managers: everyone who triages and moves issues."""
    return user_is_manager(user) or MKTGOPS_GROUP in _group_names(user)

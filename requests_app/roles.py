"""Who is who: the two MktgOps groups. Cached on the user object for the request."""

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

MKTGOPS_GROUP = "MktgOps"
MANAGERS_GROUP = "MktgOps Managers"
# Annotation name -> group: `users_with_roles` reads both memberships with the user row itself.
_ROLE_ANNOTATIONS = {"portal_in_mktgops": MKTGOPS_GROUP, "portal_in_managers": MANAGERS_GROUP}


def users_with_roles(users):
    """`users` with their MktgOps roles annotated, so a role check costs no query of its own."""
    return users.annotate(
        **{
            name: Exists(Group.objects.filter(name=group, user=OuterRef("pk")))
            for name, group in _ROLE_ANNOTATIONS.items()
        }
    )


def _group_names(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_group_names", None)
    if cached is None:
        if all(hasattr(user, name) for name in _ROLE_ANNOTATIONS):
            cached = frozenset(group for name, group in _ROLE_ANNOTATIONS.items() if getattr(user, name))
        else:
            cached = frozenset(user.groups.values_list("name", flat=True))
        user._portal_group_names = cached
    return cached


def user_is_manager(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or MANAGERS_GROUP in _group_names(user)


def user_is_mktgops(user) -> bool:
    """ICs and managers: everyone who triages and moves issues."""
    return user_is_manager(user) or MKTGOPS_GROUP in _group_names(user)

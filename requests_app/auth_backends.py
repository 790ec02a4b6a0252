"""The authentication backend: Django's, reading the signed-in user's roles with the user row."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from requests_app.roles import users_with_roles


class RoleAwareModelBackend(ModelBackend):
    """Every request loads its user, and most then ask "is this MktgOps?": one query answers both."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = users_with_roles(user_model._default_manager.all()).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

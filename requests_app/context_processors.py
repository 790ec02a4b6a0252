from accounts.roles import user_is_manager, user_is_mktgops


def portal(request):
    user = getattr(request, "user", None)
    return {
        "is_mktgops": user_is_mktgops(user) if user else False,
        "is_manager": user_is_manager(user) if user else False,
    }

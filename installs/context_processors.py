from installs.permissions import user_can_use_admin, user_region, user_role


def role(request):
    """The signed-in user's role and region, and whether the admin has anything for them."""
    return {
        "role": user_role(request.user),
        "user_region": user_region(request.user),
        "can_use_admin": user_can_use_admin(request.user),
    }

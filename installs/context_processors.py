from installs.permissions import user_region, user_role


def role(request):
    """The signed-in user's role and region, for the navigation."""
    return {"role": user_role(request.user), "user_region": user_region(request.user)}

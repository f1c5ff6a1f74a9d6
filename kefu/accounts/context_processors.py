from kefu.accounts.services import staff_of


def staff(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"staff": staff_of(user)}

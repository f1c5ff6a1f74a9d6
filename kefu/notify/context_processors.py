from django.utils.functional import SimpleLazyObject

from kefu.notify.selectors import unread_count


def bell(request):
    """The unread count for the top bar's bell, counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notify_unread": SimpleLazyObject(lambda: unread_count(user))}

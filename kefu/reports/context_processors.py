from kefu.reports.access import can_read


def reports(request):
    """Whether the top bar shows 报表 (statistics are restricted, DOMAIN §11)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_read_reports": can_read(user)}

from django import template

from kefu.dashboard.selectors import can_see_wall

register = template.Library()


@register.filter
def may_see_wall(user) -> bool:
    """Whether the top bar shows 大屏."""
    return can_see_wall(user)

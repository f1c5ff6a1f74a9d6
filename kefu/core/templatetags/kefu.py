from urllib.parse import urlencode

from django import template

from kefu.core.calendar import years_without_schedule as missing

register = template.Library()


@register.filter
def pii_phone(value, masker):
    return masker.phone(value)


@register.filter
def pii_id(value, masker):
    return masker.id_number(value)


@register.filter
def pii_address(value, masker):
    return masker.address(value)


@register.filter
def label(value, labels):
    return labels.get(value, value)


@register.simple_tag
def years_without_schedule():
    """Years deadlines are counted in on weekends only, for lack of an official schedule."""

    return missing()


@register.inclusion_tag("core/pager.html", takes_context=True)
def pager(context, page):
    """A list page's pager (kefu.core.paging.Page): the count, the page number and links to
    the pages either side, keeping the page's other query parameters (filters, per_page)."""
    request = context.get("request")
    params = [(k, v) for k, v in request.GET.items() if k != "page" and v] if request else []
    query = urlencode(params)
    return {"page": page, "query": f"{query}&" if query else ""}

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

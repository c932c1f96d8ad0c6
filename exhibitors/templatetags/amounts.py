"""{% a_month amount unit %}: "300 tons a month", «۳۰۰ تن در ماه» (exhibitors/amounts.py)."""

from django import template

from exhibitors.amounts import amount_text

register = template.Library()


@register.simple_tag
def a_month(amount, unit):
    return amount_text(amount, unit)

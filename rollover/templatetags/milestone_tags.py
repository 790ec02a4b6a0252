from django import template

register = template.Library()


@register.filter
def carry_over_rate(row, rolled: bool):
    """A report row's carry-over rate (`requests_app.metrics.carry_over_rate`), None before the rollover."""
    return row.carry_over_rate_once(bool(rolled))


@register.filter
def percent(rate: float) -> str:
    """0.5 -> "50%"."""
    return f"{round(rate * 100)}%"

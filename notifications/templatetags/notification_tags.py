from django import template

from notifications.selectors import watch_state

register = template.Library()


@register.inclusion_tag("notifications/_watch.html", takes_context=True)
def watch_button(context, issue):
    """The issue page's Watch/Unwatch button (one query)."""
    return {
        "issue": issue,
        "watch": watch_state(context["request"].user, issue),
        "csrf_token": context.get("csrf_token"),
    }

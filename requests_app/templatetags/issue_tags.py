import re

from django import template
from django.utils.html import format_html

from requests_app.markdown import markdown_to_html
from requests_app.policy import CONFIDENTIAL_TITLE

register = template.Library()

HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


@register.simple_tag
def hidden_title() -> str:
    """How an issue the viewer may not see reads, everywhere (`requests_app.policy.CONFIDENTIAL_TITLE`)."""
    return CONFIDENTIAL_TITLE


@register.filter
def markdown(text):
    return markdown_to_html(text)


@register.filter
def label_style(label) -> str:
    """Background from the label's colour (only a well-formed hex one) and a readable text colour."""
    color = getattr(label, "color", "") or ""
    if not HEX.match(color):
        return ""
    value = color[1:]
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    text = "#1f2328" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#ffffff"
    return f"background:#{value};color:{text}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with `changes` applied (None removes a key); the page resets unless given."""
    query = context["request"].GET.copy()
    if "page" not in changes:
        query.pop("page", None)
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, title: str):
    current = context.get("sort", "")
    if current == key:
        target, arrow = f"-{key}", " ▲"
    elif current == f"-{key}":
        target, arrow = key, " ▼"
    else:
        target, arrow = (f"-{key}" if key in ("created", "updated", "weight") else key), ""
    return format_html('<a href="{}" class="sort">{}{}</a>', query_with(context, sort=target), title, arrow)


@register.filter
def person(user, fallback: str = "") -> str:
    """A user's full name, else username; `fallback` when there is no user."""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()

"""Where a form goes back to after a POST: its `next` field, when that is a path on this site (ASVS 5.1.5)."""

from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def next_path(request, default: str = "") -> str:
    """`next` from the POST (or GET) data when it is safe, else `default`.

    Safe means: a path on this host (it starts with one "/"), as `url_has_allowed_host_and_scheme` accepts it.
    Anything else (another host, a scheme, "foo", "//evil.example", a backslash trick) gives `default`.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def redirect_back(request, default: str, *args) -> HttpResponseRedirect:
    """Redirect to a safe `next`, else to the URL named `default` (reversed with `args`); never a 500."""
    target = next_path(request)
    return HttpResponseRedirect(target) if target else redirect(default, *args)

"""/notifications/: the list, marking read, following a notification, the bell, preferences, watching."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mktgops_portal.errors import PortalError
from notifications import selectors, services
from notifications.forms import PreferencesForm
from requests_app.selectors import issue_get_visible


@login_required
def notification_list(request):
    unread = request.GET.get("unread") == "1"
    page = Paginator(selectors.notifications_for(request.user, unread=unread), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = selectors.notifications_decorate(request.user, list(page.object_list))
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "rows": rows, "unread": unread, "unread_count": selectors.unread_count(request.user)},
    )


@login_required
def notification_open(request, pk):
    """Follow a notification: it is marked read and the browser goes to the comment or change."""
    notification = selectors.notification_for(request.user, pk)
    if notification is None:
        raise Http404("No such notification.")
    if notification.is_unread:
        services.notifications_mark_read(user=request.user, ids=[notification.pk])
    return redirect(notification.target_path)


@login_required
@require_POST
def notifications_read(request):
    ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()]
    try:
        count = services.notifications_mark_read(user=request.user, ids=ids, all_unread=request.POST.get("all") == "1")
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    back = request.POST.get("next") or "/notifications/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/notifications/"
    return redirect(back)


@login_required
def notification_bell(request):
    """The top bar's bell (an htmx partial, so pages pay no query for it)."""
    return render(request, "notifications/_bell.html", {"unread_count": selectors.unread_count(request.user)})


@login_required
def notification_preferences(request):
    kinds, digest = selectors.preferences_for(request.user)
    form = PreferencesForm(request.POST or None, initial={"email_kinds": kinds, "daily_digest": digest})
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_set(
                user=request.user,
                email_kinds=form.cleaned_data["email_kinds"],
                daily_digest=form.cleaned_data["daily_digest"],
            )
        except PortalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Preferences saved.")
            return redirect("notification-preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
@require_POST
def issue_watch(request, issue_pk):
    issue = issue_get_visible(request.user, issue_pk)
    if issue is None:
        raise Http404("No issue with this id is visible to you.")
    watching = request.POST.get("watching") == "1"
    services.watch_set(issue=issue, user=request.user, watching=watching)
    if request.htmx:
        return render(
            request, "notifications/_watch.html", {"issue": issue, "watch": selectors.watch_state(request.user, issue)}
        )
    messages.success(request, "You follow this issue." if watching else "You no longer follow this issue.")
    return redirect(issue)

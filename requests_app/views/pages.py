from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from requests_app import selectors
from requests_app.roles import user_is_mktgops


@login_required
def home(request):
    return redirect("/board/" if user_is_mktgops(request.user) else "/issues/?mine=1")


@login_required
def issue_detail(request, pk):
    issue = selectors.issue_get_for_user(request.user, pk)
    if issue is None:
        raise Http404("No such issue.")
    return render(request, "requests_app/issue_detail.html", {"issue": issue})

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from requests_app import selectors


@login_required
def epic_index(request):
    return render(request, "requests_app/epic_list.html", {"epics": selectors.epic_list(request.user)})


@login_required
def epic_detail(request, pk):
    epic = selectors.epic_get_for_user(request.user, pk)
    if epic is None:
        raise Http404("No epic with this id is visible to you.")
    return render(
        request, "requests_app/epic_detail.html", {"epic": epic, **selectors.epic_progress(request.user, epic)}
    )

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from requests_app import selectors
from requests_app.models import Epic


@login_required
def epic_index(request):
    return render(request, "requests_app/epic_list.html", {"epics": selectors.epic_list()})


@login_required
def epic_detail(request, pk):
    epic = get_object_or_404(Epic.objects.select_related("created_by"), pk=pk)
    return render(
        request, "requests_app/epic_detail.html", {"epic": epic, **selectors.epic_progress(request.user, epic)}
    )

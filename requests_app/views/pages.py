from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect

from requests_app.roles import user_is_mktgops


@login_required
def home(request):
    return redirect("/board/" if user_is_mktgops(request.user) else "/issues/?mine=1")


@login_required
def epic_detail(request, pk):
    raise Http404("Epics are not built yet.")

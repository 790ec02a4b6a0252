from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from accounts.roles import user_is_mktgops


@login_required
def home(request):
    return redirect("/board/" if user_is_mktgops(request.user) else "/issues/?mine=1")

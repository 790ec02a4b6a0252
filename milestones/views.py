from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from milestones.selectors import milestone_list


@login_required
def milestone_index(request):
    return render(request, "milestones/milestone_list.html", {"milestones": milestone_list()})

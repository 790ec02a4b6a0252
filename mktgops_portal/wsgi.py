import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mktgops_portal.settings")
# Web requests get the database statement timeout (see DATABASE_WEB_STATEMENT_TIMEOUT_MS in settings).
os.environ.setdefault("PORTAL_PROCESS", "web")
application = get_wsgi_application()

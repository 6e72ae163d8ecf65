"""WSGI entry point for application servers (``leitplanke serve`` runs gunicorn with it)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leitplanke.config.settings")

application = get_wsgi_application()

"""The WSGI entry point gunicorn serves: ``helpdesk_app.wsgi:app``."""

from helpdesk_app import create_app

app = create_app()

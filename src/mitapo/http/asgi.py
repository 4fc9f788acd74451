"""The ASGI app for servers started by import string (`uvicorn mitapo.http.asgi:app --workers N`)."""

from mitapo.http.app import create_app

app = create_app()

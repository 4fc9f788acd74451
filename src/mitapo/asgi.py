"""The ASGI app for servers started by import string (`uvicorn mitapo.asgi:app --workers N`)."""

from mitapo.app import create_app

app = create_app()

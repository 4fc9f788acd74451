"""The API reference at `/schema`: Redoc, drawn from the service's own copy (web/static/vendor, with its
licence), with the system's fonts and the app's icon, so that the page asks no other host for anything and
works without internet. `/schema/openapi.json` and `/schema/openapi.yaml` stay the machine-readable document.
"""

from __future__ import annotations

from collections.abc import Sequence

from litestar.openapi.plugins import OpenAPIRenderPlugin, RedocRenderPlugin, YamlRenderPlugin

REDOC_JS = "/static/vendor/redoc.standalone.js"
FAVICON = "<link rel='icon' type='image/png' href='/static/icons/icon-192.png'>"

RENDER_PLUGINS: Sequence[OpenAPIRenderPlugin] = (
    RedocRenderPlugin(js_url=REDOC_JS, google_fonts=False, path=["/", "/redoc"], favicon=FAVICON),
    YamlRenderPlugin(),
)

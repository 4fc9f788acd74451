"""The faces of みたポ: pages for residents, shops, organizers and auditors, served by the service itself.

The pages are a client of the same JSON API as everyone else (docs/api.md): the server renders a page's
frame and words, and a little plain JavaScript calls `/v1/...` with the secret the person signed in with. All
rules stay in the services; `web.views` adds the few reads the pages need that the API did not offer.
"""

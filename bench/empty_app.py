"""An app that does nothing, for `bench.floors`: what a request costs in Litestar and uvicorn alone."""

from litestar import Litestar, get


@get("/ping", sync_to_thread=False)
def ping() -> dict[str, str]:
    return {}


app = Litestar([ping])

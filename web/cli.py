"""``pmkg serve``: the web app with waitress, for one user or, behind a reverse proxy, for the public.

Registered in ``kg.cli`` as ``main.add_command(serve)``; importing this
module has no side effects.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg import config
from kg.backends import STORE, STORE_HELP


@click.command()
@click.option("--store", "store_dir", type=STORE, default=config.store_path,
              show_default="$PMKG_STORE or ./pmkg-data", help=STORE_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True, help="Port to listen on.")
def serve(store_dir: Path, host: str, port: int):
    """Serve the web app and SPARQL endpoint (/sparql) with waitress.

    One process serves every client, so the per-client limits (query time,
    concurrent queries) hold for the whole server. Requests are read whole by
    waitress's event loop before a thread runs them: idle and slow connections
    hold no thread. For a team or the public, run it behind a reverse proxy
    (TLS) that passes X-Forwarded-For, for example:

        PMKG_STORE=pmkg-data PMKG_TRUSTED_PROXIES=127.0.0.1 pmkg serve --host 127.0.0.1 --port 8000

    Settings (time limit, row limit, SERVICE allowlist, per-client budget,
    SERVER_THREADS, CONNECTION_LIMIT, CHANNEL_TIMEOUT, ...) come from PMKG_*
    environment variables; see the documentation of kg.web.
    """
    import waitress

    from kg.backends import store_exists
    from kg.config import is_url
    from kg.store import is_store
    from kg.web import create_app

    if is_url(store_dir):
        if not store_exists(store_dir):
            raise click.ClickException(f"the SPARQL server at {store_dir} holds no pmkg store; "
                                       f"create one with `pmkg init --store {store_dir}`")
    elif not is_store(store_dir):
        raise click.ClickException(f"no store at {store_dir}; create one with `pmkg init --store {store_dir}`")
    try:
        app = create_app({"STORE": str(store_dir)})
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    settings = app.config
    if not settings.get("BASE_URL"):
        # waitress does not hand the app its socket: absolute URLs come from the address served
        shown = "localhost" if host in ("0.0.0.0", "::", "") else (f"[{host}]" if ":" in host else host)
        settings["BASE_URL"] = f"http://{shown}:{port}"
    _enough_file_descriptors(settings["CONNECTION_LIMIT"] + 256)
    click.echo(f"serving {store_dir} at http://{host}:{port}/sparql (Ctrl-C to stop)", err=True)
    waitress.serve(
        app, host=host, port=port, ident="pmkg",
        threads=settings["SERVER_THREADS"],
        connection_limit=settings["CONNECTION_LIMIT"],
        max_request_body_size=settings["MAX_REQUEST_BYTES"],  # a larger body: 413 before it is read
        channel_timeout=max(1, round(settings["CHANNEL_TIMEOUT"])),
        cleanup_interval=max(1, int(settings["CHANNEL_TIMEOUT"]) // 2),
        asyncore_use_poll=True,               # select() stops at 1024 descriptors
        clear_untrusted_proxy_headers=False,  # the app decides whom to trust (TRUSTED_PROXIES)
    )


def _enough_file_descriptors(needed: int) -> None:
    """Raise the soft limit on open files towards ``needed`` (each connection is one), up to the hard limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))

"""``pmkg serve``: the web app on this machine, for one user, with werkzeug's server.

Registered in ``kg.cli`` as ``main.add_command(serve)``; importing this
module has no side effects.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg import config


@click.command()
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), default=config.store_path,
              show_default="$PMKG_STORE or ./pmkg-data", help="Store folder.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True, help="Port to listen on.")
def serve(store_dir: Path, host: str, port: int):
    """Serve the SPARQL endpoint (/sparql) on this machine, for one user.

    This uses werkzeug's development server. To serve many users, run the app
    with a production server instead, for example:

        PMKG_STORE=pmkg-data gunicorn -w 4 -b 0.0.0.0:8000 'kg.web:create_app()'

    Settings (time limit, row limit, SERVICE allowlist, ...) come from PMKG_*
    environment variables; see the documentation of kg.web.
    """
    from werkzeug.serving import run_simple

    from kg.store import is_store
    from kg.web import create_app

    if not is_store(store_dir):
        raise click.ClickException(f"no store at {store_dir}; create one with `pmkg init --store {store_dir}`")
    try:
        app = create_app({"STORE": str(store_dir)})
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"serving {store_dir} at http://{host}:{port}/sparql (Ctrl-C to stop)", err=True)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)

"""A real HTTP server on 127.0.0.1 for the fetcher tests: pages, feeds, robots.txt and misbehaviour.

``routes`` maps a path to a handler ``(request) -> (status, headers, body)``;
a handler may sleep (a slow page) or change what it serves between calls.
Every request is logged as (path, headers) in ``hits``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]

OFFICERS = ["Dana Whitcombe", "Aled Prosser", "Imogen Thackeray", "Rufus Okonjo", "Priya Lanchester",
            "Tobias Merrow", "Saskia Penhale", "Ewan Dalgleish"]
FORCES = ["Wessex Police", "Northumbria Police", "Kent Police", "Avon and Somerset Police"]


def article_html(n: int, *, title: str | None = None, extra: str = "", canonical: str | None = None,
                 charset_meta: str = "utf-8") -> str:
    """A small news page in our own words about a (fictional) misconduct hearing, varied by ``n``."""
    officer = OFFICERS[n % len(OFFICERS)]
    force = FORCES[n % len(FORCES)]
    title = title or f"Constable {officer} faces misconduct hearing number {n}"
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!doctype html>
<html><head><meta charset="{charset_meta}"><title>{title} | Fixture News</title>{link}
<meta property="og:site_name" content="Fixture News">
<meta property="article:published_time" content="2024-03-{1 + n % 27:02d}T09:00:00Z">
</head><body><article><h1>{title}</h1>
<p>Police Constable {officer}, who serves with {force}, will face a gross misconduct hearing next month
after a complaint that he used excessive force during an arrest in the town centre, the force said on Monday.</p>
<p>The Independent Office for Police Conduct investigated the complaint and found that the officer had a
case to answer for breaching the standards of professional behaviour relating to the use of force.</p>
<p>A spokesperson for {force} said the hearing would be held in public and that the constable had been
placed on restricted duties while the investigation continued. {extra}</p>
</article><footer>Fixture News</footer></body></html>"""


def page(html: str, *, content_type: str = "text/html; charset=utf-8", status: int = 200,
         headers: dict[str, str] | None = None) -> Handler:
    body = html.encode("utf-8") if isinstance(html, str) else html
    return lambda request: (status, {"Content-Type": content_type, **(headers or {})}, body)


class FixtureServer:
    def __init__(self):
        self.routes: dict[str, Handler] = {}
        self.hits: list[tuple[str, dict[str, str]]] = []
        server = self

        class Request(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True     # headers and body are two writes: no 40 ms delayed-ACK stall

            def do_GET(self):  # noqa: N802 (http.server's name)
                server.hits.append((self.path, dict(self.headers.items())))
                handler = server.routes.get(self.path)
                if handler is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not here"
                else:
                    status, headers, body = handler(self)
                    if status is None:       # the handler wrote the answer itself
                        return
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Request)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [path for path, _ in self.hits]

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

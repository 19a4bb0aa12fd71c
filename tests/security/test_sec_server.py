"""The README's team command holds against idle and slow connections (issue 8, point 4).

Under gunicorn's sync workers (the old team command) four idle TCP
connections stalled every other client. The command is started as the README
writes it (on loopback), 200 connections are opened and left idle and 200
more send their request headers one byte a second (slowloris), and a normal
client must still be answered.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
import urllib.request

from test_web_team import start_team_server

IDLE = SLOW = 200
HELD = 8        # seconds the slow connections keep trickling
SLOW_HEADERS = b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setblocking(False)
    return sock


def test_idle_and_slow_connections_do_not_stall_the_server(tmp_path):
    process, url = start_team_server(tmp_path)
    port = urllib.parse.urlsplit(url).port
    held: list[socket.socket] = []
    query = url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    try:
        held += [connect(port) for _ in range(IDLE)]
        slow = [connect(port) for _ in range(SLOW)]
        held += slow
        answered = []
        for second in range(HELD):
            for sock in slow:
                try:
                    sock.send(SLOW_HEADERS[second:second + 1])
                except OSError:  # closed by the server: that is allowed too
                    pass
            request = urllib.request.Request(query, headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                answered.append((response.status, json.loads(response.read())["boolean"]))
            time.sleep(1)
        assert answered == [(200, True)] * HELD
        assert process.poll() is None
    finally:
        for sock in held:
            sock.close()
        process.terminate()
        process.wait(timeout=10)

"""Read the news where it is: fetch web pages and feeds politely, and archive what was read (WARC).

:mod:`kg.fetch.client` fetches, :mod:`kg.fetch.archive` keeps the WARC files,
:mod:`kg.fetch.pages` ingests addresses, :mod:`kg.fetch.feeds` follows feeds.
"""

"""The URL/domain blocklist: a document's host, any parent domain of it, or its exact URL.

`a.b.example.com` is blocked by `example.com`, never by `ample.com`; bare-IP hosts match IP
entries exactly; entries with a path block that exact URL (scheme, fragment, default port and a
trailing slash ignored; compared lowercased, as URLhaus and UT1 publish them).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Iterable
from urllib.parse import urlsplit

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def normalize_host(host: str) -> str:
    """Lowercase, no trailing dot or brackets, IDNA (punycode) for non-ASCII, canonical IPs."""
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def split_url(url: str) -> tuple[str, str | None] | None:
    """(host, url_key) of a URL, or None when it has no host. url_key is None for a bare host.

    url_key is `host[:port]/path[?query]` lowercased, without scheme, fragment, default port or a
    trailing slash, so the same page written two ways compares equal.
    """
    s = url.strip()
    if not _SCHEME.match(s):
        s = "http://" + s.lstrip("/")
    try:
        parts = urlsplit(s)
        host = parts.hostname
        port = parts.port
    except ValueError:  # bad IPv6 literal or port
        return None
    if not host:
        return None
    host = normalize_host(host)
    netloc = host if ":" not in host else f"[{host}]"
    if port and port not in (80, 443):
        netloc += f":{port}"
    path = parts.path.rstrip("/")
    if not path and not parts.query:
        return host, None
    key = netloc + (path or "/") + (f"?{parts.query}" if parts.query else "")
    return host, key.lower()


def parse_blocklist_line(line: str) -> tuple[str, str | None] | None:
    """A list line → (host, url_key|None). Accepts hosts-file and simple adblock (`||x^`) forms."""
    line = line.strip()
    fields = line.split()
    if len(fields) >= 2 and fields[0] in ("0.0.0.0", "127.0.0.1", "::", "::1"):
        line = fields[1]
    elif len(fields) != 1:
        return None
    if line.startswith("||"):
        line = line[2:].split("^", 1)[0]
    line = line.removeprefix("*.").removeprefix(".")
    if _is_ip(line.strip("[]")):  # a bare IPv6 address is no URL: "http://2001:db8::1" won't parse
        return normalize_host(line), None
    return split_url(line) if line else None


class UrlBlocklist:
    """Hosts (with their subdomains) and exact URLs from blocklist lines; `blocked(url)` looks one up."""

    def __init__(self, lines: Iterable[str]):
        hosts: set[str] = set()
        urls: set[str] = set()
        for line in lines:
            parsed = parse_blocklist_line(line)
            if parsed is None:
                continue
            host, key = parsed
            if key is None:
                hosts.add(host)
            else:
                urls.add(key)
        self.hosts = frozenset(hosts)
        self.urls = frozenset(urls)

    def __len__(self) -> int:
        return len(self.hosts) + len(self.urls)

    def blocked(self, url: str | None) -> bool:
        if not url:
            return False
        parsed = split_url(url)
        if parsed is None:
            return False
        host, key = parsed
        if key is not None and key in self.urls:
            return True
        hosts = self.hosts
        if _is_ip(host):
            return host in hosts
        # The host and every parent domain: a.b.example.com, b.example.com, example.com, com.
        name = host
        while True:
            if name in hosts:
                return True
            dot = name.find(".")
            if dot < 0:
                break
            name = name[dot + 1 :]
        # A list that names only www.example.com still blocks example.com itself.
        return not host.startswith("www.") and ("www." + host) in hosts

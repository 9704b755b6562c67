"""Apache access logs for pipeline 4: a seeded traffic generator, a file tailer and a Firehose sender.

- `generate()` writes Apache combined-format lines for the Cadabra shop: browsing sessions with a
  Zipf-like product popularity, checkouts, static assets, search engine crawlers, curl and scripts,
  vulnerability scans answered 404/403, malformed requests, IPv4 and IPv6 clients, referrers,
  `-` sizes, and now and then a user agent with quotes (escaped `\\"` as Apache writes them), plus an
  optional 5xx burst window. Same seed and start, same lines.
  Format: https://httpd.apache.org/docs/2.4/logs.html#combined
- `follow()` tails a log file as the Kinesis Agent does (new complete lines only; survives
  truncation and rotation): https://docs.aws.amazon.com/firehose/latest/dev/writing-with-agents.html
- `send()` puts lines on the Firehose stream `WebLogs`, one line + "\\n" per record, with the shared
  Firehose sender (generators/senders.py: PutRecordBatch batches, retries, progress).
- `replay_logs()` is what `cadabra replay logs` runs.
"""

from __future__ import annotations

import bisect
import gzip
import itertools
import os
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from generators.senders import (
    FIREHOSE_MAX_BATCH_BYTES,
    FIREHOSE_MAX_BATCH_RECORDS,
    DeliveryError,
    SendSummary,
    stream_to_firehose,
)
from sandbox.settings import Settings

__all__ = [  # DeliveryError and SendSummary come from the shared sender; callers catch and read them here
    "DEFAULT_RATE", "DeliveryError", "MAX_BATCH_BYTES", "MAX_BATCH_RECORDS", "SendSummary", "Tailer",
    "encode_line", "escape_field", "follow", "format_line", "format_timestamp", "generate", "parse_window",
    "read_lines", "replay_logs", "send",
]

MAX_BATCH_RECORDS = FIREHOSE_MAX_BATCH_RECORDS
MAX_BATCH_BYTES = FIREHOSE_MAX_BATCH_BYTES
DEFAULT_RATE = 20.0  # lines per second of simulated traffic (timestamps) and of replay pacing

SITE = "https://www.cadabra.com"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# -- the shop's pages -----------------------------------------------------------------------------
# StockCodes in the style of the Online Retail data set; popularity falls off as 1/rank^1.1.
PRODUCTS = ["85123A", "22423", "85099B", "47566", "84879", "20725", "22720", "22197", "21212", "23203"] + [
    f"{21000 + 37 * i}" for i in range(290)
]
CATEGORIES = ["home-decor", "kitchen", "gifts", "christmas", "party", "garden", "bags", "stationery", "toys", "lighting"]
SEARCH_TERMS = ["heart", "lantern", "cake+stand", "bunting", "jumbo+bag", "tea+set", "christmas", "candle", "mug", "vintage"]
STATIC = [
    ("/static/css/site.css", 48_213),
    ("/static/js/app.js", 211_874),
    ("/static/js/vendor.js", 389_102),
    ("/static/img/logo.svg", 6_120),
    ("/favicon.ico", 1_150),
    ("/static/fonts/inter.woff2", 96_548),
]
SCAN_PATHS = [
    "/wp-login.php", "/wp-admin/", "/.env", "/.git/config", "/xmlrpc.php", "/phpmyadmin/index.php",
    "/admin.php", "/config.php.bak", "/cgi-bin/luci", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/.aws/credentials", "/server-status", "/actuator/env", "/owa/auth/logon.aspx", "/boaform/admin/formLogin",
]

# -- who visits ------------------------------------------------------------------------------------
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67",
]
# Real-world oddities: embedded quotes (logged escaped), a backslash, an empty-looking agent.
ODD_AGENTS = [
    'Mozilla/5.0 (compatible; "Cadabra Price Watcher" 1.2)',
    'Mozilla/5.0 (Windows NT 6.1) "}; echo pwned; "',
    "Mozilla/5.0 (X11; Linux) C:\\Program Files\\Agent",
]
CRAWLERS = [
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "66.249.66."),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "40.77.167."),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "5.255.253."),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "54.36.148."),
]
SCRIPTS = ["curl/8.5.0", "python-requests/2.31.0", "Wget/1.21.4", "Go-http-client/1.1"]
SCANNER_AGENTS = ["Mozilla/5.0 zgrab/0.x", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "-"]
EXTERNAL_REFERRERS = [
    "https://www.google.com/", "https://www.bing.com/search?q=cadabra+gifts", "https://t.co/x7Kd2L",
    "https://www.facebook.com/", "https://duckduckgo.com/",
]


def _zipf_cumulative(n: int, exponent: float = 1.1) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, n + 1)))


_PRODUCT_WEIGHTS = _zipf_cumulative(len(PRODUCTS))


def escape_field(value: str) -> str:
    """Escape a value for a quoted log field as Apache does (`\\` and `"` get a backslash)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def format_timestamp(when: datetime) -> str:
    """`[10/Oct/2000:13:55:36 -0700]` without the brackets, in `when`'s own offset."""
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{when.day:02d}/{_MONTHS[when.month - 1]}/{when.year:04d}:{when:%H:%M:%S} {sign}{minutes // 60:02d}{minutes % 60:02d}"


def format_line(
    host: str, when: datetime, request: str, status: int, size: int | None,
    referrer: str | None = None, agent: str | None = None, user: str = "-", *, escaped: bool = False,
) -> str:
    """One Apache combined-format line; `size` None is written `-` (no body sent).

    `escaped`: `request` is already in Apache's escaped form (`\\x16` for a raw byte 0x16).
    """
    request = request if escaped else escape_field(request)
    return (
        f'{host} - {user} [{format_timestamp(when)}] "{request}" {status} '
        f'{"-" if not size else size} "{escape_field(referrer or "-")}" "{escape_field(agent or "-")}"'
    )


def parse_window(value: str | tuple[float, float] | None) -> tuple[float, float] | None:
    """`"120:30"` or (120, 30) -> a 5xx burst from 120 s after the start, lasting 30 s."""
    if value is None or value == "":
        return None
    if isinstance(value, tuple):
        start, length = value
    else:
        head, sep, tail = str(value).partition(":")
        try:
            start, length = float(head), float(tail if sep else 60)
        except ValueError:
            raise ValueError(f"5xx burst {value!r}: write START:SECONDS, e.g. 120:30 (from 120 s in, for 30 s)") from None
    if start < 0 or length <= 0:
        raise ValueError(f"5xx burst {value!r}: START must be >= 0 and SECONDS > 0")
    return float(start), float(length)


@dataclass
class _Visitor:
    host: str
    agent: str
    kind: str  # human | crawler | script | scanner
    last_page: str | None = None
    pages_left: int = 1
    user: str = "-"


class _Traffic:
    """The generator's state: one seeded RNG, a pool of visitors in the middle of a visit."""

    def __init__(self, rng: random.Random, burst: tuple[float, float] | None) -> None:
        self.rng = rng
        self.burst = burst
        self.visitors: list[_Visitor] = []

    # -- clients -------------------------------------------------------------------------------
    def _ipv4(self) -> str:
        r = self.rng
        first = r.choice([24, 31, 46, 62, 73, 81, 86, 92, 98, 109, 151, 176, 185, 188, 203, 212, 217])
        return f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def _ipv6(self) -> str:
        r = self.rng
        prefix = r.choice(["2a02:c7c", "2001:4860", "2600:1700", "2a01:e0a", "2003:e2"])
        groups = ":".join(f"{r.randint(0, 0xFFFF):x}" for _ in range(4))
        return f"{prefix}:{r.randint(0, 0xFFF):x}::{groups}"

    def _new_visitor(self) -> _Visitor:
        r = self.rng
        roll = r.random()
        if roll < 0.78:
            host = self._ipv6() if r.random() < 0.22 else self._ipv4()
            agent = r.choice(ODD_AGENTS) if r.random() < 0.02 else r.choice(BROWSERS)
            return _Visitor(host, agent, "human", pages_left=r.randint(2, 12))
        if roll < 0.88:
            agent, net = r.choice(CRAWLERS)
            return _Visitor(f"{net}{r.randint(1, 254)}", agent, "crawler", pages_left=r.randint(3, 25))
        if roll < 0.94:
            host = self._ipv6() if r.random() < 0.3 else self._ipv4()
            return _Visitor(host, r.choice(SCRIPTS), "script", pages_left=r.randint(1, 4))
        return _Visitor(self._ipv4(), r.choice(SCANNER_AGENTS), "scanner", pages_left=r.randint(3, 10))

    def _visitor(self) -> _Visitor:
        r = self.rng
        # Up to 40 visits at a time; the fuller the pool, the likelier a request continues a visit.
        if self.visitors and (len(self.visitors) >= 40 or r.random() < len(self.visitors) / 40):
            visitor = r.choice(self.visitors)
        else:
            visitor = self._new_visitor()
            self.visitors.append(visitor)
        visitor.pages_left -= 1
        if visitor.pages_left <= 0:
            self.visitors.remove(visitor)
        return visitor

    # -- requests --------------------------------------------------------------------------------
    def _product(self) -> str:
        pick = self.rng.random() * _PRODUCT_WEIGHTS[-1]
        return PRODUCTS[bisect.bisect_left(_PRODUCT_WEIGHTS, pick)]

    def _human_page(self, v: _Visitor) -> tuple[str, str, int, int | None]:
        """(verb, target, status, size) for a shopper, with checkout as the end of some visits."""
        r = self.rng
        if v.last_page and v.last_page.startswith("/checkout"):
            step = {"/checkout": ("POST", "/checkout/payment"), "/checkout/payment": ("GET", "/checkout/confirm")}
            nxt = step.get(v.last_page.split("?")[0])
            if nxt:
                return nxt[0], nxt[1], 303 if nxt[0] == "POST" else 200, r.randint(800, 2_400) if nxt[0] == "GET" else None
        roll = r.random()
        if roll < 0.50:
            return "GET", f"/product/{self._product()}", 200, r.randint(18_000, 42_000)
        if roll < 0.62:
            return "GET", f"/category/{r.choice(CATEGORIES)}?page={r.randint(1, 4)}", 200, r.randint(25_000, 60_000)
        if roll < 0.70:
            return "GET", "/", 200, r.randint(30_000, 35_000)
        if roll < 0.77:
            return "GET", f"/search?q={r.choice(SEARCH_TERMS)}", 200, r.randint(12_000, 40_000)
        if roll < 0.83:
            return "POST", "/cart/add", 200, r.randint(150, 400)
        if roll < 0.88:
            return "GET", "/cart", 200, r.randint(9_000, 15_000)
        if roll < 0.93:
            return "GET", "/checkout", 200, r.randint(11_000, 14_000)
        if roll < 0.97:
            return "GET", f"/api/recommendations?product={self._product()}", 200, r.randint(900, 4_000)
        if roll < 0.99:
            return "GET", f"/product/{r.randint(90000, 99999)}", 404, r.randint(4_000, 5_000)
        return "GET", "/account/orders", 200, r.randint(7_000, 20_000)

    def _in_burst(self, offset: float) -> bool:
        return self.burst is not None and self.burst[0] <= offset < self.burst[0] + self.burst[1]

    def line(self, when: datetime, offset: float) -> str:
        r = self.rng
        v = self._visitor()
        version = "HTTP/2.0" if r.random() < 0.35 else "HTTP/1.1"
        referrer: str | None = None
        if v.kind == "human":
            if v.last_page and r.random() < 0.25:  # assets of the page just seen
                target, full_size = r.choice(STATIC)
                status, size = (304, None) if r.random() < 0.4 else (200, full_size)
                verb, referrer = "GET", SITE + v.last_page
            else:
                verb, target, status, size = self._human_page(v)
                referrer = SITE + v.last_page if v.last_page else (r.choice(EXTERNAL_REFERRERS) if r.random() < 0.6 else None)
                v.last_page = target
        elif v.kind == "crawler":
            verb, version = "GET", "HTTP/1.1"
            roll = r.random()
            if roll < 0.1:
                target, status, size = "/robots.txt", 200, 312
            elif roll < 0.15:
                target, status, size = "/sitemap.xml", 200, 88_410
            else:
                target, status, size = f"/product/{self._product()}", 200, r.randint(18_000, 42_000)
            if r.random() < 0.05:
                status, size = 304, None
        elif v.kind == "script":
            verb = "HEAD" if r.random() < 0.2 else "GET"
            target = r.choice(["/", "/api/products?page=1", "/api/health", f"/product/{self._product()}"])
            status, size = 200, None if verb == "HEAD" else r.randint(200, 30_000)
            version = "HTTP/1.1" if r.random() < 0.7 else "HTTP/1.0"
        else:  # scanner: probes that end in 404/403, and requests that never were HTTP
            roll = r.random()
            if roll < 0.08:
                return format_line(v.host, when, "-", 408, None, None, None)
            if roll < 0.14:
                return format_line(v.host, when, "\\x16\\x03\\x01\\x00\\xa5\\x01", 400, 226, None, None, escaped=True)
            verb = "POST" if r.random() < 0.2 else "GET"
            target = r.choice(SCAN_PATHS)
            status, size = (403, 199) if target in ("/server-status", "/.git/config") else (404, 196)
            version = "HTTP/1.1" if r.random() < 0.8 else "HTTP/1.0"

        dynamic = not target.startswith(("/static", "/favicon", "/robots", "/sitemap"))
        if dynamic and status < 400 and v.kind != "scanner":
            error_rate = 0.55 if self._in_burst(offset) else 0.004
            if target.startswith(("/checkout", "/api")):
                error_rate *= 1.4
            if r.random() < error_rate:
                status = r.choice([500, 502, 503, 503, 504])
                size = None if status == 504 else r.randint(300, 800)
        user = "-"
        if v.kind == "human" and target.startswith("/account") and r.random() < 0.5:
            user = r.choice(["alice", "bob", "m.dupont", "k.tanaka"])
        return format_line(v.host, when, f"{verb} {target} {version}", status, size, referrer, v.agent, user)


def generate(
    seed: int = 42,
    count: int = 1000,
    start: datetime | None = None,
    *,
    rate: float = DEFAULT_RATE,
    burst_5xx: str | tuple[float, float] | None = None,
    utc_offset: timedelta = timedelta(0),
) -> Iterator[str]:
    """`count` Apache combined-format lines starting at `start` (default: now), `rate` per second on average.

    Arrivals are Poisson (exponential gaps). `burst_5xx` ("START:SECONDS" or a tuple, measured from
    `start`) makes more than half of the dynamic requests in that window fail with 500/502/503/504.
    Timestamps are written in `utc_offset` (Apache logs in the server's local time).
    Deterministic: the same seed, count, start, rate and burst give the same lines.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    if rate <= 0:
        raise ValueError("rate must be > 0 lines per second")
    rng = random.Random(seed)
    traffic = _Traffic(rng, parse_window(burst_5xx))
    tz = timezone(utc_offset)
    origin = (start or datetime.now(timezone.utc).replace(microsecond=0))
    if origin.tzinfo is None:
        origin = origin.replace(tzinfo=timezone.utc)
    offset = 0.0
    for _ in range(count):
        yield traffic.line((origin + timedelta(seconds=offset)).astimezone(tz), offset)
        offset += rng.expovariate(rate)


# -- reading files ----------------------------------------------------------------------------------
def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="backslashreplace").rstrip("\r")


def read_lines(path: str | os.PathLike[str]) -> Iterator[str]:
    """The non-blank lines of a log file (plain or .gz), without their newline."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"log file {path} not found: pass an existing Apache access log with --file")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        for raw in handle:
            line = _decode(raw.rstrip(b"\n"))
            if line.strip():
                yield line


class Tailer:
    """The state of one tailed file: which file (device, inode), how far read, its first bytes."""

    HEAD = 64

    def __init__(self, path: str | os.PathLike[str], *, from_start: bool = False) -> None:
        self.path = Path(path)
        self.handle: Any = None
        self.identity: tuple[int, int] | None = None
        self.position = 0
        self.head = b""  # the file's first bytes as last read: different bytes mean it was rewritten
        self.pending = b""  # a line still waiting for its newline
        self._open_current(at_end=not from_start)  # now, so lines written after this call are seen

    def _open_current(self, *, at_end: bool) -> None:
        try:
            handle = open(self.path, "rb")
        except FileNotFoundError:
            return
        st = os.fstat(handle.fileno())
        self.handle, self.identity, self.pending = handle, (st.st_dev, st.st_ino), b""
        self.position = st.st_size if at_end else 0
        self.head = handle.read(self.HEAD) if self.position else b""

    def _drain(self) -> list[str]:
        handle = self.handle
        handle.seek(self.position)
        chunk = handle.read()
        if not chunk:
            return []
        if self.position < self.HEAD:
            handle.seek(0)
            self.head = handle.read(self.HEAD)
        self.position += len(chunk)
        *complete, self.pending = (self.pending + chunk).split(b"\n")
        return [_decode(raw) for raw in complete]

    def poll(self) -> list[str]:
        """The complete lines written since the last poll."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            st = None
        lines: list[str] = []
        if st is not None and (st.st_dev, st.st_ino) != self.identity:
            if self.handle is not None:  # rotated: finish the old file; its last line needs no newline
                lines += self._drain()
                if self.pending.strip():
                    lines.append(_decode(self.pending))
                self.handle.close()
                self.handle = None
            self._open_current(at_end=False)
        if self.handle is not None and st is not None and (st.st_dev, st.st_ino) == self.identity:
            self.handle.seek(0)
            if st.st_size < self.position or (self.head and self.handle.read(len(self.head)) != self.head):
                self.position, self.pending, self.head = 0, b"", b""  # truncated (copytruncate) or rewritten
            lines += self._drain()
        return lines

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def follow(
    path: str | os.PathLike[str],
    *,
    from_start: bool = False,
    poll_interval: float = 0.2,
    stop: threading.Event | None = None,
) -> Iterator[str]:
    """Tail `path` like the Kinesis Agent: yield each new complete line (without its newline).

    Starts at the end of the file as it is when follow() is called, unless `from_start` (the
    agent's initialPosition). A rotated file (a new file at the path: new inode) is read to its end,
    then the new one from its start; a truncated or rewritten file (smaller, or its first bytes
    changed) is read again from the start. A partial last line waits for its newline. Waits for the
    file to appear. Ends when `stop` is set.
    """
    tailer = Tailer(path, from_start=from_start)
    stop = stop or threading.Event()

    def lines() -> Iterator[str]:
        try:
            while not stop.is_set():
                yield from tailer.poll()
                stop.wait(poll_interval)
        finally:
            tailer.close()

    return lines()


# -- sending to Firehose ------------------------------------------------------------------------------
def encode_line(line: str) -> bytes:
    """One log line as one Firehose record: the line and "\\n" (Firehose adds no delimiter)."""
    return (line.rstrip("\r\n") + "\n").encode("utf-8", errors="backslashreplace")


def send(
    settings: Settings,
    lines: Iterable[str],
    stream_name: str | None = None,
    rate: float | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    client: Any = None,
    stop: threading.Event | None = None,
    linger: float = 0.5,
    max_attempts: int = 10,
) -> SendSummary:
    """Put every line on the Firehose stream (default `WebLogs`), one record per line.

    Batching, pacing (`rate` lines per second), lingering and retries are the shared Firehose
    sender's (generators/senders.py: `stream_to_firehose`).
    """
    if client is None:
        from sandbox import aws

        client = aws.client("firehose", settings)
    return stream_to_firehose(
        client,
        stream_name or settings.names.weblogs_firehose,
        (encode_line(line) for line in lines),
        rate=rate,
        progress=progress,
        stop=stop,
        linger=linger,
        max_attempts=max_attempts,
    )


def replay_logs(
    settings: Settings,
    *,
    count: int | None = 1000,
    rate: float | None = None,
    seed: int = 42,
    file: str | os.PathLike[str] | None = None,
    follow: bool = False,
    burst_5xx: str | tuple[float, float] | None = None,
    progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    """What `cadabra replay logs` does: send generated lines, a user's file, or a tailed file to WebLogs.

    - no `file`: `count` generated lines (seeded), timestamped from now at `rate` per second
      (default 20), sent at `rate` when given, else as fast as possible;
    - `file`: its lines (`count` None = all of them); with `follow`, tail it until `stop` is set
      (Ctrl-C), sending new lines as they are written.
    """
    tail = follow
    if tail and file is None:
        raise ValueError("--follow needs --file PATH: the log file to tail")
    if file is not None and burst_5xx:
        raise ValueError("--burst-5xx shapes generated traffic only: drop it or drop --file")
    tail_stop = threading.Event()
    if file is None:
        count = 1000 if count is None else count
        traffic_rate = rate or DEFAULT_RATE
        # Paced: timestamps run from now with the sending. Unpaced: they end now, none in the future.
        start = datetime.now(timezone.utc).replace(microsecond=0)
        if not rate:
            start -= timedelta(seconds=round(count / traffic_rate))
        lines: Iterable[str] = generate(seed, count, start, rate=traffic_rate, burst_5xx=burst_5xx)
        source = f"generated (seed {seed})"
    elif tail:
        lines = _tail(file, stop=tail_stop)
        source = f"following {file}"
    else:
        lines = read_lines(file)
        if count is not None:
            lines = itertools.islice(lines, count)
        source = str(file)
    try:
        summary = send(settings, lines, rate=rate, progress=progress, stop=stop)
    finally:
        tail_stop.set()
    return {"source": source, **summary.as_dict()}


_tail = follow  # replay_logs' `follow` flag shadows the function inside it

#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol through a rendered Marginalia site, opened from
disk (file://, no server, no network). Stdlib only: a minimal WebSocket client is below.

    python3 Tests/SiteRendererTests/browser/browser_test.py SITE_DIR [--screenshots DIR] [--chromium PATH]

Checks (each prints PASS or FAIL; exit status 1 on any failure, 2 when Chromium is missing):
  search     typing "paged_attention_v1_kernel" in the search box lists the kernel first; arrow keys
             move the selection; Enter opens the kernel's page
  identifier in src/vllm/attention/ops/paged_attn.py, hovering and focusing an identifier shows its
             kind and signature; clicking it lands on the line that defines it
  note       a note sits level with its first anchored line, to the right of the code (wide screen),
             and under its lines on a narrow screen
  tour       the first tour starts and "next" advances to step 2
  kernels    the kernel table filters and sorts
  theme      the toggle switches light/dark
  console    no errors or uncaught exceptions on any page visited
Screenshots of three pages go to --screenshots (default: screenshots/ next to this script, git-ignored).
"""
import argparse
import base64
import glob
import hashlib
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse


# ---- A minimal WebSocket client (RFC 6455), enough for the DevTools protocol -------------------
class WebSocket:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        path = u.path + ("?" + u.query if u.query else "")
        request = (f"GET {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("websocket handshake: connection closed")
            response += chunk
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake failed: " + head.decode(errors="replace"))
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if accept not in head:
            raise RuntimeError("websocket handshake: bad Sec-WebSocket-Accept")

    def send(self, text):
        payload = text.encode()
        header = bytearray([0x81])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126)
            header += struct.pack(">H", n)
        else:
            header.append(0x80 | 127)
            header += struct.pack(">Q", n)
        mask = os.urandom(4)
        header += mask
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(header) + masked)

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise RuntimeError("websocket closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            opcode = b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            if b1 & 0x80:
                mask = self._read(4)
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(n)))
            else:
                data = self._read(n)
            if opcode == 0x8:
                raise RuntimeError("websocket closed by the browser")
            if opcode == 0x9:  # ping
                continue
            message += data
            if b0 & 0x80:
                return message.decode()


# ---- DevTools ----------------------------------------------------------------------------------
class Browser:
    def __init__(self, chromium, width=1600, height=1000):
        self.profile = tempfile.mkdtemp(prefix="marginalia-chromium-")
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("Chromium did not start (no DevToolsActivePort)")
            time.sleep(0.1)
        port = int(open(port_file).read().split()[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/json/list")
        targets = json.loads(conn.getresponse().read())
        page = next(t for t in targets if t["type"] == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events = []
        self.errors = []
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Log.enable")
        # A headless page never has window focus; without this, focus() fires no focus events.
        self.call("Emulation.setFocusEmulationEnabled", enabled=True)

    def close(self):
        try:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _handle_event(self, msg):
        method = msg.get("method")
        params = msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = params["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text")
            self.errors.append(f"uncaught exception: {text} ({d.get('url', '')}:{d.get('lineNumber')})")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            e = params["entry"]
            self.errors.append(f"log error: {e.get('text')} {e.get('url', '')}")
        self.events.append(msg)

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._handle_event(msg)

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate failed: {expression[:80]}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, expression, timeout=10, what=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                v = self.eval(expression)
                if v:
                    return v
            except RuntimeError:
                pass  # mid-navigation
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what or expression}")

    def goto(self, url):
        self.call("Page.navigate", url=url)
        self.wait(f"location.href === {json.dumps(url)} && document.readyState === 'complete'",
                  what=f"load of {url}")

    def click_at(self, x, y):
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def click(self, selector):
        rect = self.eval(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            if (!e) return null; e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();
            return [r.left + Math.min(r.width / 2, 8), r.top + r.height / 2]; }})()""")
        if not rect:
            raise AssertionError(f"nothing matches {selector}")
        self.click_at(rect[0], rect[1])

    def key(self, key, code=None, vk=0):
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=code or key, windowsVirtualKeyCode=vk)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(data))


# ---- The checks --------------------------------------------------------------------------------
def url_of(site, rel):
    return "file://" + urllib.parse.quote(os.path.join(site, rel))


def check_search(b, site, shots):
    b.goto(url_of(site, "index.html"))
    b.eval("document.getElementById('search-input').focus()")
    b.call("Input.insertText", text="paged_attention_v1_kernel")
    first = b.wait("""(() => { const li = document.querySelector('#search-results li[role=option]');
        return li && !document.getElementById('search-results').hidden ? li.textContent : null; })()""",
                   what="search results")
    assert "paged_attention_v1_kernel" in first, f"first result is {first!r}"
    count = b.eval("document.querySelectorAll('#search-results li[role=option]').length")
    if count > 1:
        b.key("ArrowDown", vk=40)
        assert b.eval("document.getElementById('sr-1').getAttribute('aria-selected')") == "true", "ArrowDown did not move"
        b.key("ArrowUp", vk=38)
    assert b.eval("document.getElementById('sr-0').getAttribute('aria-selected')") == "true", "selection not on first"
    expected = b.eval("document.querySelector('#sr-0 a').href")
    b.key("Enter", vk=13)
    b.wait(f"location.href === {json.dumps(expected)} && document.readyState === 'complete'", what="navigation to the result")
    h1 = b.eval("document.querySelector('h1').textContent")
    assert "paged_attention_v1_kernel" in h1, f"landed on {h1!r}"
    b.screenshot(os.path.join(shots, "symbol-paged_attention_v1_kernel.png"))
    return f"found and opened {urllib.parse.unquote(expected.rsplit('/', 1)[-1])} ({count} results)"


def check_identifier(b, site):
    rel = "src/vllm/attention/ops/paged_attn.py.html"
    b.goto(url_of(site, rel))
    # Prefer an identifier defined in another file: the click then crosses pages.
    info = b.eval("""(() => {
        const refs = Array.from(document.querySelectorAll('a.r:not(.def)'));
        const other = refs.find(a => a.pathname !== location.pathname) || refs[0];
        if (!other) return null;
        other.id = 'marginalia-test-ref';
        return {href: other.href, text: other.textContent}; })()""")
    assert info, "no linked identifier on the page"
    # Keyboard focus shows the tooltip with kind and signature.
    b.eval("document.getElementById('marginalia-test-ref').focus()")
    tip = b.wait("(() => { const t = document.getElementById('tooltip'); return t && !t.hidden ? t.textContent : null; })()",
                 what="tooltip on focus")
    assert info["text"] in tip, f"tooltip {tip!r} does not name {info['text']!r}"
    b.eval("document.getElementById('marginalia-test-ref').blur()")
    b.click("#marginalia-test-ref")
    b.wait(f"location.href === {json.dumps(info['href'])} && document.readyState === 'complete'",
           what=f"navigation to {info['href']}")
    anchor = urllib.parse.urlsplit(info["href"]).fragment
    line = b.wait(f"(() => {{ const e = document.getElementById({json.dumps(anchor)}); return e ? e.textContent : null; }})()",
                  what=f"line {anchor}")
    assert info["text"] in line, f"{anchor} reads {line!r}, not a definition of {info['text']!r}"
    assert b.eval(f"document.getElementById({json.dumps(anchor)}).matches(':target')"), "line is not the :target"
    top = b.eval(f"document.getElementById({json.dumps(anchor)}).getBoundingClientRect().top")
    assert 0 <= top < b.eval("innerHeight"), "the definition line is not scrolled into view"
    return f"{info['text']} -> {urllib.parse.unquote(info['href'].rsplit('/', 1)[-1])}"


def find_page_with_note(site):
    preferred = os.path.join(site, "src/vllm/attention/ops/paged_attn.py.html")
    candidates = [preferred] + sorted(glob.glob(os.path.join(site, "src", "**", "*.html"), recursive=True))
    for path in candidates:
        if os.path.exists(path) and '<aside class="note' in open(path, encoding="utf-8").read():
            return os.path.relpath(path, site)
    return None


NOTE_GEOMETRY = """(() => {
    const n = document.querySelector('.source.with-notes aside.note');
    const line = document.getElementById('L' + n.getAttribute('data-start'));
    n.scrollIntoView({block: 'center'});
    const a = n.getBoundingClientRect(), l = line.getBoundingClientRect();
    const code = line.querySelector('code').getBoundingClientRect();
    return {noteTop: a.top, noteLeft: a.left, noteWidth: a.width, noteHeight: a.height,
            lineTop: l.top, lineBottom: l.bottom, codeRight: code.right, lineLeft: l.left,
            visible: getComputedStyle(n).visibility !== 'hidden' && getComputedStyle(n).display !== 'none'}; })()"""


def check_note(b, site, shots):
    rel = find_page_with_note(site)
    assert rel, "no source page has a note"
    b.goto(url_of(site, rel))
    b.wait("document.querySelector('aside.note') && document.querySelector('aside.note').style.top !== ''",
           what="notes laid out")
    g = b.eval(NOTE_GEOMETRY)
    assert g["visible"] and g["noteWidth"] > 100 and g["noteHeight"] > 10, f"note not visible: {g}"
    assert abs(g["noteTop"] - g["lineTop"]) <= 2, f"note top {g['noteTop']} not level with line top {g['lineTop']}"
    assert g["noteLeft"] >= g["codeRight"] - 1, f"note (left {g['noteLeft']}) overlaps the code (right {g['codeRight']})"
    b.screenshot(os.path.join(shots, "source-with-note.png"))
    # Narrow screen: the note stacks under its lines.
    b.call("Emulation.setDeviceMetricsOverride", width=600, height=900, deviceScaleFactor=1, mobile=False)
    try:
        b.wait("document.querySelector('aside.note').style.top === ''", what="narrow layout")
        n = b.eval(NOTE_GEOMETRY)
        assert n["noteTop"] >= n["lineBottom"] - 1, f"narrow: note not under its line: {n}"
        assert n["noteLeft"] < n["codeRight"], f"narrow: note still beside the code: {n}"
    finally:
        b.call("Emulation.clearDeviceMetricsOverride")
    return f"{rel}: note level with line (dy={g['noteTop'] - g['lineTop']:.1f}px), stacked when narrow"


def check_tour(b, site, shots):
    b.goto(url_of(site, "tours/index.html"))
    first = b.eval("(() => { const a = document.querySelector('ul.tours a'); return a ? a.href : null; })()")
    assert first, "no tour listed"
    b.goto(first)
    assert b.eval("!!document.querySelector('.tour-diagram svg')"), "no diagram on the tour page"
    start = b.eval("document.querySelector('a.next').href")
    b.click("a.next")
    b.wait(f"location.href === {json.dumps(start)} && document.readyState === 'complete'", what="tour start")
    pos1 = b.eval("document.querySelector('.tour-nav .position').textContent")
    assert pos1.startswith("Step 1 of"), pos1
    nxt = b.eval("document.querySelector('.tour-nav a.next').href")
    b.click(".tour-nav a.next")
    b.wait(f"location.href === {json.dumps(nxt)} && document.readyState === 'complete'", what="tour step 2")
    pos2 = b.eval("document.querySelector('.tour-nav .position').textContent")
    assert pos2.startswith("Step 2 of"), pos2
    assert b.eval("document.querySelector('.tour-trail li.current') !== null"), "no current step in the trail"
    b.screenshot(os.path.join(shots, "tour-step-2.png"))
    return f"{pos1} -> {pos2}"


def check_kernels(b, site):
    b.goto(url_of(site, "kernels.html"))
    total = b.eval("document.querySelectorAll('#kernel-table tbody tr').length")
    assert total > 0, "empty kernel table"
    b.eval("document.getElementById('kernel-filter').focus()")
    b.call("Input.insertText", text="paged_attention_v1")
    shown = b.wait("""(() => { const rows = Array.from(document.querySelectorAll('#kernel-table tbody tr'));
        const v = rows.filter(r => !r.hidden); return v.length && v.length <= rows.length ? v.length : 0; })()""",
                   what="filtered rows")
    assert b.eval("""Array.from(document.querySelectorAll('#kernel-table tbody tr')).filter(r => !r.hidden)
        .every(r => r.textContent.toLowerCase().includes('paged_attention_v1'))"""), "filter kept a row without the term"
    b.eval("document.getElementById('kernel-filter').value = ''; document.getElementById('kernel-filter').dispatchEvent(new Event('input'))")
    b.click("#kernel-table th button.sort")
    b.click("#kernel-table th button.sort")
    order = b.eval("Array.from(document.querySelectorAll('#kernel-table tbody tr')).map(r => r.cells[0].getAttribute('data-sort'))")
    descending = b.eval("""(() => { const k = Array.from(document.querySelectorAll('#kernel-table tbody tr'))
        .map(r => r.cells[0].getAttribute('data-sort'));
        return k.every((x, i) => i === 0 || k[i - 1].localeCompare(x) >= 0); })()""")
    assert descending and len(order) == total, f"not sorted descending: {order[:5]}"
    assert b.eval("document.querySelector('#kernel-table th').getAttribute('aria-sort')") == "descending"
    return f"{shown} of {total} rows after filtering; sorts"


def check_theme(b, site):
    b.goto(url_of(site, "index.html"))
    before = b.eval("getComputedStyle(document.documentElement).backgroundColor")
    b.click(".theme-toggle")
    after = b.eval("getComputedStyle(document.documentElement).backgroundColor")
    theme = b.eval("document.documentElement.getAttribute('data-theme')")
    assert before != after and theme in ("light", "dark"), f"{before} -> {after} ({theme})"
    b.click(".theme-toggle")
    return f"{before} -> {after}"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site")
    ap.add_argument("--screenshots", default=os.path.join(here, "screenshots"))
    ap.add_argument("--chromium", default=None)
    args = ap.parse_args()
    site = os.path.abspath(args.site)
    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        print("FAIL chromium: not installed (apt-get install -y chromium; scripts/setup installs it)")
        return 2
    if not os.path.exists(os.path.join(site, "index.html")):
        print(f"FAIL site: {site}/index.html does not exist")
        return 1
    os.makedirs(args.screenshots, exist_ok=True)
    b = Browser(chromium)
    failures = 0
    try:
        for name, fn in [("search", lambda: check_search(b, site, args.screenshots)),
                         ("identifier", lambda: check_identifier(b, site)),
                         ("note", lambda: check_note(b, site, args.screenshots)),
                         ("tour", lambda: check_tour(b, site, args.screenshots)),
                         ("kernels", lambda: check_kernels(b, site)),
                         ("theme", lambda: check_theme(b, site))]:
            try:
                print(f"PASS {name}: {fn()}", flush=True)
            except Exception as e:  # report every check, not just the first failure
                failures += 1
                print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
        b.call("Runtime.evaluate", expression="0")  # drain pending events
        if b.errors:
            failures += 1
            print("FAIL console: " + " | ".join(b.errors[:10]))
        else:
            print("PASS console: no errors")
    finally:
        b.close()
    print(f"screenshots in {args.screenshots}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

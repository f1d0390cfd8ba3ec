#!/usr/bin/env python3
"""An independent oracle for the Swift site checker: parses every page of a rendered Marginalia site
with Python's html.parser and checks that elements nest and close, ids are unique, and every internal
link (and #anchor, and search-index URL) resolves. Stdlib only.

    python3 Tests/SiteRendererTests/check_site.py SITE_DIR

Exit status 0 when clean; 1 with one line per problem otherwise.
"""
import html.parser
import json
import os
import re
import sys
import urllib.parse

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(html.parser.HTMLParser):
    def __init__(self, name):
        super().__init__(convert_charrefs=True)
        self.name = name
        self.stack = []
        self.ids = set()
        self.links = []  # (url, line, is_resource)
        self.refs = []   # (attr, id, line)
        self.problems = []

    def problem(self, msg):
        self.problems.append(f"{self.name}:{self.getpos()[0]}: {msg}")

    def handle_starttag(self, tag, attrs):
        self._attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._attrs(tag, attrs)
        if tag not in VOID and "svg" not in self.stack and tag != "svg":
            self.problem(f"<{tag}/> outside svg")

    def _attrs(self, tag, attrs):
        seen = set()
        line = self.getpos()[0]
        for k, v in attrs:
            if k in seen:
                self.problem(f"repeated attribute {k}")
            seen.add(k)
            if k == "id":
                if v in self.ids:
                    self.problem(f"duplicate id {v!r}")
                self.ids.add(v)
            elif k in ("href", "xlink:href") and v is not None:
                self.links.append((v, line, tag in ("link",)))
            elif k == "src" and v is not None:
                self.links.append((v, line, True))
            elif k in ("aria-describedby", "aria-controls", "for") and v:
                for ref in v.split():
                    self.refs.append((k, ref, line))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problem(f"</{tag}> does not close <{self.stack[-1] if self.stack else 'nothing'}>")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()

    def handle_data(self, data):
        pass

    def close(self):
        super().close()
        if self.stack:
            self.problem("unclosed at end: " + " > ".join(self.stack))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = os.path.abspath(sys.argv[1])
    files = set()
    pages = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            rel = os.path.relpath(os.path.join(dirpath, n), root).replace(os.sep, "/")
            files.add(rel)
    problems = []
    for rel in sorted(f for f in files if f.endswith(".html")):
        with open(os.path.join(root, rel), encoding="utf-8") as fh:
            text = fh.read()
        # html.parser is lenient; add the two checks it lacks: bare & and bare < in text.
        for m in re.finditer(r"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)", text):
            problems.append(f"{rel}:{text.count(chr(10), 0, m.start()) + 1}: bare &")
        p = Page(rel)
        p.feed(text)
        p.close()
        pages[rel] = p
        problems += p.problems
    checked = 0

    def follow(url, page, line, resource):
        nonlocal checked
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme:
            if resource:
                problems.append(f"{page}:{line}: loads {url} from the network")
            return
        checked += 1
        path = urllib.parse.unquote(parsed.path)
        target = page if path == "" else os.path.normpath(os.path.join(os.path.dirname(page), path)).replace(os.sep, "/")
        if target.startswith(".."):
            problems.append(f"{page}:{line}: {url} leaves the site")
            return
        if target not in files:
            problems.append(f"{page}:{line}: broken link {url} -> {target}")
            return
        frag = urllib.parse.unquote(parsed.fragment)
        if frag and target.endswith(".html") and frag not in pages[target].ids:
            problems.append(f"{page}:{line}: {url}: no id {frag!r} in {target}")

    for rel, p in sorted(pages.items()):
        for url, line, resource in p.links:
            follow(url, rel, line, resource)
        for attr, ref, line in p.refs:
            if ref not in p.ids:
                problems.append(f"{rel}:{line}: {attr}={ref!r} names nothing")
    index = os.path.join(root, "assets", "search-index.js")
    if os.path.exists(index):
        with open(index, encoding="utf-8") as fh:
            js = fh.read()
        data = json.loads(js[js.index("=") + 1:js.rindex(";")])
        for item in data["items"]:
            follow(item[3], "index.html", 0, False)
    for p in problems:
        print(p)
    print(f"check_site.py: {len(pages)} pages, {checked} links, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Verify the anchors and links of the bundled study notes against a vLLM checkout.

Usage: check_anchors.py [--notes DIR] [--vllm PATH] [--quiet]

For every note (Annotations/<area>/<id>.md) it checks:
  * the front matter parses and has id, title, release, tags, anchors;
  * ids are unique and match the file name;
  * every anchor's file exists in the checkout (a directory anchor ends with '/');
  * a symbol anchor names a symbol defined in that file (Python: ast; C++/CUDA:
    a brace-matching scanner that tracks namespaces and classes);
  * a lines: A-B snippet lies inside one definition of that symbol;
  * every [[symbol]] link resolves to exactly one definition (full name or a
    unique suffix), every [[note:id]] link names an existing note;
and for every tour (Annotations/tours/*.yaml) that each step names a note or a
valid symbol/file/lines anchor. Exit status 1 when anything fails.
"""
import argparse
import ast
import os
import re
import sys
from collections import defaultdict

import yaml

CPP_EXTS = (".cu", ".cuh", ".cpp", ".h", ".hpp", ".cc")


# ---------------------------------------------------------------- Python
def python_defs(path, module):
    """Return {qualified name: [(start, end), ...]} for classes and functions."""
    with open(path, encoding="utf-8") as f:
        src = f.read()
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return {}
    out = defaultdict(list)

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                q = f"{prefix}.{child.name}"
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                out[q].append((start, child.end_lineno))
                walk(child, q)
            elif isinstance(child, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                # defs under `if supports_custom_op():` etc. stay at the same level
                walk(child, prefix)

    walk(tree, module)
    return out


# ---------------------------------------------------------------- C++ / CUDA
def _blank_comments_strings_preproc(src):
    """Replace comments, string/char literals and preprocessor lines by spaces, keep newlines."""
    out = []
    i, n = 0, len(src)
    at_line_start = True
    while i < n:
        c = src[i]
        if at_line_start:
            j = i
            while j < n and src[j] in " \t":
                j += 1
            if j < n and src[j] == "#":
                # preprocessor directive, including backslash continuations
                while i < n:
                    if src[i] == "\n":
                        if i > 0 and src[i - 1] == "\\":
                            out.append("\n")
                            i += 1
                            continue
                        break
                    out.append(" ")
                    i += 1
                continue
        if src.startswith("//", i):
            while i < n and src[i] != "\n":
                out.append(" ")
                i += 1
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join("\n" if ch == "\n" else " " for ch in src[i:j]))
            i = j
            at_line_start = False
            continue
        if c in "\"'":
            q = c
            out.append(" ")
            i += 1
            while i < n and src[i] != q:
                if src[i] == "\\":
                    out.append(" ")
                    i += 1
                out.append("\n" if i < n and src[i] == "\n" else " ")
                i += 1
            out.append(" ")
            i += 1
            continue
        out.append(c)
        at_line_start = c == "\n"
        i += 1
    return "".join(out)


_NOT_FUNCS = {"__launch_bounds__", "__align__", "alignas", "decltype", "sizeof",
              "if", "for", "while", "switch", "return", "static_assert", "alignof"}
_CLASS_RE = re.compile(r"\b(class|struct|union)\b(?:\s+(?:__align__|alignas)\s*\([^)]*\))?\s+(\w+)\s*(?::[^{]*)?$", re.S)
_NS_RE = re.compile(r"\bnamespace\s+(\w+(?:::\w+)*)?\s*$", re.S)
_FUNC_RE = re.compile(r"((?:\w+::)*~?\w+)\s*\(")


def cpp_defs(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        raw = f.read()
    src = _blank_comments_strings_preproc(raw)
    line_of = []
    ln = 1
    for ch in src:
        line_of.append(ln)
        if ch == "\n":
            ln += 1
    out = defaultdict(list)
    stack = []  # entries: (kind, name, start_line)
    header_start = 0
    for i, ch in enumerate(src):
        if ch == ";":
            if not stack or stack[-1][0] in ("ns", "class", "extern"):
                header_start = i + 1
        elif ch == "{":
            in_scope = not stack or stack[-1][0] in ("ns", "class", "extern")
            header = src[header_start:i]
            kind, name = "block", None
            if in_scope:
                h = header.strip()
                m = _NS_RE.search(h)
                if m and (h.startswith("namespace") or h.split()[-2:-1] == ["inline"] or h.endswith(m.group(0))) and "(" not in h:
                    kind, name = "ns", m.group(1) or ""
                elif re.fullmatch(r"extern\s*", h):
                    kind = "extern"
                elif "(" not in h.split("<")[0] or _CLASS_RE.search(h) and "(" not in h.split("{")[0].replace("__align__", "").replace("alignas", "").split(")")[-1]:
                    m = _CLASS_RE.search(h)
                    if m:
                        kind, name = "class", m.group(2)
                    elif "(" in h:
                        kind, name = "func", _func_name(h)
                else:
                    kind, name = "func", _func_name(h)
                if kind == "block" and "(" in h:
                    kind, name = "func", _func_name(h)
            # header start line: first non-space char of header
            k = header_start
            while k < i and src[k].isspace():
                k += 1
            stack.append((kind, name, line_of[k] if k < len(line_of) else line_of[i]))
            if kind in ("ns", "class", "extern"):
                header_start = i + 1
        elif ch == "}":
            if not stack:
                continue
            kind, name, start = stack.pop()
            if kind == "func" and name:
                scope = [s[1] for s in stack if s[0] in ("ns", "class") and s[1]]
                q = "::".join(scope + [name])
                out[q].append((start, line_of[i]))
            if kind in ("class",) and name:
                scope = [s[1] for s in stack if s[0] in ("ns", "class") and s[1]]
                q = "::".join(scope + [name])
                out[q].append((start, line_of[i]))
            if not stack or stack[-1][0] in ("ns", "class", "extern"):
                header_start = i + 1
    return out


def _func_name(header):
    # strip template argument lists so '(' inside them is ignored
    depth, buf = 0, []
    for ch in header:
        if ch == "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif depth == 0:
            buf.append(ch)
    h = "".join(buf)
    for m in _FUNC_RE.finditer(h):
        name = m.group(1)
        if name.split("::")[-1] in _NOT_FUNCS:
            continue
        return name
    return None


# ---------------------------------------------------------------- index
class Index:
    def __init__(self, root):
        self.root = root
        self.by_file = {}
        self.all = defaultdict(list)  # qname -> [(file, start, end)]

    def defs(self, rel):
        if rel in self.by_file:
            return self.by_file[rel]
        p = os.path.join(self.root, rel)
        if rel.endswith(".py"):
            mod = rel[:-3].replace("/", ".")
            if mod.endswith(".__init__"):
                mod = mod[: -len(".__init__")]
            d = python_defs(p, mod)
        elif rel.endswith(CPP_EXTS):
            d = cpp_defs(p)
        else:
            d = {}
        self.by_file[rel] = d
        return d

    def build_all(self):
        for top in ("vllm", "csrc"):
            for dirpath, _, files in os.walk(os.path.join(self.root, top)):
                for fn in files:
                    rel = os.path.relpath(os.path.join(dirpath, fn), self.root)
                    if rel.endswith(".py") or rel.endswith(CPP_EXTS):
                        for q, spans in self.defs(rel).items():
                            for s in spans:
                                self.all[q].append((rel, s[0], s[1]))

    def resolve(self, name):
        """Return the qualified names a link could mean: the exact name plus every
        name that ends with it on a '.' or '::' boundary. A good link has one."""
        cands = [q for q in self.all
                 if q == name or q.endswith("." + name) or q.endswith("::" + name)]
        return cands


def parse_note(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.startswith("---\n"):
        raise ValueError("missing front matter")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ValueError("unterminated front matter")
    meta = yaml.safe_load(text[4:end])
    body = text[end + 5:]
    return meta, body


def check_anchor(idx, a, where, errors):
    f = a.get("file")
    if not f:
        errors.append(f"{where}: anchor without file")
        return
    p = os.path.join(idx.root, f)
    if f.endswith("/"):
        if not os.path.isdir(p):
            errors.append(f"{where}: directory {f} missing")
        if "symbol" in a:
            errors.append(f"{where}: directory anchor with a symbol")
        return
    if not os.path.isfile(p):
        errors.append(f"{where}: file {f} missing")
        return
    sym = a.get("symbol")
    lines = a.get("lines")
    if sym is None:
        if lines is not None:
            # A snippet of a file (no enclosing symbol): the range must lie inside the file.
            m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", str(lines))
            with open(p, encoding="utf-8", errors="replace") as fh:
                n = sum(1 for _ in fh)
            if not m or not (1 <= int(m.group(1)) <= int(m.group(2)) <= n):
                errors.append(f"{where}: bad file lines {lines!r} ({f} has {n} lines)")
        return
    spans = idx.defs(f).get(sym)
    if not spans:
        near = [q for q in idx.defs(f) if q.split(".")[-1].split("::")[-1] == re.split(r"[.:]", sym)[-1]]
        errors.append(f"{where}: symbol {sym} not defined in {f} (near: {near[:5]})")
        return
    if lines is not None:
        m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", str(lines))
        if not m:
            errors.append(f"{where}: bad lines {lines!r}")
            return
        a0, b0 = int(m.group(1)), int(m.group(2))
        if a0 > b0 or not any(s <= a0 and b0 <= e for s, e in spans):
            errors.append(f"{where}: lines {a0}-{b0} outside {sym} {spans}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", default=os.path.dirname(here))
    ap.add_argument("--vllm", default=os.environ.get("MARGINALIA_VLLM_0_6_2",
                                                      os.path.expanduser("~/.cache/marginalia/vllm/vllm-0.6.2")))
    ap.add_argument("--release", default="0.6.2",
                    help="check only the notes and tours written for this release")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    idx = Index(args.vllm)
    idx.build_all()
    errors = []
    notes = {}
    counts = defaultdict(int)
    for dirpath, _, files in os.walk(args.notes):
        rel_dir = os.path.relpath(dirpath, args.notes)
        if rel_dir.split(os.sep)[0] in ("tools", "tours", "home", "profiles"):
            continue
        for fn in sorted(files):
            if not fn.endswith(".md") or rel_dir == ".":
                continue
            path = os.path.join(dirpath, fn)
            try:
                meta, body = parse_note(path)
            except Exception as e:  # noqa: BLE001
                errors.append(f"{path}: {e}")
                continue
            nid = meta.get("id")
            for key in ("id", "title", "release", "tags", "anchors"):
                if key not in meta:
                    errors.append(f"{path}: missing {key}")
            if nid is None:
                continue
            if not re.fullmatch(r"[a-z0-9-]+", nid):
                errors.append(f"{path}: bad id {nid}")
            if fn != nid + ".md":
                errors.append(f"{path}: file name does not match id {nid}")
            if nid in notes:
                errors.append(f"{path}: duplicate id {nid}")
            if str(meta.get("release")) != args.release:
                continue
            notes[nid] = (path, meta, body)
            counts[rel_dir] += 1
            for i, a in enumerate(meta.get("anchors") or []):
                check_anchor(idx, a, f"{nid} anchor {i}", errors)
    for nid, (path, meta, body) in notes.items():
        for link in re.findall(r"\[\[([^\]]+)\]\]", body):
            if link.startswith("note:"):
                if link[5:] not in notes:
                    errors.append(f"{nid}: link to missing note {link}")
                continue
            cands = idx.resolve(link)
            if len(cands) != 1:
                errors.append(f"{nid}: symbol link [[{link}]] resolves to {len(cands)}: {cands[:4]}")
    tours_dir = os.path.join(args.notes, "tours")
    ntours = 0
    if os.path.isdir(tours_dir):
        for fn in sorted(os.listdir(tours_dir)):
            if not fn.endswith(".yaml"):
                continue
            ntours += 1
            t = yaml.safe_load(open(os.path.join(tours_dir, fn), encoding="utf-8"))
            if str(t.get("release", args.release)) != args.release:
                ntours -= 1
                continue
            for key in ("id", "title", "steps"):
                if key not in t:
                    errors.append(f"tour {fn}: missing {key}")
            for i, st in enumerate(t.get("steps") or []):
                if "note" in st:
                    if st["note"] not in notes:
                        errors.append(f"tour {fn} step {i}: missing note {st['note']}")
                else:
                    check_anchor(idx, st, f"tour {fn} step {i}", errors)
                    if not st.get("text"):
                        errors.append(f"tour {fn} step {i}: symbol step without text")
    if not args.quiet:
        for d in sorted(counts):
            print(f"{d}: {counts[d]}")
        print(f"notes: {len(notes)}, tours: {ntours}, anchors checked against {args.vllm}")
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

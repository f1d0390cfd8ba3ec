#!/usr/bin/env python3
"""Independent symbol tables for the re-anchoring test set, used until (and beside) Marginalia's own
indexers: CPython's `ast` for Python, Universal Ctags for C++/CUDA.

    oracle_symbols.py CHECKOUT OUT.json

Writes a JSON array of IndexModel `Symbol` values (Codable field names). Python: vllm/ only; C++: csrc/.
Ranges follow IndexModel: Python from the def/class keyword to the body's last line; C++ from the line
that names the function (ctags) to its closing brace.
"""
import ast, json, os, subprocess, sys

root, out = sys.argv[1], sys.argv[2]
symbols = []

def pos(line, col=1):
    return {"line": line, "column": col}

def sym(qn, name, kind, lang, path, start, end, parent, signature=""):
    symbols.append({"qualifiedName": qn, "name": name, "kind": kind, "language": lang, "file": path,
                    "range": {"start": pos(start), "end": pos(end, 2)}, "signature": signature, "doc": "",
                    "parent": parent, "attributes": [], "bases": [], "usr": ""})

def walk(node, prefix, path, in_class):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            qn = prefix + "." + child.name
            if isinstance(child, ast.ClassDef):
                kind = "class"
            else:
                kind = "method" if in_class else "function"
            sym(qn, child.name, kind, "python", path, child.lineno, child.end_lineno, prefix)
            walk(child, qn, path, isinstance(child, ast.ClassDef))
        elif isinstance(child, (ast.If, ast.Try, ast.With)):
            walk(child, prefix, path, in_class)

for dirpath, dirnames, filenames in os.walk(os.path.join(root, "vllm")):
    dirnames.sort()
    for fn in sorted(filenames):
        if not fn.endswith(".py"):
            continue
        full = os.path.join(dirpath, fn)
        rel = os.path.relpath(full, root)
        module = rel[:-3].replace("/", ".")
        if module.endswith(".__init__"):
            module = module[: -len(".__init__")]
        try:
            with open(full, encoding="utf-8") as f:
                text = f.read()
            tree = ast.parse(text)
        except Exception:
            continue
        sym(module, module.split(".")[-1], "module", "python", rel, 1, max(1, text.count("\n")), "")
        walk(tree, module, rel, False)

csrc = os.path.join(root, "csrc")
if os.path.isdir(csrc):
    tags = subprocess.run(["ctags", "--langmap=c++:+.cu.cuh", "--fields=+neKZ", "--extras=-F", "-R", "-f", "-", "csrc"],
                          cwd=root, capture_output=True, text=True).stdout
    for line in tags.splitlines():
        parts = line.split("\t")
        if len(parts) < 4:
            continue
        name, path = parts[0], parts[1]
        fields = {}
        kind = None
        for p in parts[3:]:
            if ":" in p:
                k, v = p.split(":", 1)
                fields[k] = v
            else:
                kind = p
        kind = fields.get("kind", kind) if kind is None else kind
        if kind not in ("function", "class", "struct") or "end" not in fields:
            continue
        scope = fields.get("scope", "")
        scope_name = scope.split(":", 1)[1] if ":" in scope else ""
        qn = scope_name + "::" + name if scope_name else name
        pattern = parts[2]
        if kind == "function":
            if "__global__" in pattern or "__global__" in fields.get("typeref", ""):
                kind = "kernel"
            elif "__device__" in pattern or "__device__" in fields.get("typeref", ""):
                kind = "device_function"
        lang = "cuda" if path.endswith((".cu", ".cuh")) else "cpp"
        sym(qn, name, kind, lang, path, int(fields["line"]), int(fields["end"]), scope_name)

symbols.sort(key=lambda s: (s["file"], s["range"]["start"]["line"], s["qualifiedName"]))
with open(out, "w") as f:
    json.dump(symbols, f)

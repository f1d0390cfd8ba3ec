#!/usr/bin/env python3
"""Oracle for the PythonIndexer differential test: CPython's own `ast` view of a source tree.

    ast_oracle.py ROOT

Walks ROOT for *.py files (sorted, symlinked directories not followed) and prints one tab-separated
line per class / function definition:

    PATH <TAB> KIND <TAB> QUALNAME <TAB> LINENO <TAB> END_LINENO

KIND is `class`, `method` (a def whose nearest enclosing def/class is a class, even under if/try)
or `function`. QUALNAME is the dotted module name (path from ROOT, `/__init__` dropped) followed by
the enclosing classes and defs, without CPython's `<locals>`: `pkg.mod.Outer.inner`. A file the
running interpreter cannot parse gives one line `PATH <TAB> !error <TAB> MESSAGE`.
"""
import ast
import os
import sys


def module_name(rel):
    stem = rel[:-3] if rel.endswith(".py") else rel
    parts = [p for p in stem.split("/") if p]
    if len(parts) > 1 and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def walk(node, prefix, in_class, out, rel):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = prefix + "." + child.name
            kind = "method" if in_class else "function"
            out.append(f"{rel}\t{kind}\t{qual}\t{child.lineno}\t{child.end_lineno}")
            walk(child, qual, False, out, rel)
        elif isinstance(child, ast.ClassDef):
            qual = prefix + "." + child.name
            out.append(f"{rel}\tclass\t{qual}\t{child.lineno}\t{child.end_lineno}")
            walk(child, qual, True, out, rel)
        else:
            walk(child, prefix, in_class, out, rel)


def main():
    root = sys.argv[1]
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            if name.endswith(".py"):
                full = os.path.join(dirpath, name)
                if os.path.isfile(full) and not os.path.islink(full):
                    files.append(os.path.relpath(full, root).replace(os.sep, "/"))
    files.sort()
    out = []
    for rel in files:
        with open(os.path.join(root, rel), "rb") as f:
            data = f.read()
        try:
            tree = ast.parse(data, filename=rel)
        except (SyntaxError, ValueError) as e:
            message = str(e).replace("\t", " ").replace("\n", " ")
            out.append(f"{rel}\t!error\t{message}")
            continue
        walk(tree, module_name(rel), False, out, rel)
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))


if __name__ == "__main__":
    main()

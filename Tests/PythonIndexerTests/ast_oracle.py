#!/usr/bin/env python3
"""Oracle for the PythonIndexer differential test: CPython's own `ast` view of a source tree.

    ast_oracle.py [--calls] ROOT

Walks ROOT for *.py files (sorted, symlinked directories not followed) and prints one tab-separated
line per class / function definition:

    PATH <TAB> KIND <TAB> QUALNAME <TAB> LINENO <TAB> END_LINENO

KIND is `class`, `method` (a def whose nearest enclosing def/class is a class, even under if/try)
or `function`. QUALNAME is the dotted module name (path from ROOT, `/__init__` dropped) followed by
the enclosing classes and defs, without CPython's `<locals>`: `pkg.mod.Outer.inner`. A file the
running interpreter cannot parse gives one line `PATH <TAB> !error <TAB> MESSAGE`.

With --calls it prints one line per call expression instead:

    PATH <TAB> call <TAB> CALLER <TAB> LINE:COL-ENDLINE:ENDCOL <TAB> CALLEE <TAB> ARGC

with 1-based byte columns (end one past the last byte), CALLEE the source text of the called
expression with all whitespace removed, ARGC the number of positional arguments, and CALLER the
innermost enclosing class body, function or named lambda (`f = lambda ...`) that runs the call:
decorators, default values, annotations and base classes run in the enclosing scope.
"""
import ast
import io
import os
import sys
import tokenize


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


def squeeze(text):
    """The tokens of `text` without comments, line continuations or any whitespace."""
    try:
        toks = tokenize.generate_tokens(io.StringIO(text).readline)
        kept = [t.string for t in toks if t.type not in SKIPPED]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        kept = [text]
    return "".join("".join(kept).split())


SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def call_line(rel, data, starts, caller, call):
    where = f"{call.lineno}:{call.col_offset + 1}-{call.end_lineno}:{call.end_col_offset + 1}"
    # The callee as written: from the call's start to the `(` opening its arguments (so a
    # parenthesized callee keeps its parentheses).
    begin = starts[call.lineno - 1] + call.col_offset
    p = starts[call.func.end_lineno - 1] + call.func.end_col_offset
    while p < len(data) and data[p:p + 1] != b"(":
        if data[p:p + 1] == b"#":
            while p < len(data) and data[p:p + 1] not in (b"\n", b"\r"):
                p += 1
        else:
            p += 1
    callee = squeeze(data[begin:p].decode("utf-8", "replace"))
    return f"{rel}\tcall\t{caller}\t{where}\t{callee}\t{len(call.args)}"


def calls(node, caller, rel, data, starts, out):
    """Visits `node` (already known to run in `caller`) and everything below it."""
    if isinstance(node, ast.Call):
        out.append(call_line(rel, data, starts, caller, node))
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        qual = caller + "." + node.name
        outside = list(node.decorator_list)
        if isinstance(node, ast.ClassDef):
            outside += node.bases + [k.value for k in node.keywords]
        else:
            a = node.args
            outside += a.defaults + [d for d in a.kw_defaults if d is not None]
            outside += [x.annotation for x in a.posonlyargs + a.args + a.kwonlyargs if x.annotation]
            outside += [x.annotation for x in (a.vararg, a.kwarg) if x is not None and x.annotation]
            if node.returns is not None:
                outside.append(node.returns)
        for child in outside:
            calls(child, caller, rel, data, starts, out)
        for child in node.body:
            calls(child, qual, rel, data, starts, out)
        return
    named = None
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and isinstance(node.value, ast.Lambda):
        named = node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(node.value, ast.Lambda):
        named = node.target.id
    if named is not None:
        for child in ast.iter_child_nodes(node):
            if child is not node.value:
                calls(child, caller, rel, data, starts, out)
        lam = node.value
        for child in lam.args.defaults + [d for d in lam.args.kw_defaults if d is not None]:
            calls(child, caller, rel, data, starts, out)
        calls(lam.body, caller + "." + named, rel, data, starts, out)
        return
    for child in ast.iter_child_nodes(node):
        calls(child, caller, rel, data, starts, out)


def main():
    want_calls = sys.argv[1] == "--calls"
    root = sys.argv[2] if want_calls else sys.argv[1]
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
        if want_calls:
            starts = [0]
            for line in data.splitlines(keepends=True):
                starts.append(starts[-1] + len(line))
            for child in tree.body:
                calls(child, module_name(rel), rel, data, starts, out)
        else:
            walk(tree, module_name(rel), False, out, rel)
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))


if __name__ == "__main__":
    main()

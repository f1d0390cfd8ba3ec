#!/usr/bin/env python3
"""Oracle for the PythonIndexer differential test: CPython's own `ast` view of a source tree.

    ast_oracle.py [--calls | --imports | --variables | --facts | --all] ROOT

Walks ROOT for *.py files (sorted, symlinked directories not followed) and prints one tab-separated
line per class / function definition:

    PATH <TAB> KIND <TAB> QUALNAME <TAB> LINENO <TAB> END_LINENO <TAB> COL-END_COL

(the columns 1-based UTF-8 byte columns, the end one past the last byte)

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

With --imports it prints one line per imported name:

    PATH <TAB> import <TAB> SCOPE <TAB> MODULE <TAB> LEVEL <TAB> NAME <TAB> ALIAS <TAB> LINE <TAB> CONDITIONAL

SCOPE is the innermost enclosing def or class (else the module); CONDITIONAL is 1 when, within that
scope, the import sits under if/elif/else, try/except/else/finally, a match case or the else of a
loop, 0 otherwise.

With --variables it prints one line per name bound by an assignment (`x = ...`, `a, *b = ...`,
`x: T = ...`, `x: T`) in a module or class body (also under if/try/for/with), and per lambda assigned
to a single name anywhere (`f = lambda ...`, kind `lambda`):

    PATH <TAB> KIND <TAB> QUALNAME <TAB> LINE

With --facts it prints one line per type fact:

    PATH <TAB> fact <TAB> ORIGIN <TAB> SCOPE <TAB> TARGET <TAB> EXPRESSION <TAB> LINE

for parameter and return annotations (scope the function, target the parameter or `return`) and for
assignments whose target is a name or `SELF.attr` (SELF the first parameter of the enclosing method;
the scope is then the class): `annotation` (`x: T`), `assigned_call` (`x = f(...)`, expression the
callee as written) or `assigned_name` (`x = a.b`); `parameter_default` for a parameter whose default is a
CapWords dotted name (`layer_type=LlamaDecoderLayer`); container elements: `x = f(..., lambda p: C(...))` or
`x = f([C(...) for ...])` gives `assigned_name` `[C()]` on the target (the last of a tuple target) instead
of `assigned_call`; loop elements: `for x in a.b` (also through enumerate, islice, reversed, list, tuple,
sorted, iter) gives `assigned_name` `a.b[*]`. EXPRESSION has all whitespace removed.

--all prints all five kinds of line (definitions first, then calls, imports, variables per file).
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
            out.append(f"{rel}\t{kind}\t{qual}\t{child.lineno}\t{child.end_lineno}"
                       f"\t{child.col_offset + 1}-{child.end_col_offset + 1}")
            walk(child, qual, False, out, rel)
        elif isinstance(child, ast.ClassDef):
            qual = prefix + "." + child.name
            out.append(f"{rel}\tclass\t{qual}\t{child.lineno}\t{child.end_lineno}"
                       f"\t{child.col_offset + 1}-{child.end_col_offset + 1}")
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
    line = f"{rel}\tcall\t{caller}\t{where}\t{callee}\t{len(call.args)}"
    arguments = call_arguments(data, starts, call)
    return line + "\t" + arguments if arguments else line


def plain_string(data, starts, node):
    """The value of `node` when it is one plain string literal token (not bytes, not an f-string, not an
    implicit concatenation), else None."""
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
        return None
    text = segment(data, starts, node).decode("utf-8", "replace")
    try:
        toks = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in SKIPPED]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    if len(toks) != 1 or toks[0].type != tokenize.STRING:
        return None
    prefix = text[:min(i for i in (text.find("'"), text.find('"')) if i >= 0)].lower()
    # Named escapes are not decoded by the indexer: not a plain string for it.
    return None if "\\N{" in text and "r" not in prefix else node.value


def escaped(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def call_arguments(data, starts, call):
    """The arguments of a call that passes a plain string literal, in source order: LABEL=VALUE with
    LABEL "" (positional), a keyword, `*` or `**`; VALUE `str:` and the string's value, or the argument's
    tokens without whitespace. "" for other calls."""
    items = []
    for a in call.args:
        if isinstance(a, ast.Starred):
            items.append(((a.lineno, a.col_offset), "*", a.value))
        else:
            items.append(((a.lineno, a.col_offset), "", a))
    for k in call.keywords:
        items.append(((k.lineno, k.col_offset), k.arg if k.arg is not None else "**", k.value))
    if len(call.args) == 1 and isinstance(call.args[0], ast.GeneratorExp) and not call.keywords:
        return ""
    if not any(plain_string(data, starts, v) is not None for _, _, v in items):
        return ""
    out = []
    for _, label, value in sorted(items, key=lambda x: x[0]):
        string = plain_string(data, starts, value)
        shown = "str:" + escaped(string) if string is not None else squeeze(segment(data, starts, value).decode("utf-8", "replace"))
        out.append(label + "=" + shown)
    return "|".join(out)


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


def imports(node, scope, conditional, rel, out):
    for field, value in ast.iter_fields(node):
        children = value if isinstance(value, list) else [value]
        for child in children:
            if not isinstance(child, ast.AST):
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                imports(child, scope + "." + child.name, False, rel, out)
                continue
            cond = conditional or isinstance(node, (ast.If, ast.Try, ast.match_case)) \
                or (isinstance(node, getattr(ast, "TryStar", ast.Try))) \
                or (isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and field == "orelse")
            if isinstance(child, ast.Import):
                for a in child.names:
                    out.append(f"{rel}\timport\t{scope}\t{a.name}\t0\t\t{a.asname or ''}\t{a.lineno}\t{int(cond)}")
            elif isinstance(child, ast.ImportFrom):
                for a in child.names:
                    out.append(f"{rel}\timport\t{scope}\t{child.module or ''}\t{child.level}\t{a.name}"
                               f"\t{a.asname or ''}\t{a.lineno}\t{int(cond)}")
            else:
                imports(child, scope, cond, rel, out)


def flat_names(target):
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, (ast.Tuple, ast.List)):
        names = []
        for e in target.elts:
            if isinstance(e, ast.Starred):
                e = e.value
            if not isinstance(e, ast.Name):
                return []
            names.append(e)
        return names
    return []


def variables(node, scope, in_function, rel, out):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            variables(child, scope + "." + child.name, True, rel, out)
            continue
        if isinstance(child, ast.ClassDef):
            variables(child, scope + "." + child.name, False, rel, out)
            continue
        targets = None
        if isinstance(child, ast.Assign):
            targets = child.targets
        elif isinstance(child, ast.AnnAssign):
            targets = [child.target]
        if targets is not None:
            if len(targets) == 1 and isinstance(targets[0], ast.Name) and isinstance(child.value, ast.Lambda):
                t = targets[0]
                out.append(f"{rel}\tlambda\t{scope}.{t.id}\t{t.lineno}")
            elif not in_function:
                for target in targets:
                    for t in flat_names(target):
                        out.append(f"{rel}\tvariable\t{scope}.{t.id}\t{t.lineno}")
            continue
        if not isinstance(child, ast.Lambda):
            variables(child, scope, in_function, rel, out)


def segment(data, starts, node):
    return data[starts[node.lineno - 1] + node.col_offset:starts[node.end_lineno - 1] + node.end_col_offset]


def callee_text(data, starts, call):
    begin = starts[call.lineno - 1] + call.col_offset
    p = starts[call.func.end_lineno - 1] + call.func.end_col_offset
    while p < len(data) and data[p:p + 1] != b"(":
        p += 1
    return squeeze(data[begin:p].decode("utf-8", "replace"))


def is_dotted(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def last_name(node):
    return node.attr if isinstance(node, ast.Attribute) else node.id


def fact_target(target, scope, self_name, class_scope):
    """(scope, name) of a name or `self.x` target, else None."""
    if isinstance(target, ast.Name):
        return scope, target.id
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
            and self_name is not None and target.value.id == self_name:
        return class_scope, self_name + "." + target.attr
    return None


def element_constructor(value, data, starts):
    """The callee a call builds its container from: the call in a lambda argument (any dotted name), or
    the element of a list comprehension argument (a CapWords dotted name); the first argument in source
    order that has one."""
    if not isinstance(value, ast.Call):
        return None
    arguments = list(value.args) + [k.value for k in value.keywords if k.arg is not None]
    for arg in sorted(arguments, key=lambda n: (n.lineno, n.col_offset)):
        if isinstance(arg, ast.Starred):
            continue
        if isinstance(arg, ast.Lambda):
            body, needs_class = arg.body, False
        elif isinstance(arg, ast.ListComp):
            body, needs_class = arg.elt, True
        else:
            continue
        if not isinstance(body, ast.Call) or not is_dotted(body.func):
            continue
        if needs_class and not last_name(body.func)[:1].isupper():
            continue
        return callee_text(data, starts, body)
    return None


def element_of_loop(node, scope, emit, data, starts):
    """`for x in a.b:` (also through enumerate, islice, reversed, list, tuple, sorted, iter): `x` is an
    element of `a.b`."""
    target, it = node.target, node.iter
    if isinstance(target, ast.Name):
        names = [target.id]
    elif isinstance(target, (ast.Tuple, ast.List)) and all(
            isinstance(e, ast.Name) or (isinstance(e, ast.Starred) and isinstance(e.value, ast.Name)) for e in target.elts):
        names = [e.id if isinstance(e, ast.Name) else e.value.id for e in target.elts]
    else:
        return
    while isinstance(it, ast.Call) and is_dotted(it.func):
        helper = last_name(it.func)
        positional = [a for a in it.args if not isinstance(a, ast.Starred)]
        if not it.args or isinstance(it.args[0], ast.Starred):
            return
        first = it.args[0]
        if it.keywords and min((k.value.lineno, k.value.col_offset) for k in it.keywords) < (first.lineno, first.col_offset):
            return
        if helper == "enumerate":
            if len(names) != 2:
                return
            names = names[1:]
        elif helper not in ("islice", "reversed", "list", "tuple", "sorted", "iter"):
            return
        it = first
    if len(names) == 1 and is_dotted(it):
        emit("assigned_name", scope, names[0], squeeze(segment(data, starts, it).decode()) + "[*]", node.target.lineno)


def facts(node, scope, self_name, class_scope, rel, data, starts, out):
    def emit(origin, sc, target, expr, line):
        out.append(f"{rel}\tfact\t{origin}\t{sc}\t{target}\t{expr}\t{line}")

    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = scope + "." + child.name
            a = child.args
            for arg in a.posonlyargs + a.args + ([a.vararg] if a.vararg else []) + a.kwonlyargs \
                    + ([a.kwarg] if a.kwarg else []):
                if arg.annotation is not None:
                    emit("parameter", qual, arg.arg, squeeze(segment(data, starts, arg.annotation).decode()), arg.lineno)
            # A class (CapWords dotted name) as a parameter's default value.
            positional_args = a.posonlyargs + a.args
            pairs = list(zip(positional_args[len(positional_args) - len(a.defaults):], a.defaults)) \
                + [(k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
            for arg, default in sorted(pairs, key=lambda p: (p[0].lineno, p[0].col_offset)):
                if is_dotted(default) and last_name(default)[:1].isupper():
                    emit("parameter_default", qual, arg.arg, squeeze(segment(data, starts, default).decode()), arg.lineno)
            if child.returns is not None:
                emit("returns", qual, "return", squeeze(segment(data, starts, child.returns).decode()), child.lineno)
            # `return NAME` where NAME is a function defined in this one (not in a nested class or function).
            nested = set()
            def defs(stmts):
                for st in stmts:
                    if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        nested.add(st.name)
                        continue
                    if isinstance(st, ast.ClassDef):
                        continue
                    for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                        inner = getattr(st, field, None)
                        if isinstance(inner, list):
                            defs([x for x in inner if isinstance(x, ast.AST)])
            defs(child.body)
            def returns(stmts):
                for st in stmts:
                    if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        continue
                    if isinstance(st, ast.Return) and isinstance(st.value, ast.Name) and st.value.id in nested \
                            and st.value.id not in later_defs(st):
                        emit("returned_name", qual, "return", st.value.id, st.lineno)
                    for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                        inner = getattr(st, field, None)
                        if isinstance(inner, list):
                            returns([x for x in inner if isinstance(x, ast.AST)])
            def later_defs(ret):
                # The indexer sees only the functions defined before the `return`.
                return {n for n in nested if all(getattr(d, "lineno", 0) > ret.lineno for d in ast.walk(child)
                                                 if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef)) and d.name == n)}
            returns(child.body)
            positional = a.posonlyargs + a.args
            first = positional[0].arg if positional and class_scope == scope else None
            facts(child, qual, first, scope if first else None, rel, data, starts, out)
            continue
        if isinstance(child, ast.ClassDef):
            qual = scope + "." + child.name
            facts(child, qual, None, qual, rel, data, starts, out)
            continue
        if isinstance(child, ast.Lambda):
            continue
        if isinstance(child, (ast.For, ast.AsyncFor)):
            element_of_loop(child, scope, emit, data, starts)
        targets = []
        annotation = value = None
        if isinstance(child, ast.Assign):
            targets, value = child.targets, child.value
        elif isinstance(child, ast.AnnAssign):
            targets, annotation, value = [child.target], child.annotation, child.value
        element = element_constructor(value, data, starts) if annotation is None else None
        for target in targets:
            if element is not None:
                # `x = ModuleList([Layer(...) for ...])`, `a, b, self.layers = make_layers(n, lambda p: Layer(p))`:
                # a list of what the constructor builds, on the target (the last of a tuple).
                holder = target.elts[-1] if isinstance(target, (ast.Tuple, ast.List)) and target.elts else target
                named = fact_target(holder, scope, self_name, class_scope)
                if named is not None:
                    emit("assigned_name", named[0], named[1], "[" + element + "()]", child.lineno)
                if not isinstance(target, (ast.Tuple, ast.List)):
                    continue
            if isinstance(target, ast.Name):
                sc, name = scope, target.id
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                    and self_name is not None and target.value.id == self_name:
                sc, name = class_scope, self_name + "." + target.attr
            else:
                continue
            if annotation is not None:
                emit("annotation", sc, name, squeeze(segment(data, starts, annotation).decode()), child.lineno)
            elif isinstance(value, ast.Call):
                emit("assigned_call", sc, name, callee_text(data, starts, value), child.lineno)
            elif value is not None and is_dotted(value):
                emit("assigned_name", sc, name, squeeze(segment(data, starts, value).decode()), child.lineno)
        facts(child, scope, self_name, class_scope, rel, data, starts, out)


def is_plain_dotted(node):
    return is_dotted(node) and not (isinstance(node, ast.Name) and node.id == "self")


def statements(stmts):
    """The statements of a function body, into compound statements but not into nested definitions."""
    for st in stmts:
        yield st
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(st, field, None)
            if isinstance(inner, list):
                yield from statements([x for x in inner if isinstance(x, ast.AST)])


def subscript_of_dotted(node):
    """`a.b[i]`: one subscript on a dotted name, nothing with brackets or a colon inside."""
    if not isinstance(node, ast.Subscript) or not is_plain_dotted(node.value):
        return False
    bracketed = (ast.Slice, ast.Subscript, ast.List, ast.ListComp, ast.Dict, ast.DictComp, ast.Lambda)
    return not any(isinstance(n, bracketed) for n in ast.walk(node.slice))


def fallback_facts(tree, mod, rel, data, starts, primary, out):
    """Facts of function bodies the statement-level ones leave out: returns of unannotated functions,
    tuple targets, subscripts, conditionals, comprehensions and literals of names, and `?` (bound, type
    unknown). Kept only where no statement-level fact (`primary`, lines already printed) names the same
    scope and target, and not for names declared global or nonlocal. Conditional values are
    statement-level facts themselves."""
    known = set()
    for line in primary:
        f = line.split("\t")
        known.add((f[3], f[4]))
    late = []
    def visit(node, scope, self_name, class_scope):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, scope + "." + child.name, None, scope + "." + child.name)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qual = scope + "." + child.name
                positional = child.args.posonlyargs + child.args.args
                first = positional[0].arg if positional and class_scope == scope else None
                function(child, qual, first, scope if first else None)
                visit(child, qual, first, scope if first else None)
            elif not isinstance(child, ast.Lambda):
                visit(child, scope, self_name, class_scope)
    def function(fn, qual, self_name, class_scope):
        outer = set()
        def place(target):
            if isinstance(target, ast.Name):
                return qual, target.id
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and self_name is not None \
                    and target.value.id == self_name:
                return class_scope, self_name + "." + target.attr
            return None
        def emit(sc, target, expr, line, origin="assigned_name"):
            late.append((origin, sc, target, expr, line))
        for st in statements(fn.body):
            if isinstance(st, (ast.Global, ast.Nonlocal)):
                outer.update(st.names)
            elif isinstance(st, ast.Return) and st.value is not None:
                v = st.value
                if is_plain_dotted(v):
                    emit(qual, "return", squeeze(segment(data, starts, v).decode()), st.lineno, "returned_name")
                elif isinstance(v, ast.Call) and is_plain_dotted(v.func):
                    emit(qual, "return", callee_text(data, starts, v), st.lineno, "returned_call")
            elif isinstance(st, ast.Assign):
                v = st.value
                for target in st.targets:
                    if isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) > 1:
                        if isinstance(v, ast.Call) and is_plain_dotted(v.func):
                            callee = callee_text(data, starts, v)
                            for k, element in enumerate(target.elts):
                                p = place(element)
                                if p is not None:
                                    emit(p[0], p[1], f"{callee}()[{k}]", st.lineno)
                        continue
                    p = place(target)
                    if p is None:
                        continue
                    if isinstance(v, ast.IfExp):
                        for branch in (v.body, v.orelse):
                            if isinstance(branch, ast.Constant) and branch.value is None:
                                continue
                            if isinstance(branch, ast.Call) and is_plain_dotted(branch.func):
                                line = f"{rel}\tfact\tassigned_call\t{p[0]}\t{p[1]}\t{callee_text(data, starts, branch)}\t{st.lineno}"
                            elif is_plain_dotted(branch):
                                line = f"{rel}\tfact\tassigned_name\t{p[0]}\t{p[1]}\t{squeeze(segment(data, starts, branch).decode())}\t{st.lineno}"
                            else:
                                continue
                            out.append(line)
                            known.add(p)
                    elif isinstance(v, ast.Call) or is_plain_dotted(v):
                        pass
                    elif subscript_of_dotted(v):
                        emit(p[0], p[1], squeeze(segment(data, starts, v).decode()), st.lineno)
                    elif isinstance(v, ast.ListComp) and isinstance(v.elt, ast.Call) and is_plain_dotted(v.elt.func):
                        emit(p[0], p[1], "[" + callee_text(data, starts, v.elt) + "()]", st.lineno)
                    elif isinstance(v, ast.List) and v.elts and all(is_plain_dotted(e) for e in v.elts):
                        emit(p[0], p[1], "[" + ",".join(squeeze(segment(data, starts, e).decode()) for e in v.elts) + "]", st.lineno)
                    elif isinstance(v, ast.Dict) and v.values and all(k is not None for k in v.keys) \
                            and all(is_plain_dotted(e) for e in v.values):
                        emit(p[0], p[1], "{" + ",".join(squeeze(segment(data, starts, e).decode()) for e in v.values) + "}", st.lineno)
                    else:
                        emit(p[0], p[1], "?", st.lineno)
        outers[qual] = outer
    outers = {}
    visit(tree, mod, None, None)
    for origin, sc, target, expr, line in late:
        if (sc, target) in known or target in outers.get(sc, ()):
            continue
        out.append(f"{rel}\tfact\t{origin}\t{sc}\t{target}\t{expr}\t{line}")


def main():
    mode = sys.argv[1] if sys.argv[1].startswith("--") else ""
    root = sys.argv[2] if mode else sys.argv[1]
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
        mod = module_name(rel)
        if mode in ("", "--all"):
            walk(tree, mod, False, out, rel)
        starts = [0]
        for line in data.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        if mode in ("--facts", "--all"):
            before = len(out)
            facts(tree, mod, None, None, rel, data, starts, out)
            fallback_facts(tree, mod, rel, data, starts, out[before:], out)
        if mode in ("--calls", "--all"):
            for child in tree.body:
                calls(child, mod, rel, data, starts, out)
        if mode in ("--imports", "--all"):
            imports(tree, mod, False, rel, out)
        if mode in ("--variables", "--all"):
            variables(tree, mod, False, rel, out)
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))


if __name__ == "__main__":
    main()

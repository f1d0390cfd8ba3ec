"""Marginalia's run recorder: runs a Python script and records the calls between functions of one
package (vLLM by default), as the JSON-lines file documented in docs/trace-format.md.

    python marginalia_tracer.py --out FILE [--package vllm] [--max-records N] [--within QUALNAME] -- SCRIPT [ARGS...]
    python marginalia_tracer.py --out FILE -- -m MODULE [ARGS...]

Python 3.12+ uses sys.monitoring (PY_START only, switched off per code object that is neither a
function of the package nor a torch op entry, so the rest of the process runs at full speed);
3.11 uses sys.settrace and threading.settrace (a global trace function that asks for no line events). No argument values are recorded: names, lines,
counts and the runtime class of `self`. `marginalia trace record` runs this file.
"""

import atexit
import json
import os
import sys
import threading
import time
import zlib

FORMAT = "marginalia-trace"
FORMAT_VERSION = 1

# Frames folded into the function they are written in: their calls are that function's calls.
_FOLDED = {"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"}
# Code flags of generators and coroutines: their frames are entered again at every resume.
_RESUMABLE = 0x20 | 0x80 | 0x100 | 0x200
# torch's Python entries to the op dispatcher: torch.ops.NS.OP(...) and torch.ops.NS.OP.overload(...).
_OP_ENTRIES = {"OpOverloadPacket.__call__", "OpOverload.__call__"}

# Set on function code objects; module and class bodies lack it.
_OPTIMIZED = 0x1

_IGNORE, _PACKAGE, _OP = 0, 1, 2


class Recorder:
    """Aggregates call events into counts keyed by (caller, callee, call site, runtime class)."""

    def __init__(self, package, max_records, within=""):
        self.package = package
        self.max_records = max_records
        # Calls made while a frame of this function is running (in the same thread) are marked.
        self.within = within
        self.within_codes = set()
        self.depth = {}  # thread id -> frames of `within` running
        # Found now when the interpreter's path has it, else when the script imports it (the script
        # may extend sys.path first).
        self.root, self.prefixes, self.real_root = "", None, ""
        try:
            import importlib.util

            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.submodule_search_locations:
            self._found(list(spec.submodule_search_locations)[0])
        self.codes = {}  # code -> (kind, name, file, first line, has self, defining class, resumable)
        self.types = {}  # type -> qualified name
        self.resume_offsets = {}  # code -> offset of the first instruction of a fresh frame
        self.positions = {}  # code -> start column (1-based) of each instruction, 0 when unknown
        self.calls = {}  # (caller, callee, file, line, self class) -> count
        self.ops = {}  # (caller, op, file, line, direct) -> count
        self.entries = {}  # callee -> count
        self.dropped = 0
        self.events = 0
        self.hook_ns = 0
        self.started = time.perf_counter()
        self.wall = 0.0
        self.mechanism = ""
        self.lock = threading.Lock()

    # -- naming ---------------------------------------------------------------------------------

    def _found(self, pkg_dir):
        pkg_dir = os.path.abspath(pkg_dir)
        self.root = os.path.dirname(pkg_dir)
        self.real_root = os.path.realpath(self.root)
        self.prefixes = tuple(sorted({pkg_dir + os.sep, os.path.realpath(pkg_dir) + os.sep}))

    def _relative(self, filename):
        if self.prefixes is None:
            mod = sys.modules.get(self.package)
            path = getattr(mod, "__path__", None) if mod is not None else None
            if not path:
                return None
            self._found(list(path)[0])
        for p in self.prefixes:
            if filename.startswith(p):
                base = self.root if filename.startswith(self.root + os.sep) else self.real_root
                return os.path.relpath(filename, base).replace(os.sep, "/")
        return None

    def classify(self, code):
        """What a code object is to the recorder, computed once per code object."""
        info = self.codes.get(code)
        if info is not None:
            return info
        rel = self._relative(code.co_filename)
        qualname = getattr(code, "co_qualname", code.co_name)
        if rel is None:
            kind = _OP if qualname in _OP_ENTRIES and code.co_filename.replace(os.sep, "/").endswith("torch/_ops.py") else _IGNORE
            info = (kind, "", "", 0, False, "", False, False)
        else:
            module = rel[:-3] if rel.endswith(".py") else rel
            module = module.replace("/", ".")
            if module.endswith(".__init__"):
                module = module[: -len(".__init__")]
            parts = [p for p in qualname.split(".") if p not in ("<locals>", "<module>")]
            # Comprehensions are part of the function they are written in.
            while parts and parts[-1] in _FOLDED:
                parts.pop()
            # Lambdas keep their definition line: the index may know them by the name they are bound to.
            parts = ["<lambda:%d>" % code.co_firstlineno if p == "<lambda>" else p for p in parts]
            name = ".".join([module] + parts)
            # Comprehensions, module bodies and class bodies are not calls of their own (their calls
            # are recorded, from the function, module or class they are written in).
            folded = code.co_name in _FOLDED or not code.co_flags & _OPTIMIZED
            has_self = code.co_argcount > 0 and code.co_varnames[:1] == ("self",)
            defining = ".".join([module] + parts[:-1]) if has_self and len(parts) > 1 else ""
            info = (_PACKAGE, name, rel, code.co_firstlineno, has_self, defining, bool(code.co_flags & _RESUMABLE),
                    folded)
            if name == self.within and self.within:
                self.within_codes.add(code)
        self.codes[code] = info
        return info

    def type_name(self, t):
        n = self.types.get(t)
        if n is None:
            q = getattr(t, "__qualname__", t.__name__).replace("<locals>.", "")
            n = "%s.%s" % (t.__module__, q)
            self.types[t] = n
        return n

    def first_offset(self, code):
        """The instruction offset a fresh generator frame reports on its first entry (3.11)."""
        off = self.resume_offsets.get(code)
        if off is None:
            import dis

            off = -1
            for ins in dis.get_instructions(code):
                if ins.opname == "RESUME" and ins.arg == 0:
                    off = ins.offset
                    break
            self.resume_offsets[code] = off
        return off

    def column(self, frame):
        """The 1-based UTF-8 column where the expression the frame is executing starts (the call
        expression for a call), 0 when the interpreter does not say."""
        code = frame.f_code
        cols = self.positions.get(code)
        if cols is None:
            cols = []
            if hasattr(code, "co_positions"):
                cols = [(c + 1 if c is not None else 0) for (_, _, c, _) in code.co_positions()]
            self.positions[code] = cols
        i = frame.f_lasti // 2
        return cols[i] if 0 <= i < len(cols) else 0

    def nearest(self, frame):
        """The nearest frame of the package at or above `frame`: (its info, the frame)."""
        while frame is not None:
            info = self.classify(frame.f_code)
            if info[0] == _PACKAGE:
                return info, frame
            frame = frame.f_back
        return None, None

    # -- events ---------------------------------------------------------------------------------

    def on_start(self, frame, info, first_entry):
        """A frame of kind _PACKAGE or _OP has started (or, on 3.11, a generator resumed)."""
        if info[0] == _OP:
            self.on_op(frame)
            return
        if info[7]:
            return  # a comprehension: not a call of its own
        if info[6] and not first_entry:
            return  # a generator or coroutine resuming
        caller_info, caller = self.nearest(frame.f_back)
        self_class = ""
        if info[4]:
            try:
                obj = frame.f_locals.get("self")
            except Exception:
                obj = None
            if obj is not None:
                n = self.type_name(type(obj))
                if n != info[5]:
                    self_class = n
        within = self.depth.get(threading.get_ident(), 0) > 0
        with self.lock:
            if caller_info is None:
                self.entries[info[1]] = self.entries.get(info[1], 0) + 1
                return
            key = (caller_info[1], info[1], caller_info[2], caller.f_lineno, self.column(caller), within, self_class,
                   info[2], info[3])
            n = self.calls.get(key)
            if n is None and len(self.calls) + len(self.ops) >= self.max_records:
                self.dropped += 1
                return
            self.calls[key] = (n or 0) + 1

    def on_op(self, frame):
        try:
            packet = frame.f_locals.get("self")
            qualified = getattr(packet, "_qualified_op_name", None) or getattr(packet, "_name", None)
        except Exception:
            qualified = None
        if not isinstance(qualified, str) or "::" not in qualified:
            return
        ns, _, op = qualified.partition("::")
        name = "torch.ops.%s.%s" % (ns, op.split(".")[0])
        direct = frame.f_back is not None and self.classify(frame.f_back.f_code)[0] == _PACKAGE
        caller_info, caller = self.nearest(frame.f_back)
        if caller_info is None:
            return
        within = self.depth.get(threading.get_ident(), 0) > 0
        key = (caller_info[1], name, caller_info[2], caller.f_lineno, self.column(caller), within, direct)
        with self.lock:
            n = self.ops.get(key)
            if n is None and len(self.calls) + len(self.ops) >= self.max_records:
                self.dropped += 1
                return
            self.ops[key] = (n or 0) + 1

    def enter_within(self):
        t = threading.get_ident()
        self.depth[t] = self.depth.get(t, 0) + 1

    def leave_within(self):
        t = threading.get_ident()
        self.depth[t] = max(0, self.depth.get(t, 0) - 1)

    # -- installing -----------------------------------------------------------------------------

    def start(self):
        if hasattr(sys, "monitoring"):
            self._start_monitoring()
        else:
            self._start_profile()

    def _start_profile(self):
        # sys.settrace, not sys.setprofile: its global function sees only Python 'call' events (no
        # C calls, no returns) and, returning None, asks for no line events in the frame.
        self.mechanism = "sys.settrace"
        classify, on_start, clock = self.classify, self.on_start, time.perf_counter_ns
        codes = self.codes
        stats = [0, 0]  # events, nanoseconds in the hook
        within_codes, enter, leave = self.within_codes, self.enter_within, self.leave_within

        def on_return(frame, event, arg):
            # Only frames of `within` get this local function, with line events off.
            if event == "return":
                leave()
            return on_return

        def hook(frame, event, arg):
            t0 = clock()
            stats[0] += 1
            code = frame.f_code
            info = codes.get(code) or classify(code)
            local = None
            if info[0] != _IGNORE:
                first = True
                if info[0] == _PACKAGE and info[6]:
                    first = frame.f_lasti <= self.first_offset(code)
                on_start(frame, info, first)
                if code in within_codes:
                    enter()
                    frame.f_trace_lines = False
                    local = on_return
            stats[1] += clock() - t0
            return local

        self._stats = stats
        threading.settrace(hook)
        sys.settrace(hook)
    def _start_monitoring(self):
        mon = sys.monitoring
        self.tool = None
        for tool in (mon.PROFILER_ID, 5, 4, 3):
            if mon.get_tool(tool) is None:
                self.tool = tool
                break
        if self.tool is None:
            self._start_profile()
            return
        self.mechanism = "sys.monitoring"
        mon.use_tool_id(self.tool, "marginalia")
        classify, on_start, clock, disable = self.classify, self.on_start, time.perf_counter_ns, mon.DISABLE
        codes = self.codes
        getframe = sys._getframe

        within_codes, enter, leave = self.within_codes, self.enter_within, self.leave_within
        ev = mon.events
        local_set = set()

        def py_start(code, offset):
            t0 = clock()
            self.events += 1
            info = codes.get(code) or classify(code)
            if info[0] == _IGNORE:
                self.hook_ns += clock() - t0
                return disable
            on_start(getframe(1), info, True)
            if code in within_codes:
                enter()
                if code not in local_set:
                    local_set.add(code)
                    mon.set_local_events(self.tool, code, ev.PY_RETURN)
            self.hook_ns += clock() - t0

        def py_end(code, offset, value):
            # PY_RETURN is set on `within`'s code only; PY_UNWIND (an exception leaving a frame) is global.
            if code in within_codes:
                leave()

        mon.register_callback(self.tool, ev.PY_START, py_start)
        mon.register_callback(self.tool, ev.PY_RETURN, py_end)
        mon.register_callback(self.tool, ev.PY_UNWIND, py_end)
        mon.set_events(self.tool, ev.PY_START | (ev.PY_UNWIND if self.within else 0))

    def stop(self):
        self.wall = time.perf_counter() - self.started
        if self.mechanism == "sys.monitoring":
            sys.monitoring.set_events(self.tool, 0)
            for e in (sys.monitoring.events.PY_START, sys.monitoring.events.PY_RETURN, sys.monitoring.events.PY_UNWIND):
                sys.monitoring.register_callback(self.tool, e, None)
            sys.monitoring.free_tool_id(self.tool)
        else:
            sys.settrace(None)
            threading.settrace(None)
            self.events, self.hook_ns = self._stats
        self.mechanism = self.mechanism or "none"

    # -- writing --------------------------------------------------------------------------------

    def package_version(self):
        mod = sys.modules.get(self.package)
        v = getattr(mod, "__version__", None) if mod is not None else None
        if isinstance(v, str):
            return v, "%s.__version__" % self.package
        try:
            import importlib.metadata as md

            for dist in (self.package, self.package + "-cpu"):
                try:
                    return md.version(dist), "distribution %s" % dist
                except md.PackageNotFoundError:
                    continue
        except ImportError:
            pass
        return "", "unknown"

    def write(self, path, script, status):
        version, source = self.package_version()
        header = {
            "type": "header", "format": FORMAT, "format_version": FORMAT_VERSION,
            "package": self.package, "package_version": version, "package_version_source": source,
            "package_root": self.root, "python": "%d.%d.%d" % sys.version_info[:3],
            "implementation": sys.implementation.name, "mechanism": self.mechanism,
            "pid": os.getpid(), "script": script, "within": self.within,
        }
        lines = [header]
        # Generators and coroutines start when first iterated or awaited, not where they are called:
        # their records say so, and the importer matches them by line alone.
        self.codes_by_name = {i[1]: True for i in self.codes.values() if i[0] == _PACKAGE and i[6]}
        for (caller, callee, file, line, col, within, self_class, cfile, cline), n in sorted(self.calls.items()):
            rec = {"type": "call", "caller": caller, "callee": callee, "file": file, "line": line, "col": col,
                   "count": n, "callee_file": cfile, "callee_line": cline}
            if within:
                rec["within"] = True
            if self_class:
                rec["self_class"] = self_class
            if self.codes_by_name.get(callee):
                rec["resumable"] = True
            lines.append(rec)
        for (caller, op, file, line, col, within, direct), n in sorted(self.ops.items()):
            rec = {"type": "op", "caller": caller, "op": op, "file": file, "line": line, "col": col, "count": n,
                   "direct": direct}
            if within:
                rec["within"] = True
            lines.append(rec)
        for callee, n in sorted(self.entries.items()):
            lines.append({"type": "entry", "callee": callee, "count": n})
        # The files the records point into, stamped so that an importer can tell whether the index
        # read the same text (an installed build may differ from the source release in a few files).
        files = {k[2] for k in self.calls} | {k[7] for k in self.calls} | {k[2] for k in self.ops}
        for rel in sorted(f for f in files if f):
            try:
                with open(os.path.join(self.root, rel), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            lines.append({"type": "file", "path": rel, "size": len(data), "crc32": zlib.crc32(data)})
        hook_s = self.hook_ns / 1e9
        lines.append({
            "type": "end", "calls": len(self.calls), "ops": len(self.ops), "entries": len(self.entries),
            "dropped": self.dropped, "max_records": self.max_records, "events": self.events,
            "wall_s": round(self.wall, 3), "hook_s": round(hook_s, 3), "exit_status": status,
        })
        tmp = path + ".partial"
        with open(tmp, "w", encoding="utf-8") as f:
            for rec in lines:
                f.write(json.dumps(rec, sort_keys=True, separators=(",", ":")) + "\n")
        os.replace(tmp, path)
        share = 100.0 * hook_s / self.wall if self.wall > 0 else 0.0
        sys.stderr.write(
            "marginalia tracer: %d distinct calls, %d op calls, %d dropped, %d events (%s); "
            "%.2f s in the recorder of %.2f s wall (%.0f%%); wrote %s\n"
            % (len(self.calls), len(self.ops), self.dropped, self.events, self.mechanism, hook_s, self.wall,
               share, path))


def main(argv):
    out, package, max_records, within = None, "vllm", 200000, "vllm.entrypoints.llm.LLM.generate"
    i = 0
    while i < len(argv) and argv[i] != "--":
        a = argv[i]
        if a in ("--out", "--package", "--max-records", "--within") and i + 1 < len(argv):
            v = argv[i + 1]
            if a == "--out":
                out = v
            elif a == "--package":
                package = v
            elif a == "--within":
                within = v
            else:
                max_records = int(v)
            i += 2
        else:
            sys.stderr.write("marginalia tracer: unknown argument %r\n" % a)
            return 2
    rest = argv[i + 1:]
    if out is None or not rest:
        sys.stderr.write(__doc__)
        return 2
    import runpy

    module = None
    if rest[0] == "-m" and len(rest) > 1:
        module, script, args = rest[1], rest[1], rest[2:]
        sys.argv = [module] + args
    else:
        script, args = rest[0], rest[1:]
        sys.argv = [script] + args
        sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    out = os.path.abspath(out)
    recorder = Recorder(package, max_records, within)
    written = []

    def finish(status):
        if written:
            return
        written.append(True)
        recorder.stop()
        recorder.write(out, script, status)

    atexit.register(finish, "atexit")
    status = 0
    recorder.start()
    try:
        if module is not None:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        finish(1)
        raise
    finish(status)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Run-time guards: a PEP 578 audit hook and restricted builtins for the codec.

Layer 2 of the sandbox (docs/security-model.md). It catches what slips past
the static check (names built at run time, library functions that open files
or spawn processes). The hook cannot be removed once installed. A refusal is
final: the hook reports it on the protocol channel and ends the process, so a
codec that catches the exception gains nothing.

Phases:
- "libs": the harness imports the libraries the codec names; read-only opens
  under the Python library directories are allowed (their modules, data files),
  and of this process's own /proc/PID/maps (torch reads it at import).
- "codec": the codec's own code runs; the only files that may be opened are
  modules the import machinery loads lazily (read-only, library directories).
"""

import _thread
import builtins
import os
import sys

# Events refused in every phase once the hook is installed.
_ALWAYS_DENIED_PREFIXES = (
    "socket.",
    "subprocess.",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.kill",
    "os.killpg",
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.mkdir",
    "os.chmod",
    "os.chown",
    "os.lchown",
    "os.link",
    "os.symlink",
    "os.truncate",
    "os.utime",
    "os.chdir",
    "os.chflags",
    "os.setxattr",
    "os.removexattr",
    "os.startfile",
    "shutil.",
    "tempfile.",
    "resource.setrlimit",
    "resource.prlimit",
    "signal.",
    "sys.addaudithook",
    "sys.setprofile",
    "sys.settrace",
    "sys._current_frames",
    "sys.remote_exec",
    "mmap.",
    "pty.",
    "webbrowser.",
    "urllib.",
    "http.",
    "ftplib.",
    "smtplib.",
    "telnetlib.",
    "builtins.input",
    "builtins.breakpoint",
    "pdb.",
    "cpython.run_",
    "cpython.remote_debugger",
    "winreg.",
)

# Events the libraries may raise while they load, refused once codec code runs.
_CODEC_DENIED_PREFIXES = (
    "ctypes.",
    "gc.",
    "pickle.",
    "os.putenv",
    "os.unsetenv",
    "os.getxattr",
    "os.listxattr",
    "glob.",
)

# Events refused once codec code runs, unless the import machinery raised them
# (a library importing one of its modules lazily).
_IMPORTLIB_ONLY_EVENTS = {"os.listdir", "os.scandir", "marshal.load", "marshal.loads"}

# Events libraries raise in normal use (dataclasses, numpy's dispatch), refused
# when the codec's own code raises them: they reach frames, code and globals.
_CODEC_CALLER_DENIED = {
    "object.__getattr__",
    "sys._getframe",
    "code.__new__",
    "function.__new__",
    "compile",
    "exec",
    "marshal.loads",
}

# Modules the codec phase may not load, even indirectly.
_DENIED_MODULES = {
    "subprocess",
    "_posixsubprocess",
    "socket",
    "_socket",
    "ctypes",
    "_ctypes",
    "multiprocessing",
    "_multiprocessing",
    "pty",
    "mmap",
    "shutil",
    "tempfile",
    "pickle",
    "_pickle",
    "webbrowser",
    "urllib",
    "http",
    "gc",
    "signal",
    "_signal",
    "importlib",
    "builtins",
    "posix",
    "resource",
    "faulthandler",
}

_IMPORTLIB_FILES = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>", "<frozen zipimport>")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class Guard:
    """The audit hook's state. One per harness process."""

    def __init__(self, library_dirs, codec_filename, allowed_imports, report):
        self.library_dirs = tuple(os.path.join(os.path.realpath(d), "") for d in library_dirs if d)
        self.codec_filename = codec_filename
        self.allowed_imports = set(allowed_imports)
        self.report = report
        self.phase = "libs"
        self._busy = set()
        self._refused = False
        # Who may read library files once codec code runs: the import machinery
        # (lazy imports) and the traceback formatter (source lines of library frames).
        import linecache
        import tokenize

        self.source_readers = set(_IMPORTLIB_FILES) | {linecache.__file__, tokenize.__file__}

    # --- the hook -----------------------------------------------------------------

    def hook(self, event, args):
        # The hook's own work (frame inspection, realpath) raises events too: skip those,
        # per thread, so another thread cannot slip events through while one is inside.
        thread = _thread.get_ident()
        if thread in self._busy or self._refused:
            return
        self._busy.add(thread)
        try:
            reason = self._judge(event, args)
        finally:
            self._busy.discard(thread)
        if reason is not None:
            self._refuse(event, reason)

    def _judge(self, event, args):
        if event.startswith(_ALWAYS_DENIED_PREFIXES):
            return f"{event} is not available to codecs"
        if event == "open":
            return self._judge_open(args)
        if self.phase == "libs":
            return None
        if event == "import":
            name = str(args[0]) if args else ""
            if name.split(".")[0] in _DENIED_MODULES:
                return f"import of {name} is not available to codecs"
            return None
        if event.startswith(_CODEC_DENIED_PREFIXES):
            return f"{event} is not available to codecs"
        caller = self._caller_filename()
        if event in _IMPORTLIB_ONLY_EVENTS and caller not in _IMPORTLIB_FILES:
            return f"{event} is not available to codecs"
        if event in _CODEC_CALLER_DENIED and caller == self.codec_filename:
            detail = f" ({args[1]})" if event == "object.__getattr__" and len(args) > 1 else ""
            return f"{event}{detail} is not available to codecs"
        return None

    def _judge_open(self, args):
        path, mode, flags = (list(args) + [None, None, None])[:3]
        if not isinstance(path, (str, bytes)):
            return "opening a file descriptor is not available to codecs"
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        writing = False
        if isinstance(mode, str):
            writing = any(c in mode for c in "wax+")
        if isinstance(flags, int) and flags & _WRITE_FLAGS:
            writing = True
        if writing:
            return f"writing {path} is not available to codecs"
        real = os.path.realpath(path)
        if self.phase == "libs" and real == f"/proc/{os.getpid()}/maps":
            # torch >= 2.6 reads its own memory map while `import torch` runs (_load_global_deps,
            # to find CUDA libraries installed as wheels). Only while the libraries load, before
            # any codec code exists, only reading, and only this process's map: nothing else of
            # /proc (the corpus reads /proc/self/status and environ) and never in the codec phase.
            return None
        if not real.startswith(self.library_dirs):
            return f"reading {path} is not available to codecs"
        if self.phase == "codec" and self._caller_filename() not in self.source_readers:
            return f"reading {path} is not available to codecs"
        return None

    def _caller_filename(self):
        """File of the innermost Python frame outside this module (C functions have none)."""
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back
        return None if frame is None else frame.f_code.co_filename

    def codec_line(self):
        """Innermost line of the codec's own code on the current stack, or None."""
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.codec_filename:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def _refuse(self, event, reason):
        self._refused = True  # nothing else runs through the hook from here on
        try:
            self.report("sandbox-violation", f"sandbox violation: {reason}", self.codec_line())
        finally:
            # even if the report cannot be sent (descriptors closed), the codec never resumes
            os._exit(3)

    # --- restricted builtins for the codec's module ----------------------------------------

    def codec_builtins(self):
        """A builtins dict for the codec: no file, code or namespace access; guarded import and getattr."""
        allowed = dict(vars(builtins))
        for name in (
            "open",
            "exec",
            "eval",
            "compile",
            "globals",
            "locals",
            "vars",
            "breakpoint",
            "input",
            "help",
            "exit",
            "quit",
            "copyright",
            "credits",
            "license",
        ):
            allowed[name] = self._refuser(name)
        allowed["__import__"] = self._guarded_import
        allowed["getattr"] = self._guarded_getattr
        allowed["setattr"] = self._guarded_setattr
        allowed["delattr"] = self._guarded_delattr
        allowed["hasattr"] = self._guarded_hasattr
        return allowed

    def _refuser(self, name):
        def refuse(*_args, **_kwargs):
            self._refuse(name, f"builtin {name} is not available to codecs")

        refuse.__name__ = name
        return refuse

    def _guarded_import(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level:
            self._refuse("import", f"relative import of {name} is not available to codecs")
        top = name.split(".")[0]
        if top not in self.allowed_imports:
            self._refuse("import", f"import of {name} is outside the allowed list")
        return builtins.__import__(name, globals, locals, fromlist, level)

    def _check_attr_name(self, name):
        if not isinstance(name, str):
            self._refuse("getattr", "attribute names must be strings")
        if name.startswith("__") or name.startswith("f_") or name.startswith("tb_") or name in ("os", "sys", "builtins"):
            self._refuse("getattr", f"attribute {name} is not available to codecs")

    def _guarded_getattr(self, obj, name, *default):
        self._check_attr_name(name)
        return getattr(obj, name, *default)

    def _guarded_setattr(self, obj, name, value):
        self._check_attr_name(name)
        return setattr(obj, name, value)

    def _guarded_delattr(self, obj, name):
        self._check_attr_name(name)
        return delattr(obj, name)

    def _guarded_hasattr(self, obj, name):
        self._check_attr_name(name)
        return hasattr(obj, name)

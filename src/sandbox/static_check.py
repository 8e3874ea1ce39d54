"""Static check of a candidate codec, before any of its code runs.

Layer 1 of the sandbox (docs/security-model.md). It reads the codec with
Python's own `ast` and refuses, with the rule and the line, anything that
reaches outside the codec contract: imports outside the allowed list, builtins
that open files or run code, dunder attribute chains that lead back to
`object.__subclasses__()` or a function's globals, and the file and process
entry points of the allowed libraries (numpy, cv2, torch). It is deliberately
stricter than needed: a codec has no reason to touch any of this, and the
run-time layers (audit hook, OS sandbox) still catch what it misses.
"""

import ast
import re

# Builtins that open files, run code, or expose namespaces. A codec needs none.
FORBIDDEN_NAMES = {
    "open": "opens files",
    "exec": "runs code built at run time",
    "eval": "runs code built at run time",
    "compile": "builds code at run time",
    "__import__": "imports modules by a name built at run time",
    "globals": "exposes the module namespace",
    "locals": "exposes frame namespaces",
    "vars": "exposes object namespaces",
    "breakpoint": "starts a debugger",
    "input": "reads the protocol channel",
    "help": "starts an interactive pager",
    "exit": "ends the harness",
    "quit": "ends the harness",
    "copyright": "interactive helper",
    "credits": "interactive helper",
    "license": "interactive helper (opens files)",
    "__builtins__": "exposes the unrestricted builtins",
    "__loader__": "exposes the import machinery",
    "__spec__": "exposes the import machinery",
    "__file__": "exposes the sandbox layout",
}

# getattr & co. are allowed only with a literal, non-dunder attribute name, so
# that every attribute the codec touches is visible to this check.
NAME_ONLY_WITH_LITERAL = {"getattr", "setattr", "delattr", "hasattr"}

# Dunder attributes a codec may legitimately use (class bodies, protocols).
SAFE_DUNDERS = {
    "__init__",
    "__call__",
    "__len__",
    "__getitem__",
    "__setitem__",
    "__iter__",
    "__next__",
    "__enter__",
    "__exit__",
    "__repr__",
    "__str__",
    "__eq__",
    "__lt__",
    "__hash__",
    "__name__",
    "__doc__",
    "__slots__",
    "__post_init__",
}

# Attribute names that lead to the OS, the interpreter or files whatever object
# they are read from (many library modules re-export `os` and `sys`).
FORBIDDEN_ATTRIBUTES = {
    "os": "reaches the os module",
    "sys": "reaches the sys module",
    "subprocess": "reaches subprocesses",
    "builtins": "reaches the unrestricted builtins",
    "ctypes": "reaches native memory and libraries",
    "ctypeslib": "reaches native libraries",
    "importlib": "reaches the import machinery",
    "shutil": "reaches files",
    "socket": "reaches the network",
    "pickle": "runs code from bytes",
    "marshal": "runs code from bytes",
    "io": "reaches files",
    "pathlib": "reaches files",
    "tempfile": "reaches files",
    "multiprocessing": "reaches processes",
    "posix": "reaches the os module",
    "signal": "reaches signals",
    "gc": "reaches every live object",
    "inspect": "reaches frames",
    "mmap": "reaches shared memory",
    "threading": "reaches threads",
    # Speed is judged per core (the sandbox pins the thread pools to one):
    # more threads would buy fps with cores, and the rule's speed path with it.
    "set_num_threads": "changes the thread count the speed figures assume",
    "set_num_interop_threads": "changes the thread count the speed figures assume",
    "setNumThreads": "changes the thread count the speed figures assume",
    "f_back": "reaches caller frames",
    "f_globals": "reaches frame globals",
    "f_locals": "reaches frame locals",
    "f_builtins": "reaches frame builtins",
    "f_code": "reaches code objects",
    "gi_frame": "reaches frames",
    "gi_code": "reaches code objects",
    "cr_frame": "reaches frames",
    "ag_frame": "reaches frames",
    "tb_frame": "reaches frames",
    "tb_next": "reaches frames",
    "co_code": "reaches bytecode",
    "open": "opens files",
    "tofile": "writes files",
    "dump": "writes files (pickle)",
    "fromfile": "reads files",
    "from_file": "maps files",
    "memmap": "maps files",
    "open_memmap": "maps files",
    "loadtxt": "reads files",
    "savetxt": "writes files",
    "genfromtxt": "reads files",
    "fromregex": "reads files",
    "DataSource": "reads files and URLs",
    "imread": "reads files",
    "imreadmulti": "reads files",
    "imwrite": "writes files",
    "imwritemulti": "writes files",
    "VideoCapture": "reads files and devices",
    "VideoWriter": "writes files",
    "FileStorage": "reads and writes files",
    "CascadeClassifier": "reads files",
    "load_library": "loads native libraries",
    "cpp_extension": "compiles and loads native code",
    "hub": "downloads and runs code",
    "LZMAFile": "opens files",
    "BZ2File": "opens files",
    "distutils": "runs compilers",
    "f2py": "runs compilers",
    "testing": "reaches subprocess helpers",
    "load": "reads files (numpy, torch, cv2 objects)",
    "save": "writes files (numpy, torch, cv2 objects)",
    "savez": "writes files",
    "savez_compressed": "writes files",
    "save_image": "writes files",
    "npyio": "reads and writes files",
    "haveImageReader": "probes files",
    "haveImageWriter": "probes files",
    "imcount": "reads files",
    "get_type_hints": "evaluates strings as code (with the unrestricted builtins when given a namespace)",
    "ForwardRef": "evaluates strings as code",
    "_eval_type": "evaluates strings as code",
    "_evaluate": "evaluates strings as code",
    "as_strided": "unchecked strides read and write arbitrary process memory (use sliding_window_view)",
}

# cv2's native readers and writers follow naming patterns: readNet*, writeOpticalFlow,
# loadPLYSimple, SVM_load, ... Native code raises no audit event, so refuse them by name.
NATIVE_FILE_NAME = re.compile(r"^(read|write|load|save|open)[A-Z]|^[A-Z]\w*_(load|save|read|write)$")

# Dotted names of allowed libraries that read or write files or run code.
FORBIDDEN_QUALIFIED = {
    "numpy.load": "reads files (and pickles)",
    "numpy.save": "writes files",
    "numpy.savez": "writes files",
    "numpy.savez_compressed": "writes files",
    "numpy.lib.format": "reads and writes files",
    "numpy.lib.npyio": "reads and writes files",
    "numpy.lib.utils": "reaches source files",
    "numpy.core.records.fromfile": "reads files",
    "cv2.dnn": "reads model files",
    "cv2.ml": "reads and writes model files",
    "cv2.samples": "reads files",
    "cv2.utils": "reaches files",
    "torch.load": "reads files (and pickles)",
    "torch.save": "writes files",
    "torch.jit": "reads, writes and compiles code",
    "torch.package": "reads files and runs code",
    "torch.ops": "loads native libraries",
    "torch.classes": "loads native libraries",
    "torch.utils": "reaches files, processes and native code",
    "torch.multiprocessing": "reaches processes",
    "torch.distributed": "reaches the network",
    "torch.compile": "compiles and runs code",
    "torch.onnx": "writes files",
    "torch.profiler": "writes trace files",
    "torch.autograd.profiler": "writes trace files",
    "torch.cuda.memory": "writes snapshots",
    "torchvision.utils.save_image": "writes files",
    "torchvision.io": "reads and writes files",
    "torchvision.datasets": "downloads files",
    "torchvision.models": "downloads weights",
    "lzma.open": "opens files",
    "bz2.open": "opens files",
    "json.load": "reads file objects",
    "json.dump": "writes file objects",
}

FUNCTIONS = ("compress_video_frame", "decompress_video_frame")


class Refusal(Exception):
    """A static-check refusal: category, message and the codec's line."""

    def __init__(self, category, message, line):
        super().__init__(message)
        self.category = category
        self.message = message
        self.line = line


def _is_dunder(name):
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


# cv2 (with the contrib modules Debian ships) loads models and data files from native code in
# whole families of classes: face_*, dnn_*, text_*, ... Refuse the families, not just the names.
CV2_NATIVE_FILE_FAMILY = re.compile(
    r"^cv2\.(dnn|face|text|barcode|wechat_qrcode|dpm|ml|structured_light|ppf_match_3d|FaceDetectorYN"
    r"|FaceRecognizerSF|HOGDescriptor|CascadeClassifier|VideoCapture|VideoWriter|FileStorage|FileNode|utils|samples)"
)


def _check_qualified(dotted, line):
    if CV2_NATIVE_FILE_FAMILY.match(dotted):
        raise Refusal("forbidden", f"forbidden call: {dotted} (cv2 reads or writes files from native code here)", line)
    for forbidden, why in FORBIDDEN_QUALIFIED.items():
        if dotted == forbidden or dotted.startswith(forbidden + "."):
            raise Refusal("forbidden", f"forbidden call: {dotted} ({why})", line)


class _Checker(ast.NodeVisitor):
    def __init__(self, allowed_imports):
        self.allowed = set(allowed_imports)
        # local name -> dotted module path, from the codec's own imports
        self.aliases = {}
        # getattr(x, "name") calls whose Name node was already judged
        self.literal_getattr_names = set()

    def _check_module(self, dotted, line):
        top = dotted.split(".")[0]
        if top not in self.allowed:
            allowed = ", ".join(sorted(self.allowed))
            raise Refusal(
                "forbidden", f"forbidden import: {dotted} (allowed: {allowed})", line
            )
        _check_qualified(dotted, line)
        for part in dotted.split(".")[1:]:
            self._check_attribute_name(part, line)

    def _check_attribute_name(self, name, line):
        if _is_dunder(name) and name not in SAFE_DUNDERS:
            raise Refusal(
                "forbidden", f"forbidden attribute: {name} (dunder attributes reach the interpreter)", line
            )
        if name in FORBIDDEN_ATTRIBUTES:
            raise Refusal(
                "forbidden", f"forbidden attribute: {name} ({FORBIDDEN_ATTRIBUTES[name]})", line
            )
        if NATIVE_FILE_NAME.search(name):
            raise Refusal("forbidden", f"forbidden attribute: {name} (native file access)", line)

    def visit_Import(self, node):
        for alias in node.names:
            self._check_module(alias.name, node.lineno)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.level:
            raise Refusal("forbidden", "forbidden import: relative imports", node.lineno)
        module = node.module or ""
        self._check_module(module, node.lineno)
        for alias in node.names:
            if alias.name == "*":
                raise Refusal(
                    "forbidden", f"forbidden import: from {module} import * (names must be explicit)", node.lineno
                )
            dotted = f"{module}.{alias.name}"
            _check_qualified(dotted, node.lineno)
            self._check_attribute_name(alias.name, node.lineno)
            self.aliases[alias.asname or alias.name] = dotted
        self.generic_visit(node)

    def visit_Name(self, node):
        name = node.id
        if name in FORBIDDEN_NAMES:
            raise Refusal(
                "forbidden", f"forbidden name: {name} ({FORBIDDEN_NAMES[name]})", node.lineno
            )
        if name in NAME_ONLY_WITH_LITERAL and id(node) not in self.literal_getattr_names:
            raise Refusal(
                "forbidden",
                f"forbidden use of {name}: only {name}(obj, \"literal_name\") is allowed",
                node.lineno,
            )
        if _is_dunder(name) and name not in SAFE_DUNDERS:
            raise Refusal("forbidden", f"forbidden name: {name} (dunder names reach the interpreter)", node.lineno)
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in NAME_ONLY_WITH_LITERAL:
            if len(node.args) < 2 or not (
                isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
            ):
                raise Refusal(
                    "forbidden",
                    f"forbidden use of {func.id}: the attribute name must be a string literal",
                    node.lineno,
                )
            self._check_attribute_name(node.args[1].value, node.lineno)
            self.literal_getattr_names.add(id(func))
        self.generic_visit(node)

    def visit_Attribute(self, node):
        self._check_attribute_name(node.attr, node.lineno)
        dotted = _dotted(node)
        if dotted is not None:
            root, rest = dotted.split(".", 1)
            module = self.aliases.get(root)
            if module is not None:
                _check_qualified(f"{module}.{rest}", node.lineno)
        self.generic_visit(node)

    def visit_Constant(self, node):
        # Format strings such as "{0.__class__}" reach attributes without an
        # Attribute node; str.format is the only way to use them.
        if isinstance(node.value, str) and "{" in node.value and ".__" in node.value:
            raise Refusal("forbidden", "forbidden format string: dunder attribute in a format field", node.lineno)
        self.generic_visit(node)

    def visit_Global(self, node):
        # Module globals are allowed (codec state across frames), nothing to do.
        self.generic_visit(node)


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _check_functions(tree):
    defined = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef):
            defined[stmt.name] = stmt
    for name in FUNCTIONS:
        if name not in defined:
            raise Refusal(
                "missing-function",
                f"missing function: {name} must be defined with `def {name}(...)` at module level",
                None,
            )
        args = defined[name].args
        positional = len(args.posonlyargs) + len(args.args)
        if positional < 3 and args.vararg is None:
            raise Refusal(
                "missing-function",
                f"wrong signature: {name} must take (data, frame_index, config)",
                defined[name].lineno,
            )


def check_source(source, filename, allowed_imports):
    """Raise Refusal when the codec source must not run; return the parsed tree otherwise."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as error:
        raise Refusal("syntax", f"syntax error: {error.msg}", error.lineno) from None
    except ValueError as error:  # e.g. NUL bytes in the source
        raise Refusal("syntax", f"syntax error: {error}", None) from None
    _Checker(allowed_imports).visit(tree)
    _check_functions(tree)
    return tree


def imported_modules(tree):
    """Top-level dotted modules the codec imports, so the harness can load them first."""
    modules = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
    return modules

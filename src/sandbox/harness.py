"""The sandbox harness: runs one side (encoder or decoder) of a candidate codec.

Started by src/sandbox/harness-process.ts, one fresh process per side, inside
bubblewrap when available. It speaks a length-prefixed binary protocol on
private copies of stdin/stdout; the codec's own stdout and stderr go to fd 2,
which the host reads with a size bound. Every way the codec can fail becomes a
failure message with a category from DESIGN.md and the codec's line number.

Message: 1 byte kind, 4 bytes little-endian body length, body.
  host -> harness: S setup (JSON), F frame (u32 index + RGB24), P payload
                   (u32 index + bytes), E end
  harness -> host: R ready (JSON), O output (u32 index + f64 wall seconds +
                   f64 CPU seconds + data), X failure (JSON), B bye
"""

import json
import os
import struct
import sys
import time

HEADER = struct.Struct("<cI")
OUTPUT_HEADER = struct.Struct("<Idd")
INDEX = struct.Struct("<I")
TRACEBACK_CHARS = 2000

# Bound before the codec loads: a codec that rebinds time.* cannot change what is measured.
_wall_clock = time.perf_counter
# CPU time of the whole process, every thread included (CLOCK_PROCESS_CPUTIME_ID).
_process_cpu = time.process_time
CODEC_FUNCTIONS = ("compress_video_frame", "decompress_video_frame")


class Channel:
    """The protocol channel on private fds the codec's prints cannot reach."""

    def __init__(self):
        self.read_fd = os.dup(0)
        self.write_fd = os.dup(1)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.dup2(2, 1)

    def _read_exactly(self, size):
        chunks = []
        while size > 0:
            chunk = os.read(self.read_fd, min(size, 1 << 20))
            if not chunk:
                raise EOFError("host closed the protocol channel")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def receive(self):
        kind, length = HEADER.unpack(self._read_exactly(HEADER.size))
        return kind, self._read_exactly(length)

    def send(self, kind, body):
        data = HEADER.pack(kind, len(body)) + body
        view = memoryview(data)
        while view:
            written = os.write(self.write_fd, view)
            view = view[written:]

    def send_json(self, kind, value):
        self.send(kind, json.dumps(value).encode())


class BoundedSink:
    """sys.stdout/sys.stderr for the codec: writes to fd 2 up to a byte budget, then drops."""

    def __init__(self, budget):
        self.budget = budget
        self.dropped = 0

    def write(self, text):
        data = str(text).encode("utf-8", "replace")
        if self.budget <= 0:
            self.dropped += len(data)
            return len(text)
        keep = data[: self.budget]
        self.budget -= len(keep)
        self.dropped += len(data) - len(keep)
        os.write(2, keep)
        if self.budget <= 0:
            os.write(2, b"\n[codec output truncated]\n")
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def die_with_parent():
    """Linux: get SIGKILL when the evaluator dies, so a codec stuck in a loop cannot outlive it.

    bubblewrap does this itself (--die-with-parent); without it the harness asks
    the kernel directly. Runs before any codec code, so ctypes is still ours.
    """
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def apply_limits(limits, gpu=False):
    """Resource limits for this process and its children; set before any library loads.

    With a GPU, memory is limited by RLIMIT_DATA (heap and private writable mappings):
    CUDA reserves tens of GB of address space it never touches, which RLIMIT_AS refuses.
    """
    import resource

    def cap(which, value):
        value = int(value)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError) as error:
            sys.stderr.write(f"harness: could not set limit {which}: {error}\n")

    cap(resource.RLIMIT_DATA if gpu else resource.RLIMIT_AS, limits["memoryBytes"])
    cap(resource.RLIMIT_FSIZE, limits["fileBytes"])
    cap(resource.RLIMIT_NOFILE, limits["openFiles"])
    if int(limits["processes"]) > 0:  # 0: not enforceable for this uid (see isolation.ts)
        cap(resource.RLIMIT_NPROC, limits["processes"])
    cap(resource.RLIMIT_CORE, 0)
    cpu = int(limits["cpuSeconds"])
    try:
        # soft limit: SIGXCPU, which the host reports as a timeout; hard: SIGKILL
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (ValueError, OSError) as error:
        sys.stderr.write(f"harness: could not set CPU limit: {error}\n")


def library_dirs():
    """Directories whose files are public: the Python import path and the harness's own (for tracebacks)."""
    dirs = [os.path.dirname(os.path.abspath(__file__))]
    for entry in sys.path:
        if entry and os.path.isabs(entry):
            dirs.append(entry)
    return dirs


def failure(category, message, line=None, traceback_text=None, frame_index=None):
    value = {"category": category, "message": message, "line": line}
    if traceback_text:
        value["traceback"] = traceback_text
    if frame_index is not None:
        value["frameIndex"] = frame_index
    return value


def describe_exception(error, codec_filename, frame_index):
    """A failure for an exception raised by the codec, with its own line and a bounded traceback."""
    import traceback

    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == codec_filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    if len(text) > TRACEBACK_CHARS:
        text = "..." + text[-TRACEBACK_CHARS:]
    name = type(error).__name__
    detail = str(error)[:500]
    category = "runtime"
    if isinstance(error, MemoryError) or "Insufficient memory" in detail or "Failed to allocate" in detail:
        category = "memory"
    elif isinstance(error, RecursionError):
        category = "runtime"
    return failure(category, f"{name}: {detail}", line, text, frame_index)


def validate_payload(value, index, limit):
    """Reason the encoder's return value is not a payload, or None."""
    if type(value) not in (bytes, bytearray):
        return f"compress_video_frame returned {type(value).__name__} for frame {index}; it must return bytes"
    if len(value) == 0:
        return f"compress_video_frame returned empty bytes for frame {index}; every frame costs at least one byte"
    if len(value) > limit:
        return f"compress_video_frame returned {len(value)} bytes for frame {index}; the limit is {limit}"
    return None


def validate_frame(np, value, index, height, width):
    """Reason the decoder's return value is not an (H, W, 3) uint8 frame, or None."""
    if type(value) is not np.ndarray:
        return f"decompress_video_frame returned {type(value).__name__} for frame {index}; it must return numpy.ndarray"
    if value.dtype != np.uint8:
        return f"decompress_video_frame returned dtype {value.dtype} for frame {index}; it must be uint8 (no casting or clipping is done for you)"
    if value.shape != (height, width, 3):
        return f"decompress_video_frame returned shape {tuple(value.shape)} for frame {index}; it must be ({height}, {width}, 3)"
    return None


def load_codec(setup, source, tree, guard):
    """Execute the codec (`tree`, parsed from `source`) in a module with restricted builtins; return its two functions."""
    import linecache
    import types

    filename = setup["codecName"]
    # From the tree the static check already parsed: the same code as compiling the
    # source again, without a second parse (a tenth of each harness start).
    code = compile(tree, filename, "exec", dont_inherit=True)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType("codec")
    module.__dict__["__builtins__"] = guard.codec_builtins() if guard else __builtins__
    if guard:
        guard.phase = "codec"
    exec(code, module.__dict__)
    functions = []
    for name in CODEC_FUNCTIONS:
        fn = module.__dict__.get(name)
        if not isinstance(fn, types.FunctionType):
            return None, failure("missing-function", f"{name} is not a function after loading the codec")
        functions.append(fn)
    return functions, None


def serve(channel, setup, functions, np):
    """Answer frames (encode) or payloads (decode) until the host says end."""
    mode = setup["mode"]
    config = setup["config"]
    height, width = int(config["height"]), int(config["width"])
    frame_bytes = height * width * 3
    limit = int(setup["limits"]["payloadBytesPerFrame"])
    compress, decompress = functions
    # A frame's CPU time runs from the previous answer to this one, so work a codec leaves
    # to a thread of its own between calls is charged to the next frame, not lost.
    cpu_mark = _process_cpu()
    while True:
        kind, body = channel.receive()
        if kind == b"E":
            channel.send(b"B", b"")
            return
        (index,) = INDEX.unpack_from(body)
        data = body[INDEX.size :]
        if mode == "encode" and kind == b"F":
            if len(data) != frame_bytes:
                raise ValueError(f"host sent a frame of {len(data)} bytes, expected {frame_bytes}")
            frame = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3).copy()
            started = _wall_clock()
            result = compress(frame, index, dict(config))
            seconds = _wall_clock() - started
            problem = validate_payload(result, index, limit)
            if problem:
                return failure("invalid-output", problem, None, None, index)
            out = bytes(result)
        elif mode == "decode" and kind == b"P":
            started = _wall_clock()
            result = decompress(bytes(data), index, dict(config))
            seconds = _wall_clock() - started
            problem = validate_frame(np, result, index, height, width)
            if problem:
                return failure("invalid-output", problem, None, None, index)
            out = np.ascontiguousarray(result).tobytes()
        else:
            raise ValueError(f"unexpected message {kind!r} in mode {mode}")
        cpu_now = _process_cpu()
        cpu_seconds, cpu_mark = cpu_now - cpu_mark, cpu_now
        channel.send(b"O", OUTPUT_HEADER.pack(index, seconds, cpu_seconds) + out)


def main():
    die_with_parent()
    channel = Channel()
    kind, body = channel.receive()
    if kind != b"S":
        raise ValueError("the first message must be the setup")
    setup = json.loads(body)
    apply_limits(setup["limits"], setup.get("gpu", False))

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import audit_guard
    import static_check

    # neither the harness's nor the codec's directory may serve imports
    sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != os.path.realpath(here)]

    with open(setup["codecFile"], "r", encoding="utf-8", errors="replace") as handle:
        source = handle.read()
    filename = setup["codecName"]
    allowed = setup["allowedImports"]

    if setup.get("staticCheck", True):
        try:
            tree = static_check.check_source(source, filename, allowed)
        except static_check.Refusal as refusal:
            channel.send_json(b"X", failure(refusal.category, refusal.message, refusal.line))
            return
    else:
        import ast

        try:
            tree = ast.parse(source, filename)
        except SyntaxError as error:
            channel.send_json(b"X", failure("syntax", f"syntax error: {error.msg}", error.lineno))
            return
    modules = static_check.imported_modules(tree)
    if setup["mode"] == "check":
        channel.send_json(b"R", {"python": sys.version.split()[0]})
        return

    current_index = [None]

    def report(category, message, line):
        channel.send_json(b"X", failure(category, message, line, None, current_index[0]))

    guard = None
    if setup.get("runtimeGuards", True):
        guard = audit_guard.Guard(library_dirs(), filename, allowed, report)
        sys.addaudithook(guard.hook)

    # Libraries load before the codec so their own file reads happen in the "libs" phase.
    import importlib
    import linecache  # noqa: F401 - loaded before the codec phase, used for tracebacks
    import traceback  # noqa: F401
    import types  # noqa: F401

    import numpy as np

    for module in modules:
        if module.split(".")[0] in allowed:
            try:
                importlib.import_module(module)
            except ImportError:
                pass  # the codec's own import will report it with its line

    sink = BoundedSink(int(setup["limits"]["logBytes"]))
    sys.stdout = sink
    sys.stderr = sink
    try:
        functions, problem = load_codec(setup, source, tree, guard)
    except BaseException as error:  # noqa: BLE001 - every codec error becomes a failure
        problem = describe_exception(error, filename, None)
        problem["message"] = "while loading the codec: " + problem["message"]
    if problem:
        channel.send_json(b"X", problem)
        return
    channel.send_json(b"R", {"python": sys.version.split()[0], "numpy": np.__version__})

    try:
        problem = serve_tracking(channel, setup, functions, np, current_index)
    except EOFError:
        return
    except BaseException as error:  # noqa: BLE001
        problem = describe_exception(error, filename, current_index[0])
    if problem:
        channel.send_json(b"X", problem)


def serve_tracking(channel, setup, functions, np, current_index):
    """serve(), recording the frame index in flight so guard refusals can name it."""
    original_receive = channel.receive

    def receive():
        kind, body = original_receive()
        if kind in (b"F", b"P") and len(body) >= INDEX.size:
            current_index[0] = INDEX.unpack_from(body)[0]
        return kind, body

    channel.receive = receive
    return serve(channel, setup, functions, np)


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)

"""
Reading an uploaded workbook's cell values in a child process, with a memory
limit, a time limit and a cap on how many such children run at once.

Why a child: openpyxl parses ``styles.xml`` and the shared strings whole, and
an .xlsx whose zip sizes are honest can still amplify (a 4.4 MB file whose
styles.xml holds 45 MB of formats took 831 MB and 10 s in the web worker).
The zip checks in ``xlsx_reader`` refuse the obvious before anything starts;
this module bounds everything else: the child runs under ``RLIMIT_AS`` (its
address space) and ``RLIMIT_CPU``, at a lower CPU priority than the web
workers, and is killed at the timeout. What comes back is plain data, each
sheet's title and values, read with an unpickler that builds nothing but
lists, numbers, text and dates.

Why slots: each child can use a whole core until its timeout, and the machine
serves pages on the same cores. ``parse_slot`` holds one of a few ``flock``
lock files in a directory, so the cap holds across every gunicorn worker on
the machine; a worker that dies releases its slot with its file descriptors.
The cap is per machine (a lock file on a network file system is not to be
trusted); several machines each cap their own imports, which is what protects
each machine's memory and CPU.

The module imports no Django: the child runs it as a script (``python -I``,
the standard library and openpyxl only) and the parent passes every limit in.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import io
import json
import logging
import os
import pickle
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

# What the child keeps of each sheet. An official weekly table has some 20
# rows, a national one 3,000 regions and its title, header, 合计 and 备注; a
# five-year history workbook (260 week sheets and one long sheet) holds about
# 160,000 values.
MAX_ROWS = 3100
MAX_COLUMNS = 200
MAX_CELLS = 400_000  # values kept, all sheets together
MAX_RESULT_BYTES = 32 * 1024 * 1024  # the pickled answer the parent reads back
NICENESS = 10  # pages first: the child gets the CPU the web workers leave

# Why a read failed; ``xlsx_reader`` words each for people.
CORRUPT = "corrupt"
TOO_LARGE = "too_large"
TIMEOUT = "timeout"
BUSY = "busy"

Sheets = list[tuple[str, list[list[object]]]]

logger = logging.getLogger(__name__)


class ReadFailed(Exception):
    """The workbook was not read; ``reason`` is one of CORRUPT, TOO_LARGE, TIMEOUT, BUSY."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The parent's side ----------------------------------------------------------


@contextlib.contextmanager
def parse_slot(directory: Path, slots: int) -> Iterator[int]:
    """
    Hold one of ``slots`` lock files in ``directory`` for the duration, or raise
    ReadFailed(BUSY) at once when every slot is held (by any process on this
    machine). Waiting would tie up a web worker; the user tries again instead.
    """
    for number in range(slots):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handle = open(directory / f"slot-{number}.lock", "a")  # noqa: SIM115 - held below
        except OSError:
            # A deployment fault (IMPORT_SLOTS_DIR not writable): say so in the log,
            # and to the user what is true for them, that no import can run now.
            logger.exception("cannot open the import slot in %s", directory)
            raise ReadFailed(BUSY) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield number
        finally:
            handle.close()  # closing the descriptor releases the lock
        return
    raise ReadFailed(BUSY)


def read_sheets(
    data: bytes,
    *,
    memory_bytes: int,
    timeout: float,
    slots_dir: Path,
    slots: int,
) -> Sheets:
    """
    Every sheet's title and values (the active sheet first), read by a child
    process limited to ``memory_bytes`` of address space and ``timeout``
    seconds, in one of the machine's ``slots``. ReadFailed when it cannot be.
    """
    limits = {"memory_bytes": memory_bytes, "cpu_seconds": int(timeout) + 1}
    with parse_slot(slots_dir, slots):
        try:
            done = subprocess.run(
                [sys.executable, "-I", __file__, json.dumps(limits)],
                input=data,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            # run() has killed and reaped the child.
            raise ReadFailed(TIMEOUT) from None
        except OSError:
            logger.exception("cannot start the workbook reader")  # e.g. no process left
            raise ReadFailed(BUSY) from None
    if done.returncode != 0:
        logger.warning(
            "workbook reader exited with %s: %s",
            done.returncode,
            done.stderr[-2000:].decode(errors="replace"),
        )
        if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
            raise ReadFailed(TIMEOUT)
        raise ReadFailed(TOO_LARGE)  # out of memory where Python could not raise MemoryError
    try:
        status, payload = _ValuesUnpickler(io.BytesIO(done.stdout)).load()
    except Exception:  # noqa: BLE001 - anything else than our answer is a failed read
        logger.warning("workbook reader gave an unreadable answer", exc_info=True)
        raise ReadFailed(CORRUPT) from None
    if status != "ok":
        raise ReadFailed(payload)
    return payload


class _ValuesUnpickler(pickle.Unpickler):
    """Builds lists, tuples, numbers, text and the datetime types; refuses any other class."""

    ALLOWED = {
        ("datetime", "datetime"),
        ("datetime", "date"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


# The child's side -----------------------------------------------------------


def main() -> None:
    """The child: limits first, then the workbook from stdin, the answer to stdout."""
    limits = json.loads(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_bytes"], limits["memory_bytes"]))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 1))
    os.nice(NICENESS)
    # openpyxl imports numpy when it can: 80 MB of address space for values a
    # workbook never holds.
    sys.modules["numpy"] = None
    # The refusals are made now: out of memory, there may be none left to make one.
    failed = {reason: pickle.dumps(("failed", reason)) for reason in (CORRUPT, TOO_LARGE)}
    data = sys.stdin.buffer.read()
    try:
        answer = pickle.dumps(("ok", workbook_values(data)), protocol=pickle.HIGHEST_PROTOCOL)
        if len(answer) > MAX_RESULT_BYTES:
            answer = failed[TOO_LARGE]
    except ReadFailed as refused:
        answer = failed[refused.reason]
    except MemoryError:
        answer = failed[TOO_LARGE]
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()


def workbook_values(data: bytes) -> Sheets:
    """
    The sheets' values, read in full here: a damaged part shows only when its
    rows are read, and then as any of many exceptions (XML ParseError,
    KeyError, ValueError, ...) from openpyxl and the XML parser. Whatever it
    is, the file is damaged: ReadFailed(CORRUPT). MemoryError is not damage.
    """
    from openpyxl import load_workbook  # in the child only, after the limits are set

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - see the docstring
        raise ReadFailed(CORRUPT) from None
    try:
        sheets = list(workbook.worksheets)
        active = workbook.active
        if active in sheets:
            sheets.remove(active)
            sheets.insert(0, active)
        budget = [MAX_CELLS]
        return [(ws.title, _sheet_rows(ws, budget)) for ws in sheets]
    except (MemoryError, ReadFailed):
        raise
    except Exception:  # noqa: BLE001 - see the docstring
        raise ReadFailed(CORRUPT) from None
    finally:
        workbook.close()


def _sheet_rows(ws, budget: list[int]) -> list[list[object]]:
    """The sheet's values as lists, trailing empty cells cut, at most MAX_ROWS x MAX_COLUMNS."""
    if hasattr(ws, "reset_dimensions"):
        # Some programs write a wrong <dimension>; read-only mode would trust it.
        ws.reset_dimensions()
    rows = []
    for values in ws.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS, values_only=True):
        values = [_plain(value) for value in values]
        while values and _is_blank(values[-1]):
            values.pop()
        budget[0] -= len(values)
        if budget[0] < 0:
            raise ReadFailed(TOO_LARGE)
        rows.append(values)
    return rows


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.split())


_PLAIN = (
    str,
    int,
    float,
    bool,
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
)


def _plain(value: object) -> object:
    """A cell value the parent's unpickler accepts (rich text and the like become text)."""
    if value is None or type(value) in _PLAIN:  # exactly: a subclass would not unpickle
        return value
    return str(value)


if __name__ == "__main__":
    main()

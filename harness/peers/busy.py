"""busy.py — the spinning process of the peers' busy-core mode, as `stvit bench --busy-core`
does it (harness/bench/busy.c): one child pinned to the LAST CPU of this process's affinity mask,
burning it until stopped; the process measured is not pinned. The child dies with its parent
(PR_SET_PDEATHSIG) and ignores Ctrl-C, so it never outlives the measurement. Stdlib only."""
import os
import signal
import subprocess
import sys

# Runs in the child: die with the parent, pin, say so, spin.
_SPIN = r"""
import ctypes, os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
cpu, parent = int(sys.argv[1]), int(sys.argv[2])
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
if os.getppid() != parent:
    sys.exit(1)
os.sched_setaffinity(0, {cpu})
sys.stdout.write("pinned\n"); sys.stdout.flush(); sys.stdout.close()
while True:
    pass
"""


class Spinner:
    """with Spinner() as s: ... (s.pid, s.cpu) — or start() / stop()."""

    def __init__(self):
        self.proc, self.cpu = None, None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self):
        if self.proc:
            raise RuntimeError(f"busy core: a spinner already runs (pid {self.proc.pid})")
        self.cpu = max(os.sched_getaffinity(0))
        self.proc = subprocess.Popen([sys.executable, "-c", _SPIN, str(self.cpu), str(os.getpid())],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, close_fds=True)
        if self.proc.stdout.readline().strip() != b"pinned":
            self.stop()
            raise RuntimeError(f"busy core: the spinning process could not pin itself to CPU {self.cpu}")
        self.proc.stdout.close()
        return self

    def stop(self):
        if self.proc:
            try:
                self.proc.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

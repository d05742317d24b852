#!/usr/bin/env python3
"""bgmux benchmarks that muxbench does not have (SPEC §11 and the split-view
and switcher issues): `run` round trip, what a reattach is made of, server
memory with 1/10/100/1000 idle tasks, 1/4/16 tasks flooding at once against
raw ptys, the server's CPU per byte of muxbench's flood workloads, a flood
in 4 split panes against one pane, keystroke latency with 4 busy panes, and
the switcher with 1000 tasks and with a previewed flood.

Python 3.11 standard library only; it starts and talks to local processes
only (bgmux, /bin/sh, cat, sleep), each server on a private socket and state
dir under a temp dir, and kills what it started by pid.

    python3 bench/extra.py --bin target/release/bgmux --json r.json --md r.md
    python3 bench/extra.py --only run,idle --quick
    python3 bench/extra.py --only cpu --runs 5 --bin new/bgmux --against old/bgmux

A benchmark, not a test: figures are printed, nothing is asserted. The
machine is shared and noisy: every figure is a median (with min/max) of
several runs, and ratios are taken within one invocation.
"""

import argparse
import errno
import fcntl
import json
import os
import platform
import random
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

now = time.perf_counter
PREFIX = b"\x02"  # C-b
# Letters the workloads never print and the renderer never emits as a CSI
# final byte: a typed one found in the client's output is its echo.
KEYS = b"QZXWV"


def log(msg):
    print(f"[extra {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def stats(xs):
    xs = sorted(xs)
    if not xs:
        return {"n": 0}
    q = lambda p: xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
    return {"n": len(xs), "median": statistics.median(xs), "min": xs[0], "max": xs[-1],
            "p90": q(0.9), "p99": q(0.99)}


# ---------------------------------------------------------------- processes

_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                   rb"|\x1b[ -/]*[0-~]|[\x00-\x09\x0b-\x1f\x7f]")


def strip(b):
    return _ANSI.sub(b"", b)


def rss_pss(pid):
    """Server RSS and PSS in bytes, from /proc/PID/smaps_rollup."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("Rss", "Pss"):
                out[k.lower()] = int(rest.split()[0]) * 1024
    return out["rss"], out["pss"]


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class Mux:
    """One bgmux server on a private socket and state dir."""

    def __init__(self, bin_path, tag):
        self.bin = bin_path
        self.dir = tempfile.mkdtemp(prefix=f"bgx-{tag}-")
        os.chmod(self.dir, 0o700)
        self.sock = os.path.join(self.dir, "sock")
        self.env = dict(os.environ, BGMUX_STATE_DIR=os.path.join(self.dir, "state"))
        for k in ("TMUX", "BGMUX_SOCKET", "BGMUX_TASK_ID"):
            self.env.pop(k, None)
        self.pids = []

    def argv(self, *args):
        return [self.bin, "-S", self.sock, "-f", "/dev/null", *args]

    def bg(self, *args, check=True):
        p = subprocess.run(self.argv(*args), env=self.env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError(f"bgmux {' '.join(args)}: {p.stderr.strip()}")
        return p

    def start(self):
        self.bg("start-server")
        self.server = self.find_server()

    def find_server(self):
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if self.sock.encode() in argv and b"server" in argv:
                return int(pid)
        raise RuntimeError("bgmux server not found")

    def run(self, cmd, *opts):
        return int(self.bg("run", *opts, "--", "/bin/sh", "-c", cmd).stdout.strip())

    def run_argv(self, *argv):
        return int(self.bg("run", "--", *argv).stdout.strip())

    def attach(self, task, rows=24, cols=80):
        c = Client(self.argv("attach", str(task)), self.env, rows, cols)
        self.pids.append(c.proc.pid)
        return c

    def close(self):
        try:
            self.bg("kill-server", check=False)
        except subprocess.TimeoutExpired:
            pass
        for pid in self.pids + [getattr(self, "server", None)]:
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)


def open_pty(rows, cols):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return master, slave


def _ctty():
    try:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    except OSError:
        pass


class Spawned:
    """A process started with `os.posix_spawn` (the `Popen` calls used here)."""

    def __init__(self, argv, env, slave):
        path = shutil.which(argv[0], path=env.get("PATH")) or argv[0]
        actions = [(os.POSIX_SPAWN_DUP2, slave, fd) for fd in (0, 1, 2)]
        self.pid = os.posix_spawn(path, argv, env, file_actions=actions, setsid=True)

    def wait(self, timeout):
        deadline = now() + timeout
        while now() < deadline:
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                return
            time.sleep(0.005)
        raise subprocess.TimeoutExpired(str(self.pid), timeout)

    def kill(self):
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


class Client:
    """A process in a harness pty whose master we drain, like a terminal.

    Started as muxbench starts a client (`Popen` with a `TIOCSCTTY` pre-exec
    hook, which makes Python fork its whole process and close every fd), or
    with `lean=True` as a shell starts a command (`posix_spawn`, a vfork:
    no controlling terminal, which an attached client does not need to
    draw)."""

    def __init__(self, argv, env, rows, cols, lean=False):
        self.master, slave = open_pty(rows, cols)
        if lean:
            self.proc = Spawned(argv, env, slave)
        else:
            self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                         start_new_session=True, preexec_fn=_ctty)
        os.close(slave)
        os.set_blocking(self.master, False)
        self.buf = bytearray()  # kept since the last mark()
        self.total = 0
        self.reads = []  # (time, bytes) when recording

    def pump(self, record=False):
        got = 0
        while True:
            try:
                b = os.read(self.master, 65536)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.EIO:
                    break
                raise
            if not b:
                break
            got += len(b)
            self.buf += b
            if len(self.buf) > (1 << 20):
                del self.buf[: len(self.buf) - (1 << 19)]
            if record:
                self.reads.append((now(), len(b)))
        self.total += got
        return got

    def mark(self):
        self.buf.clear()

    def wait_for(self, pred, timeout=10.0, record=False):
        """Drains until pred(stripped output since mark) holds; returns the time or None."""
        deadline = now() + timeout
        p = select.poll()
        p.register(self.master, select.POLLIN)
        while True:
            self.pump(record)
            if pred(strip(bytes(self.buf))):
                return now()
            left = deadline - now()
            if left <= 0:
                return None
            p.poll(min(left, 0.05) * 1000)

    def quiet(self, idle=0.3, timeout=10.0):
        deadline = now() + timeout
        last = now()
        p = select.poll()
        p.register(self.master, select.POLLIN)
        while now() < deadline:
            if self.pump():
                last = now()
            elif now() - last >= idle:
                return True
            p.poll(20)
        return False

    def drain_for(self, seconds, record=False):
        end = now() + seconds
        p = select.poll()
        p.register(self.master, select.POLLIN)
        while now() < end:
            self.pump(record)
            p.poll(max(0.0, min(end - now(), 0.02)) * 1000)

    def type(self, data):
        os.write(self.master, data)

    def command(self, line):
        """Types a prompt command: C-b : LINE Enter."""
        self.type(PREFIX + b":")
        time.sleep(0.05)
        self.type(line.encode() + b"\r")

    def close(self):
        try:
            os.close(self.master)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Gates:
    """The harness's start/done protocol, as in muxbench: a task waits on its
    own FIFO before working and writes its token to a shared FIFO when done."""

    def __init__(self, d):
        self.d = d
        self.done_path = os.path.join(d, "done.fifo")
        os.mkfifo(self.done_path)
        self.done_r = os.open(self.done_path, os.O_RDONLY | os.O_NONBLOCK)
        self.done_w = os.open(self.done_path, os.O_WRONLY)  # no EOF between writers
        self.n = 0

    def wrap(self, cmd, hold=False, marker=None):
        self.n += 1
        gate = os.path.join(self.d, f"go{self.n}.fifo")
        os.mkfifo(gate)
        parts = [f"read _ < {gate}", cmd]
        if marker:
            parts.append(f"printf '\\033[0m\\n%s\\n' {marker}")
        parts.append(f"printf 'T{self.n}.' > {self.done_path}")
        if hold:
            parts.append("exec sleep 100000")
        return gate, "; ".join(parts)

    @staticmethod
    def opened(gate, timeout=20.0):
        """Opens a gate for writing once its task is waiting on it."""
        deadline = now() + timeout
        while True:
            try:
                return os.open(gate, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.ENXIO or now() > deadline:
                    raise
                time.sleep(0.002)

    def release(self, gates):
        fds = [self.opened(g) for g in gates]
        t0 = now()
        for fd in fds:
            os.write(fd, b"\n")
            os.close(fd)
        return t0

    def wait_done(self, count, timeout=300.0, clients=()):
        got, buf = 0, b""
        deadline = now() + timeout
        p = select.poll()
        p.register(self.done_r, select.POLLIN)
        for c in clients:
            p.register(c.master, select.POLLIN)
        while got < count:
            if now() > deadline:
                raise RuntimeError("tasks did not finish")
            for fd, _ in p.poll(100):
                if fd == self.done_r:
                    try:
                        buf += os.read(self.done_r, 4096)
                    except BlockingIOError:
                        pass
                    got = buf.count(b".")
            for c in clients:
                c.pump()
        return now()


# ---------------------------------------------------------------- workloads

def text_file(path, lines):
    """muxbench's `text`: 99 printable columns + LF per line."""
    words = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
             "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud").split()
    rnd = random.Random(1)
    pool = []
    for _ in range(1024):
        line = ""
        while len(line) < 90:
            line += rnd.choice(words) + " "
        pool.append(line[:90])
    with open(path, "w") as f:
        f.writelines(f"{i:08d} {pool[i % 1024]}\n" for i in range(lines))
    return os.path.getsize(path)


def sgr_file(path, lines):
    """muxbench's `sgr`: ~115-byte lines with 10 SGR changes each (16-colour,
    256-colour, bold/underline/reverse), the same bytes for the same count."""
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    rnd = random.Random(42)
    with open(path, "w") as f:
        for i in range(lines):
            w = [words[(i + k) % 8] for k in range(5)]
            f.write(f"\x1b[3{i % 8}m{w[0]}\x1b[0m \x1b[1;4{(i + 3) % 8}m{w[1]}\x1b[22m "
                    f"\x1b[38;5;{rnd.randrange(256)}m{w[2]}\x1b[39;49m \x1b[4m{w[3]}\x1b[24m "
                    f"\x1b[7m{w[4]}\x1b[27m {i:08d}\n")
    return os.path.getsize(path)


def server_cpu_ns(pid):
    """CPU time of all the server's threads, in ns (schedstat: finer than
    the 10 ms ticks of /proc/PID/stat)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended between the listing and the read
    return total


def raw_flood(gates_dir, k, file):
    """k `cat FILE` tasks in Python-drained ptys, started together; seconds."""
    g = Gates(gates_dir)
    procs, fds, gl = [], [], []
    for _ in range(k):
        gate, cmd = g.wrap(f"cat {file}")
        master, slave = open_pty(24, 80)
        procs.append(subprocess.Popen(["/bin/sh", "-c", cmd], stdin=slave, stdout=slave,
                                      stderr=slave, start_new_session=True))
        os.close(slave)
        os.set_blocking(master, False)
        fds.append(master)
        gl.append(gate)
    drains = [Client.__new__(Client) for _ in fds]
    for d, fd in zip(drains, fds):
        d.master, d.buf, d.total, d.reads = fd, bytearray(), 0, []
    t0 = g.release(gl)
    t1 = g.wait_done(k, clients=drains)
    for p, fd in zip(procs, fds):
        p.wait()
        os.close(fd)
    return t1 - t0


# ---------------------------------------------------------------- scenarios

def sc_run(a, out):
    """`bgmux run` round trip with the server up (process start to exit)."""
    m = Mux(a.bin, "run")
    try:
        m.start()
        n = 10 if a.quick else 60
        for _ in range(5):
            m.run_argv("true")
        res = {}
        for name, argv in (("run", m.argv("run", "--", "true")),
                           ("ls", m.argv("ls")),
                           # What the `init` snippets run at every shell prompt.
                           ("prompt-hook", m.argv("prompt-hook", "--since", "0")),
                           ("version", [a.bin, "--version"]),
                           ("/bin/true", ["/bin/true"])):
            ts = []
            for _ in range(n):
                t0 = now()
                subprocess.run(argv, env=m.env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                ts.append((now() - t0) * 1000)
            res[name] = stats(ts)
            log(f"run: {name}: median {res[name]['median']:.2f} ms")
        out["run"] = res
    finally:
        m.close()


def settle(pid, timeout=10.0):
    last, stable, t_end = None, 0, now() + timeout
    while now() < t_end:
        r = rss_pss(pid)
        stable = stable + 1 if r == last else 0
        if stable >= 3:
            break
        last = r
        time.sleep(0.2)
    return rss_pss(pid)


def sc_idle(a, out):
    """Server RSS/PSS with N idle tasks (exec sleep), per-task cost."""
    counts = [1, 10, 100] if a.quick else [1, 10, 100, 1000]
    res = {}
    for n in counts:
        m = Mux(a.bin, f"idle{n}")
        try:
            m.start()
            base = settle(m.server)
            t0 = now()
            for _ in range(n):
                m.run_argv("sleep", "100000")
            start_s = now() - t0
            rss, pss = settle(m.server)
            res[n] = {"rss0": base[0], "pss0": base[1], "rss": rss, "pss": pss,
                      "per_task_rss": (rss - base[0]) / n, "per_task_pss": (pss - base[1]) / n,
                      "start_ms_per_task": start_s * 1000 / n}
            log(f"idle {n}: rss {rss / 1e6:.2f} MB, {res[n]['per_task_rss'] / 1e3:.1f} kB/task, "
                f"start {res[n]['start_ms_per_task']:.2f} ms/task")
        finally:
            m.close()
    out["idle"] = res


def sc_flood(a, out):
    """k tasks flooding at once (cat of a 10 MB text file each), bgmux vs raw."""
    d = tempfile.mkdtemp(prefix="bgx-flood-")
    try:
        lines = 20_000 if a.quick else 100_000
        f = os.path.join(d, "text.txt")
        size = text_file(f, lines)
        res = {}
        for k in ([1, 4] if a.quick else [1, 4, 16]):
            raw_t, bg_t, cpu = [], [], []
            for r in range(a.runs):
                gd = tempfile.mkdtemp(dir=d)
                raw_t.append(raw_flood(gd, k, f))
                m = Mux(a.bin, f"flood{k}")
                try:
                    m.start()
                    g = Gates(m.dir)
                    gates, tasks = [], []
                    for _ in range(k):
                        gate, cmd = g.wrap(f"cat {f}")
                        tasks.append(m.run(cmd, "--history-limit", "2000"))
                        gates.append(gate)
                    c0 = cpu_ms(m.server)
                    t0 = g.release(gates)
                    bg_t.append(g.wait_done(k) - t0)
                    # The server's CPU until every emulator has caught up
                    # (`capture` waits for that), not only until the
                    # generators are done.
                    for t in tasks:
                        m.bg("wait", str(t))
                        m.bg("capture", str(t))
                    cpu.append(cpu_ms(m.server) - c0)
                finally:
                    m.close()
                log(f"flood {k}: raw {raw_t[-1] * 1000:.0f} ms, bgmux {bg_t[-1] * 1000:.0f} ms "
                    f"(server cpu {cpu[-1]:.0f} ms)")
            res[k] = {"bytes": size * k, "raw_s": stats(raw_t), "bgmux_s": stats(bg_t),
                      "server_cpu_ms": stats(cpu)}
        out["flood"] = res
    finally:
        shutil.rmtree(d, ignore_errors=True)


def cpu_flood_once(bin_path, name, cmd):
    """One gated flood `cmd` in a fresh server of `bin_path`: (server CPU ns,
    seconds until the generator is done)."""
    m = Mux(bin_path, f"cpu-{name}")
    try:
        m.start()
        g = Gates(m.dir)
        gate, wrapped = g.wrap(cmd)
        task = m.run(wrapped, "--history-limit", "2000")
        c0 = server_cpu_ns(m.server)
        t0 = g.release([gate])
        done = g.wait_done(1) - t0
        # Until the server has emulated the last byte, not only until the
        # generator wrote it: `wait` returns once the task ended, and the
        # emulator of a task nobody shows may still be behind then;
        # `capture` catches it up before it answers.
        m.bg("wait", str(task))
        m.bg("capture", str(task))
        return server_cpu_ns(m.server) - c0, done
    finally:
        m.close()


def sc_cpu(a, out):
    """Server CPU per byte in a detached flood of muxbench's `text`, `sgr` and
    `seq` workloads: the lever behind the flood ratios, and a steadier figure
    than a wall-clock ratio on a shared machine. With `--against OTHER_BIN`,
    each run floods OTHER_BIN's server right after this one's, so that two
    builds are compared on the same moments of the machine."""
    d = tempfile.mkdtemp(prefix="bgx-cpu-")
    try:
        scale = 0.2 if a.quick else 1.0
        text, sgr = os.path.join(d, "text.txt"), os.path.join(d, "sgr.txt")
        seq_n = int(2_000_000 * scale)
        work = {"text": (f"cat {text}", text_file(text, int(300_000 * scale))),
                "sgr": (f"cat {sgr}", sgr_file(sgr, int(200_000 * scale))),
                "seq": (f"seq 1 {seq_n}", sum(len(str(i)) + 1 for i in range(1, seq_n + 1)))}
        res = {}
        for name, (cmd, size) in work.items():
            raw_t, bg_t, cpu, other_cpu = [], [], [], []
            for _ in range(a.runs):
                if cmd.startswith("cat "):
                    raw_t.append(raw_flood(tempfile.mkdtemp(dir=d), 1, cmd[4:]))
                c, t = cpu_flood_once(a.bin, name, cmd)
                cpu.append(c)
                bg_t.append(t)
                line = f"cpu {name}: server {c / size:.2f} ns/B, flood {t * 1000:.0f} ms"
                if a.against:
                    c, _ = cpu_flood_once(a.against, name, cmd)
                    other_cpu.append(c)
                    line += f"; --against: {c / size:.2f} ns/B"
                log(line)
            res[name] = {"bytes": size, "server_ns_per_byte": stats([c / size for c in cpu]),
                         "bgmux_s": stats(bg_t), "raw_s": stats(raw_t)}
            if a.against:
                res[name]["against_ns_per_byte"] = stats([c / size for c in other_cpu])
        out["cpu"] = res
    finally:
        shutil.rmtree(d, ignore_errors=True)


def split_flood_once(a, k, f, marker_base):
    """k tasks in a split view of one attached client flood f; (done, drawn) s."""
    m = Mux(a.bin, f"split{k}")
    try:
        m.start()
        g = Gates(m.dir)
        gates, markers, ids = [], [], []
        for i in range(k):
            marker = f"QZXJ{marker_base}{'VWXYZ'[i]}KVQZ"
            gate, cmd = g.wrap(f"cat {f}", hold=True, marker=marker)
            ids.append(m.run(cmd, "--history-limit", "2000"))
            gates.append(gate)
            markers.append(marker.encode())
        c = m.attach(ids[0], rows=48, cols=160)
        c.quiet()
        if k > 1:
            c.command("split " + " ".join(map(str, ids)))
            c.quiet()
        c.mark()
        t0 = g.release(gates)
        done = g.wait_done(k, clients=[c]) - t0
        drawn = c.wait_for(lambda s: all(mk in s for mk in markers), timeout=30)
        c.close()
        return done, (drawn - t0) if drawn else None
    finally:
        m.close()


def sc_split(a, out):
    """A flood in each of 4 split panes vs the same flood in one pane."""
    d = tempfile.mkdtemp(prefix="bgx-split-")
    try:
        f = os.path.join(d, "text.txt")
        size = text_file(f, 20_000 if a.quick else 100_000)
        res = {1: {"done": [], "drawn": []}, 4: {"done": [], "drawn": []}, "raw": {1: [], 4: []}}
        for r in range(a.runs):
            for k in (1, 4):
                done, drawn = split_flood_once(a, k, f, f"{r}{k}")
                res[k]["done"].append(done)
                res[k]["drawn"].append(drawn)
                res["raw"][k].append(raw_flood(tempfile.mkdtemp(dir=d), k, f))
                log(f"split {k}: done {done * 1000:.0f} ms, drawn "
                    f"{(drawn or 0) * 1000:.0f} ms, raw {res['raw'][k][-1] * 1000:.0f} ms")
        out["split"] = {"bytes_per_pane": size,
                        "1": {"done": stats(res[1]["done"]),
                              "drawn": stats([x for x in res[1]["drawn"] if x])},
                        "4": {"done": stats(res[4]["done"]),
                              "drawn": stats([x for x in res[4]["drawn"] if x])},
                        "raw1": stats(res["raw"][1]), "raw4": stats(res["raw"][4])}
    finally:
        shutil.rmtree(d, ignore_errors=True)


def latency(c, samples, seed=7):
    """Keystroke → echo (ms) for a `cat` pane, as muxbench does it."""
    rnd = random.Random(seed)
    out = []
    for i in range(samples + 10):
        if i and i % 60 == 0:
            c.type(b"\r")
            c.drain_for(0.1)
        key = KEYS[i % len(KEYS):i % len(KEYS) + 1]
        c.pump()
        c.mark()
        t0 = now()
        c.type(key)
        t1 = c.wait_for(lambda s: key in s, timeout=5)
        if i >= 10:
            out.append((t1 - t0) * 1000 if t1 else 5000.0)
        time.sleep(rnd.uniform(0.002, 0.006))
    return out


def sc_latency(a, out):
    """Keystroke latency in a `cat` pane with 4 other panes idle, then flooding."""
    d = tempfile.mkdtemp(prefix="bgx-lat-")
    m = Mux(a.bin, "lat")
    try:
        f = os.path.join(d, "text.txt")
        text_file(f, 100_000)  # 10 MB per pass
        m.start()
        g = Gates(m.dir)
        cat = m.run_argv("cat")
        gates, ids = [], []
        for _ in range(4):
            gate, cmd = g.wrap(f"while :; do cat {f}; done")
            ids.append(m.run(cmd, "--history-limit", "2000"))
            gates.append(gate)
        c = m.attach(cat, rows=48, cols=160)
        c.quiet()
        c.command("split " + " ".join(map(str, [cat] + ids)))
        c.quiet()
        n = 40 if a.quick else 200
        idle = latency(c, n)
        log(f"latency, 4 idle panes: p50 {statistics.median(idle):.2f} ms")
        g.release(gates)
        c.drain_for(0.5)
        c0 = cpu_ms(m.server)
        t0 = now()
        busy = latency(c, n)
        busy_s = now() - t0
        cpu = cpu_ms(m.server) - c0
        log(f"latency, 4 flooding panes: p50 {statistics.median(busy):.2f} ms, max {max(busy):.1f} ms")
        before = c.total
        c.drain_for(1.0)
        out["latency"] = {"idle": stats(idle), "busy": stats(busy),
                          "server_cpu_share": cpu / 1000 / busy_s,
                          "client_bytes_per_s_busy": c.total - before}
        c.close()
    finally:
        m.close()
        shutil.rmtree(d, ignore_errors=True)


def frames_per_s(reads, gap=0.004):
    """Groups pty reads separated by less than `gap` into frames."""
    if len(reads) < 2:
        return 0.0
    frames, last = 1, reads[0][0]
    for t, _ in reads[1:]:
        if t - last > gap:
            frames += 1
        last = t
    return frames / (reads[-1][0] - reads[0][0])


def open_switcher(c, samples, settle=10.0):
    """Opens and closes the switcher `samples` times; ms to its help line.

    Before each opening the screen is let settle for up to `settle` s; a
    previewed flood never settles, so that case passes a short bound
    instead of waiting out the whole timeout every time."""
    ts = []
    for _ in range(samples):
        c.quiet(0.15, timeout=settle)
        c.mark()
        t0 = now()
        c.type(PREFIX + b"t")
        t1 = c.wait_for(lambda s: b"Enter view" in s, timeout=10)
        ts.append((t1 - t0) * 1000 if t1 else 10000.0)
        c.type(b"q")
    return ts


def sc_switcher(a, out):
    """Switcher open time with 1000 idle tasks; with a previewed flood."""
    res = {}
    n = 100 if a.quick else 1000
    m = Mux(a.bin, "sw")
    try:
        m.start()
        first = m.run_argv("cat")
        for _ in range(n - 1):
            m.run_argv("sleep", "100000")
        c = m.attach(first)
        c.quiet()
        res["tasks"] = n
        res["open_idle"] = stats(open_switcher(c, 5 if a.quick else 15))
        log(f"switcher with {n} tasks: open p50 {res['open_idle']['median']:.1f} ms")
        c.close()
    finally:
        m.close()
    d = tempfile.mkdtemp(prefix="bgx-sw-")
    m = Mux(a.bin, "swflood")
    try:
        f = os.path.join(d, "text.txt")
        text_file(f, 100_000)
        m.start()
        m.run_argv("cat")
        flood = m.run(f"while :; do cat {f}; done", "--history-limit", "2000")
        c = m.attach(flood)
        c.drain_for(1.0)
        rate0 = json.loads(m.bg("ls", "--json").stdout)
        t0 = now()
        res["open_flood"] = stats(open_switcher(c, 5 if a.quick else 15, settle=0.5))
        c.type(PREFIX + b"t")
        c.wait_for(lambda s: b"Enter view" in s, timeout=10)
        c.reads.clear()
        c.drain_for(2.0, record=True)
        res["preview_fps"] = frames_per_s(c.reads)
        rate1 = json.loads(m.bg("ls", "--json").stdout)
        dt = now() - t0
        b = lambda ls: sum(t.get("output_bytes", 0) for t in ls if t.get("id") == flood)
        res["flood_mb_s"] = (b(rate1) - b(rate0)) / dt / 1e6
        log(f"switcher previewing a {res['flood_mb_s']:.0f} MB/s flood: open p50 "
            f"{res['open_flood']['median']:.1f} ms, {res['preview_fps']:.0f} frames/s")
        c.close()
    finally:
        m.close()
        shutil.rmtree(d, ignore_errors=True)
    out["switcher"] = res


def sc_reattach(a, out):
    """What muxbench's `reattach` figure is made of. muxbench starts the
    client with `subprocess.Popen(..., preexec_fn=TIOCSCTTY)` in a fresh pty
    and times until the last line is drawn. The same start of `printf` (the
    harness's floor: any program's first output) and of `bgmux --version`
    (bgmux's own process start) beside `bgmux attach` of a task with 100 000
    lines of history separate the harness from bgmux. Then `printf` and
    `bgmux attach` started with `posix_spawn`, as a shell starts a command:
    the reattach a person sees, with the harness's own start-up cost mostly
    gone."""
    n = 10 if a.quick else 40
    lines = 1000 if a.quick else 100_000
    m = Mux(a.bin, "reattach")
    try:
        m.start()
        mark = "REATTACHMARK"
        task = m.run(f"seq 1 {lines}; printf '%s\\n' {mark}; exec sleep 100000")
        deadline = now() + 60
        while mark not in m.bg("capture", str(task)).stdout:
            if now() > deadline:
                raise RuntimeError("the history task did not finish")
            time.sleep(0.05)
        res = {"history_lines": lines}
        for name, argv, want, lean in (
                ("printf", ["printf", "%s\\n", mark], mark, False),
                ("version", m.argv("--version"), "bgmux", False),
                ("attach", m.argv("attach", str(task)), mark, False),
                ("printf-spawn", ["printf", "%s\\n", mark], mark, True),
                ("attach-spawn", m.argv("attach", str(task)), mark, True)):
            ts = []
            for _ in range(n):
                t0 = now()
                c = Client(argv, m.env, 24, 80, lean=lean)
                t1 = c.wait_for(lambda text: want.encode() in text, timeout=10)
                c.close()
                if t1 is None:
                    raise RuntimeError(f"{name}: no {want!r} within 10 s")
                ts.append((t1 - t0) * 1000)
                # As muxbench does between reattaches: the server sees the
                # hang-up and the client is gone before the next one.
                time.sleep(0.2)
            res[name] = stats(ts)
            log(f"reattach: {name}: median {res[name]['median']:.2f} ms")
        mb = shared_muxbench()
        for name, argv, want in (("printf-muxbench", ["printf", "%s\\n", mark], mark),
                                 ("attach-muxbench", m.argv("attach", str(task)), mark)):
            if mb is None:
                break
            ts = []
            for _ in range(n):
                # muxbench's own functions, as its `_reattach` calls them.
                t0 = mb.now()
                proc, master = mb.spawn_in_pty(argv, m.env)
                drain = mb.Drain(master, keep_tail=1 << 16, name="reattach")
                seen = {}

                def drawn():
                    if want.encode() in drain.tail_text():
                        seen["t"] = drain.last_data_t
                        return True
                    return False

                if not mb.pump_until(drawn, 10, drains=[drain]):
                    raise RuntimeError(f"{name}: no {want!r} within 10 s")
                ts.append((seen["t"] - t0) * 1000)
                os.close(master)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                time.sleep(0.2)
            res[name] = stats(ts)
            log(f"reattach: {name}: median {res[name]['median']:.2f} ms")
        out["reattach"] = res
    finally:
        m.close()


def shared_muxbench():
    """muxbench itself (`../shared/bench`, or `$BGMUX_SHARED/bench`), or None."""
    shared = os.environ.get("BGMUX_SHARED") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")
    path = os.path.join(shared, "bench")
    if not os.path.exists(os.path.join(path, "muxbench.py")):
        return None
    sys.path.insert(0, path)
    import muxbench  # noqa: E402 - found at run time
    return muxbench


SCENARIOS = {"run": sc_run, "reattach": sc_reattach, "idle": sc_idle, "flood": sc_flood,
             "cpu": sc_cpu, "split": sc_split, "latency": sc_latency, "switcher": sc_switcher}


# ---------------------------------------------------------------- report

def ms(s, key="median"):
    return f"{s[key]:.1f} ms" if s.get("n") else "—"


def markdown(r):
    o = [f"Machine: {r['machine']}; loadavg start `{r['load_start']}` end `{r['load_end']}`; "
         f"{r['elapsed_s']:.0f} s\n"]
    if "run" in r:
        x = r["run"]
        o += ["### `bgmux run` round trip (server up; process start to exit, median [min–max] of "
              f"{x['run']['n']})\n", "| command | median | min | max |", "|---|---|---|---|"]
        for k, v in x.items():
            o.append(f"| `{k}` | {v['median']:.2f} ms | {v['min']:.2f} ms | {v['max']:.2f} ms |")
        o.append("")
    if "reattach" in r:
        x = r["reattach"]
        o += ["### What a reattach costs: client start to the last line drawn "
              f"(history {x['history_lines']} lines; the first three started as muxbench starts a client; "
              f"median [min–max] of {x['attach']['n']})\n",
              "| started | median | min | max |", "|---|---|---|---|"]
        for k, label in (("printf", "`printf` (the harness's floor)"),
                         ("version", "`bgmux --version`"), ("attach", "`bgmux attach`"),
                         ("printf-muxbench", "`printf`, started by muxbench's own `spawn_in_pty`"),
                         ("attach-muxbench", "`bgmux attach`, started by muxbench's own `spawn_in_pty`"),
                         ("printf-spawn", "`printf`, started with `posix_spawn`"),
                         ("attach-spawn", "`bgmux attach`, started with `posix_spawn`")):
            if k not in x:
                continue
            v = x[k]
            o.append(f"| {label} | {v['median']:.2f} ms | {v['min']:.2f} ms | {v['max']:.2f} ms |")
        o.append(f"\nbgmux's own part of a reattach (attach − printf, medians): "
                 f"{x['attach']['median'] - x['printf']['median']:.2f} ms.\n")
        if "attach-muxbench" in x:
            o.append(f"muxbench's own `spawn_in_pty` takes {x['printf-muxbench']['median']:.2f} ms "
                     f"to show `printf`'s line and {x['attach-muxbench']['median']:.2f} ms to show "
                     f"a reattach's last line.\n")
        if "attach-spawn" in x:
            o.append(f"Started as a shell starts it (`posix_spawn`), a reattach draws its "
                     f"last line {x['attach-spawn']['median']:.2f} ms after the start "
                     f"(`printf` {x['printf-spawn']['median']:.2f} ms).\n")
    if "idle" in r:
        o += ["### Idle tasks: server memory (`exec sleep` tasks, RSS/PSS from smaps_rollup)\n",
              "| tasks | server RSS | server PSS | RSS per task | PSS per task | `run` per task |",
              "|---|---|---|---|---|---|"]
        for n, v in r["idle"].items():
            o.append(f"| {n} | {v['rss'] / 1e6:.2f} MB | {v['pss'] / 1e6:.2f} MB | "
                     f"{v['per_task_rss'] / 1e3:.1f} kB | {v['per_task_pss'] / 1e3:.1f} kB | "
                     f"{v['start_ms_per_task']:.2f} ms |")
        o.append("\n(per task = (RSS with N tasks − RSS of the same server with none) / N)\n")
    if "flood" in r:
        o += ["### Tasks flooding at once (each `cat` of a 10 MB text file, detached; median)\n",
              "| tasks | MB | raw ptys | bgmux | bgmux MB/s | ×raw | server CPU |",
              "|---|---|---|---|---|---|---|"]
        for k, v in r["flood"].items():
            raw, bgm = v["raw_s"]["median"], v["bgmux_s"]["median"]
            o.append(f"| {k} | {v['bytes'] / 1e6:.0f} | {raw * 1000:.0f} ms ({v['bytes'] / raw / 1e6:.0f} MB/s) "
                     f"| {bgm * 1000:.0f} ms | {v['bytes'] / bgm / 1e6:.0f} | ×{bgm / raw:.2f} | "
                     f"{v['server_cpu_ms']['median']:.0f} ms |")
        o.append("\n(bgmux: until every generator is done; server CPU: until every task's "
                 "emulator has caught up, as `bgmux capture` waits for)\n")
    if "cpu" in r:
        o += ["### Server CPU per byte, one detached flood (muxbench's workloads, "
              "`--history-limit 2000`; median [min–max])\n",
              "| workload | MB | server CPU | flood (bgmux) | flood (raw pty) |", "|---|---|---|---|---|"]
        for k, v in r["cpu"].items():
            c = v["server_ns_per_byte"]
            raw = f"{v['raw_s']['median'] * 1000:.0f} ms" if v["raw_s"].get("n") else "—"
            o.append(f"| {k} | {v['bytes'] / 1e6:.1f} | {c['median']:.2f} ns/B [{c['min']:.2f}–{c['max']:.2f}] "
                     f"| {v['bgmux_s']['median'] * 1000:.0f} ms | {raw} |")
        if any("against_ns_per_byte" in v for v in r["cpu"].values()):
            o += [f"\nAgainst `{r['args']['against']}`, alternating run by run:\n",
                  "| workload | this build | the other | this / other |", "|---|---|---|---|"]
            for k, v in r["cpu"].items():
                c, x = v["server_ns_per_byte"], v["against_ns_per_byte"]
                o.append(f"| {k} | {c['median']:.2f} ns/B | {x['median']:.2f} ns/B | "
                         f"×{c['median'] / x['median']:.3f} |")
        o.append("\n(CPU of all server threads, from /proc/PID/task/*/schedstat, from the release "
                 "of the task until `bgmux wait` and then `bgmux capture`, which waits for the "
                 "emulator to catch up, return: reading, logging, emulating.)\n")
    if "split" in r:
        x = r["split"]
        d1, d4 = x["1"]["done"]["median"], x["4"]["done"]["median"]
        o += [f"### Split view: 4 panes each flooding {x['bytes_per_pane'] / 1e6:.0f} MB vs one pane "
              "(attached 160×48 client; median)\n",
              "| | 1 pane | 4 panes | 4 / 1 |", "|---|---|---|---|",
              f"| bgmux, task done | {d1 * 1000:.0f} ms | {d4 * 1000:.0f} ms | ×{d4 / d1:.2f} |"]
        if x["1"]["drawn"].get("n") and x["4"]["drawn"].get("n"):
            w1, w4 = x["1"]["drawn"]["median"], x["4"]["drawn"]["median"]
            o.append(f"| bgmux, last line drawn | {w1 * 1000:.0f} ms | {w4 * 1000:.0f} ms | ×{w4 / w1:.2f} |")
        r1, r4 = x["raw1"]["median"], x["raw4"]["median"]
        o += [f"| raw ptys (no multiplexer) | {r1 * 1000:.0f} ms | {r4 * 1000:.0f} ms | ×{r4 / r1:.2f} |", ""]
    if "latency" in r:
        x = r["latency"]
        o += ["### Keystroke latency in a `cat` pane beside 4 other panes (5-pane split, 160×48)\n",
              "| other panes | p50 | p90 | p99 | max | samples |", "|---|---|---|---|---|---|"]
        for k, label in (("idle", "idle"), ("busy", "each flooding (`cat` of 10 MB in a loop)")):
            v = x[k]
            o.append(f"| {label} | {v['median']:.2f} ms | {v['p90']:.2f} ms | {v['p99']:.2f} ms | "
                     f"{v['max']:.1f} ms | {v['n']} |")
        o.append(f"\nServer CPU while flooding: {x['server_cpu_share'] * 100:.0f} % of a core.\n")
    if "switcher" in r:
        x = r["switcher"]
        o += ["### Switcher (`C-b t` until its help line is drawn)\n",
              "| case | p50 | max |", "|---|---|---|",
              f"| {x['tasks']} idle tasks | {ms(x['open_idle'])} | {ms(x['open_idle'], 'max')} |"]
        if "open_flood" in x:
            o.append(f"| previewing a task flooding at {x['flood_mb_s']:.0f} MB/s | "
                     f"{ms(x['open_flood'])} | {ms(x['open_flood'], 'max')} |")
            o.append(f"\nFrames to the client while previewing the flood: {x['preview_fps']:.0f} per second.\n")
    return "\n".join(o) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=shutil.which("bgmux") or "bgmux")
    ap.add_argument("--only", default=",".join(SCENARIOS), help="comma list of " + ",".join(SCENARIOS))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--against", help="`cpu`: a second bgmux binary, flooded right after "
                    "--bin in every run, to compare two builds")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--md")
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)
    if a.against:
        a.against = os.path.abspath(a.against)
    if a.quick:
        a.runs = 1
    load = lambda: open("/proc/loadavg").read().strip()
    r = {"machine": f"{platform.processor() or platform.machine()} × {os.cpu_count()}, "
                    f"`{' '.join(platform.uname()[0:3])}`",
         "bin": a.bin, "version": subprocess.run([a.bin, "--version"], capture_output=True,
                                                 text=True).stdout.strip(),
         "load_start": load(), "args": vars(a)}
    t0 = now()
    for name in a.only.split(","):
        log(f"scenario {name}")
        try:
            SCENARIOS[name](a, r)
        except Exception as e:  # one scenario failing must not lose the others
            log(f"{name} failed: {e!r}")
            r.setdefault("errors", {})[name] = repr(e)
    r["elapsed_s"] = now() - t0
    r["load_end"] = load()
    md = markdown(r)
    print(md)
    if a.md:
        with open(a.md, "w") as f:
            f.write(md)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=1, default=str)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Records what real programs write to an 80x24 terminal, for the replay
tests (tests/emulator/recorded.rs). Run once; the outputs are committed.

    python3 tests/recordings/record.py            # all
    python3 tests/recordings/record.py vim-edit   # one

Each recording runs its program under a fresh pty with TERM=xterm-256color,
types its keys with pauses (this script may sleep; the tests never do) and
saves every byte the program wrote, exactly as the pty master read them.
The program is killed at the end rather than quit, so the final screen is
the program's own (the tests compare final screens with tmux).
"""
import os, pty, select, struct, fcntl, termios, time, sys, tempfile, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS, COLS = 24, 80


def run(argv, keys, cwd, settle=0.4):
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        env = {"TERM": "xterm-256color", "HOME": cwd, "PATH": "/usr/bin:/bin",
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "LESSHISTFILE": "-"}
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    out = bytearray()

    def drain(seconds):
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    return False
                if not data:
                    return False
                out.extend(data)
        return True

    drain(1.0)
    for k in keys:
        if isinstance(k, float):
            drain(k)
            continue
        os.write(fd, k.encode())
        if not drain(settle):
            break
    drain(1.0)
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    return bytes(out)


def vim_edit(tmp):
    with open(os.path.join(tmp, "hello.py"), "w") as f:
        for i in range(40):
            f.write(f"def function_{i}(x):\n    return x * {i}  # comment {i}\n\n")
    keys = ["5G", "dd", "o", "    print('inserted line')", "\x1b", "/comment 7\r",
            "cwCOMMENT", "\x1b", "15j", "3dd", "u", "G", "gg", "\x06", "\x02",
            "Vjj>", ":%s/return/yield/g\r"]
    return run(["vim", "-u", "NONE", "-N", "-i", "NONE", "-c", "syntax on",
                "-c", "set number ruler", "hello.py"], keys, tmp)


def less_paging(tmp):
    with open(os.path.join(tmp, "log.txt"), "w") as f:
        for i in range(300):
            color = 31 + i % 7
            f.write(f"{i:04d} \x1b[{color}mlevel{i % 5}\x1b[m message number {i} "
                    f"{'x' * (i % 70)}\n")
    keys = [" ", " ", "b", "j", "j", "k", "/number 2[0-9]\r", "n", "N", "G", "g",
            "\x04", "\x15"]
    return run(["less", "-R", "log.txt"], keys, tmp)


def top_refresh(tmp):
    return run(["top", "-d", "0.3"], [1.2], tmp)


RECORDINGS = {"vim-edit": vim_edit, "less-paging": less_paging, "top-refresh": top_refresh}

if __name__ == "__main__":
    names = sys.argv[1:] or list(RECORDINGS)
    for name in names:
        tmp = tempfile.mkdtemp()
        try:
            data = RECORDINGS[name](tmp)
        finally:
            shutil.rmtree(tmp)
        with open(os.path.join(HERE, f"{name}.bytes"), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")

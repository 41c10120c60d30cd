#!/usr/bin/python3
"""Runs one client process and measures it the same way for every client.

usage: measure.py RESULT_JSON STDOUT_FILE STDERR_FILE TIMEOUT_S -- CMD [ARGS...]

Writes RESULT_JSON: wall seconds (fork to exit), exit code, CPU user and system
seconds, peak RSS, and the bytes the client read and wrote through syscalls
(/proc/PID/io rchar/wchar: sockets, files and pipes alike).

How: fork, exec `/usr/bin/time -f %M -o FILE CMD...`; /usr/bin/time forks CMD
from its own small process (so CMD's peak RSS is CMD's, not this Python's) and
reaps it, which adds CMD's I/O counters to time's cumulative counters. We wait
for time with waitid(WNOWAIT), so that the exited process stays a zombie and
/proc/PID/io can still be read (it vanishes once reaped: Node's child_process
reaps at once, hence this helper), then reap it with wait4 for the CPU times
(time's own ~1 ms included). time's own I/O is its one-line output file.

Without /usr/bin/time (package `time`), CMD is exec'd directly and its peak RSS
is sampled from /proc/PID/status VmHWM every 10 ms while it runs (the field
belongs to the exec'd image, so it is CMD's own; a peak in the last 10 ms can
be missed). The result says which method was used ("rssMethod").
"""
import json
import os
import signal
import sys
import time


def read_io(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                k, v = line.split(":")
                out[k.strip()] = int(v)
    except OSError as e:
        out["error"] = str(e)
    return out


def read_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def main():
    args = sys.argv[1:]
    if len(args) < 6 or args[4] != "--":
        sys.stderr.write(__doc__)
        return 2
    result_path, out_path, err_path, timeout_s = args[0], args[1], args[2], float(args[3])
    cmd = args[5:]
    out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null_fd = os.open("/dev/null", os.O_RDONLY)
    rss_path = result_path + ".rss"
    use_time = os.access("/usr/bin/time", os.X_OK)
    if use_time:
        cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_path] + cmd
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(null_fd, 0)
            os.dup2(out_fd, 1)
            os.dup2(err_fd, 2)
            os.setpgid(0, 0)
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    def stop(signum, frame):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        os._exit(130)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    timed_out = []

    def on_alarm(signum, frame):
        timed_out.append(True)
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    # Blocks until the child exits, without reaping it: WNOWAIT keeps the zombie
    # (and its /proc/PID/io). Interrupted by the alarm, the call is retried (PEP 475).
    hwm = None
    if use_time:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    else:
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None:
            v = read_hwm(pid)
            if v is not None and (hwm is None or v > hwm):
                hwm = v
            time.sleep(0.01)
    wall = time.monotonic() - t0
    signal.setitimer(signal.ITIMER_REAL, 0)
    io = read_io(pid)
    _, status, ru = os.wait4(pid, 0)
    max_rss = hwm
    if use_time:
        try:
            with open(rss_path) as f:
                rss = [l.strip() for l in f if l.strip()]
            max_rss = int(rss[-1])
            os.unlink(rss_path)
        except (OSError, ValueError, IndexError):
            max_rss = None
    res = {
        "wall": wall,
        "exitCode": os.waitstatus_to_exitcode(status),
        "timedOut": bool(timed_out),
        "cpuUser": ru.ru_utime,
        "cpuSys": ru.ru_stime,
        "maxRssKiB": max_rss,
        "rssMethod": "/usr/bin/time %M" if use_time else "VmHWM sampled every 10 ms",
        "io": io,
    }
    with open(result_path, "w") as f:
        json.dump(res, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# db_bench.py -- the Container_Map database's figures, on the dummy
# datapath (no DPDK, no root): for each table size N,
#   - "load" of N mappings through the database (one transaction),
#   - ovsdb-server's and ovs-vswitchd's memory per mapping,
#   - kill -9 of ovs-vswitchd, then the time from its start to a complete
#     table (container-map/database "durable" and show's count N),
#   - the latency of 1,000 single durable changes (container-map/add over
#     one unixctl connection: check, apply, commit, reply), median and p99.
#
#   db_bench.py --builddir OVS_TREE [--pythondir DIR] --workdir DIR
#               --results DIR [--smoke]
#
# Writes db.json and db.txt into the results directory.  --smoke: 1k only,
# 100 changes (the "bench" suite of make check runs it; no figure is
# asserted there).

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

FULL_SIZES = [1000, 65536, 1048576]
SMOKE_SIZES = [1000]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Lab:
    def __init__(self, builddir, pythondir, workdir):
        self.b = builddir
        self.py = pythondir
        self.d = workdir
        self.env = dict(os.environ, OVS_RUNDIR=workdir, OVS_LOGDIR=workdir,
                        OVS_DBDIR=workdir, OVS_SYSCONFDIR=workdir)
        self.sock = "unix:" + os.path.join(workdir, "db.sock")

    def prog(self, name):
        for sub in ("ovsdb", "vswitchd", "utilities"):
            p = os.path.join(self.b, sub, name)
            if os.path.exists(p):
                return p
        raise FileNotFoundError(name)

    def run(self, *args, **kw):
        return subprocess.run([self.prog(args[0])] + list(args[1:]),
                              env=self.env, check=True, text=True,
                              capture_output=True, **kw).stdout

    def appctl(self, *args):
        return self.run("ovs-appctl", "--timeout=600", *args)

    def pid(self, name):
        with open(os.path.join(self.d, name + ".pid")) as f:
            return int(f.read())

    def start(self):
        shutil.rmtree(self.d, ignore_errors=True)
        os.makedirs(self.d)
        self.run("ovsdb-tool", "create", os.path.join(self.d, "conf.db"),
                 os.path.join(self.b, "vswitchd", "vswitch.ovsschema"))
        self.run("ovsdb-tool", "create", os.path.join(self.d, "cm.db"),
                 os.path.join(self.b, "cmext", "ofproto-ext",
                              "container-map.ovsschema"))
        self.run("ovsdb-server", "conf.db", "cm.db", "--detach",
                 "--no-chdir", "--pidfile", "--log-file",
                 "--remote=p" + self.sock, cwd=self.d)
        self.run("ovs-vsctl", "--no-wait", "init")
        self.start_vswitchd()
        self.run("ovs-vsctl", "add-br", "br0", "--", "set", "bridge", "br0",
                 "datapath_type=dummy", "fail-mode=secure", "--",
                 "add-port", "br0", "p1", "--", "set", "interface", "p1",
                 "type=dummy", "ofport_request=1", "--",
                 "add-port", "br0", "p2", "--", "set", "interface", "p2",
                 "type=dummy", "ofport_request=2")

    def start_vswitchd(self):
        t0 = time.monotonic()
        self.run("ovs-vswitchd", "--enable-dummy", "--disable-system",
                 "--disable-system-route", "--detach", "--no-chdir",
                 "--pidfile", "--log-file", cwd=self.d)
        return t0

    def durable(self):
        try:
            out = self.appctl("container-map/database")
        except subprocess.CalledProcessError:
            return False
        return out.splitlines()[0].endswith(": durable")

    def n_mappings(self):
        head = self.appctl("container-map/show", "br0").splitlines()[0]
        return int(head.split(": ")[1].split()[0])

    def crash_and_restart(self, n):
        pid = self.pid("ovs-vswitchd")
        os.kill(pid, signal.SIGKILL)
        while os.path.exists("/proc/%d" % pid):
            time.sleep(0.001)
        t0 = self.start_vswitchd()
        while not (self.durable() and self.n_mappings() == n):
            time.sleep(0.005)
        return time.monotonic() - t0

    def stop(self):
        for name in ("ovs-vswitchd", "ovsdb-server"):
            try:
                os.kill(self.pid(name), signal.SIGTERM)
            except (OSError, ValueError):
                pass


def mappings_file(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write("203.0.113.%d tcp %d 02:00:00:00:%02x:%02x p2\n"
                    % (1 + i // 60000, 1 + i % 60000, (i >> 8) & 0xff,
                       i & 0xff))


def change_latency(lab, count):
    """'count' container-map/add over one unixctl connection, in ms."""
    sys.path.insert(0, lab.py)
    import ovs.unixctl.client
    target = os.path.join(lab.d, "ovs-vswitchd.%d.ctl"
                          % lab.pid("ovs-vswitchd"))
    error, client = ovs.unixctl.client.UnixctlClient.create(target)
    if error:
        raise OSError(error, "unixctl " + target)
    times = []
    for i in range(count):
        args = ["br0", "198.51.100.1", "udp", str(1 + i),
                "02:00:00:01:%02x:%02x" % ((i >> 8) & 0xff, i & 0xff), "p2"]
        t0 = time.monotonic()
        error, err, out = client.transact("container-map/add", args)
        times.append((time.monotonic() - t0) * 1000)
        if error or err:
            raise RuntimeError("container-map/add: %s %s" % (error, err))
    client.close()
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1,
                                             len(times) * 99 // 100)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--pythondir",
                    help="OVS's Python library (default: BUILDDIR/python)")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    a.builddir = os.path.abspath(a.builddir)
    a.pythondir = os.path.abspath(a.pythondir
                                  or os.path.join(a.builddir, "python"))
    sizes = SMOKE_SIZES if a.smoke else FULL_SIZES
    changes = 100 if a.smoke else 1000
    os.makedirs(a.results, exist_ok=True)
    rows = []
    lines = []
    for n in sizes:
        lab = Lab(a.builddir, a.pythondir,
                  os.path.join(a.workdir, "db-%d" % n))
        try:
            lab.start()
            while not lab.durable():
                time.sleep(0.01)
            path = os.path.join(lab.d, "mappings.txt")
            mappings_file(path, n)
            base = (rss_kib(lab.pid("ovsdb-server")),
                    rss_kib(lab.pid("ovs-vswitchd")))
            t0 = time.monotonic()
            lab.appctl("container-map/load", "br0", path)
            load_s = time.monotonic() - t0
            assert lab.n_mappings() == n
            after = (rss_kib(lab.pid("ovsdb-server")),
                     rss_kib(lab.pid("ovs-vswitchd")))
            restart_s = lab.crash_and_restart(n)
            p50, p99 = change_latency(lab, changes)
            row = {
                "mappings": n,
                "load_s": round(load_s, 3),
                "restart_to_complete_s": round(restart_s, 3),
                "ovsdb_server_bytes_per_mapping":
                    round((after[0] - base[0]) * 1024 / n),
                "ovs_vswitchd_bytes_per_mapping":
                    round((after[1] - base[1]) * 1024 / n),
                "change_ms_p50": round(p50, 3),
                "change_ms_p99": round(p99, 3),
                "changes": changes,
            }
            rows.append(row)
            line = ("%8d mappings: load %.2f s; kill -9 and restart to a "
                    "complete table %.2f s; memory per mapping: ovsdb-server "
                    "%d B, ovs-vswitchd %d B; %d durable changes: median "
                    "%.2f ms, p99 %.2f ms"
                    % (n, load_s, restart_s,
                       row["ovsdb_server_bytes_per_mapping"],
                       row["ovs_vswitchd_bytes_per_mapping"], changes,
                       p50, p99))
            print(line, flush=True)
            lines.append(line)
        finally:
            lab.stop()
    with open(os.path.join(a.results, "db.json"), "w") as f:
        json.dump(rows, f, indent=1)
    with open(os.path.join(a.results, "db.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

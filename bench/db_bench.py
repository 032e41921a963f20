#!/usr/bin/env python3
# db_bench.py -- the Container_Map database's figures, on the dummy
# datapath (no DPDK, no root): for each table size N,
#   - "load" of N mappings through the database (one transaction),
#   - ovsdb-server's and ovs-vswitchd's memory per mapping,
#   - kill -9 of ovs-vswitchd, then the time from its start to a complete
#     table (container-map/database "durable" and show's count N),
#   - the latency of 1,000 single durable changes (container-map/add over
#     one unixctl connection: check, apply, commit, reply), median and p99,
#   - the latency from a change another client commits (an OVSDB
#     "transact" that inserts a mapping) to ovs-vswitchd having applied it
#     (its counter container_map_db_row_applied moved), median and p99,
#   - a restart of both daemons (as after a reboot): ovsdb-server reads
#     its file, then ovs-vswitchd the table; the memory figures are taken
#     after it, when neither holds what the load transaction left behind.
#
#   db_bench.py --builddir OVS_TREE [--pythondir DIR] --workdir DIR
#               --results DIR [--smoke] [--sizes N,N,...]
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
        self.start_server()
        self.run("ovs-vsctl", "--no-wait", "init")
        self.start_vswitchd()
        self.run("ovs-vsctl", "add-br", "br0", "--", "set", "bridge", "br0",
                 "datapath_type=dummy", "fail-mode=secure", "--",
                 "add-port", "br0", "p1", "--", "set", "interface", "p1",
                 "type=dummy", "ofport_request=1", "--",
                 "add-port", "br0", "p2", "--", "set", "interface", "p2",
                 "type=dummy", "ofport_request=2")

    def start_server(self):
        """ovsdb-server --detach returns once it has read its files."""
        self.run("ovsdb-server", "conf.db", "cm.db", "--detach",
                 "--no-chdir", "--pidfile", "--log-file",
                 "--remote=p" + self.sock, cwd=self.d)

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

    def wait_complete(self, log, n):
        """Waits for ovs-vswitchd's "container map complete" log line (the
        log, not commands, is polled: on 2 cores a stream of ovs-appctl
        processes would slow what is measured) and checks it with show."""
        while True:
            line = log.readline()
            if not line:
                time.sleep(0.01)
            elif "container map complete" in line:
                break
        t = time.monotonic()
        assert self.durable() and self.n_mappings() == n
        return t

    def kill(self, name):
        pid = self.pid(name)
        os.kill(pid, signal.SIGKILL)
        while os.path.exists("/proc/%d" % pid):
            time.sleep(0.001)

    def crash_and_restart(self, n):
        self.kill("ovs-vswitchd")
        with open(os.path.join(self.d, "ovs-vswitchd.log")) as log:
            log.seek(0, os.SEEK_END)
            t0 = self.start_vswitchd()
            return self.wait_complete(log, n) - t0

    def reboot(self, n):
        """Both daemons killed and started again: seconds to a complete
        table, of which ovsdb-server's start (reading its file)."""
        self.kill("ovs-vswitchd")
        self.kill("ovsdb-server")
        t0 = time.monotonic()
        self.start_server()
        server_s = time.monotonic() - t0
        with open(os.path.join(self.d, "ovs-vswitchd.log")) as log:
            log.seek(0, os.SEEK_END)
            self.start_vswitchd()
            return self.wait_complete(log, n) - t0, server_s

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


def p50_p99(values):
    v = sorted(values)
    return v[len(v) // 2], v[min(len(v) - 1, len(v) * 99 // 100)]


def unixctl(lab):
    """One unixctl connection to ovs-vswitchd (OVS's Python library)."""
    sys.path.insert(0, lab.py)
    import ovs.unixctl.client
    target = os.path.join(lab.d, "ovs-vswitchd.%d.ctl"
                          % lab.pid("ovs-vswitchd"))
    error, client = ovs.unixctl.client.UnixctlClient.create(target)
    if error:
        raise OSError(error, "unixctl " + target)
    return client


def change_latency(lab, count):
    """'count' container-map/add over one unixctl connection, in ms."""
    client = unixctl(lab)
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
    return p50_p99(times)


def commit_latency(lab, count):
    """'count' mappings inserted by another client, one "transact" each
    over one JSON-RPC connection: (commit, commit to applied) in ms, each
    as (median, p99).  Applied: ovs-vswitchd's container_map_db_row_applied
    moved, read with coverage/read-counter (its main thread's own count
    included, so exact) over one unixctl connection, as fast as it
    answers."""
    sys.path.insert(0, lab.py)
    import ovs.jsonrpc
    import ovs.stream
    error, stream = ovs.stream.Stream.open_block(
        ovs.stream.Stream.open(lab.sock))
    if error:
        raise OSError(error, lab.sock)
    rpc = ovs.jsonrpc.Connection(stream)
    ctl = unixctl(lab)

    def applied():
        error, err, out = ctl.transact("coverage/read-counter",
                                       ["container_map_db_row_applied"])
        if error or err:
            raise RuntimeError("coverage/read-counter: %s %s" % (error, err))
        return int(out)

    commit, visible = [], []
    for i in range(count):
        before = applied()
        ops = ["Container_Map",
               {"op": "insert", "table": "Backend", "uuid-name": "b",
                "row": {"mac": "02:00:00:02:%02x:%02x"
                        % ((i >> 8) & 0xff, i & 0xff), "port": "p2"}},
               {"op": "insert", "table": "Mapping",
                "row": {"bridge": "br0", "ip": "198.51.100.2",
                        "protocol": "udp", "port": 1 + i,
                        "backends": ["named-uuid", "b"]}}]
        t0 = time.monotonic()
        error, reply = rpc.transact_block(
            ovs.jsonrpc.Message.create_request("transact", ops))
        t1 = time.monotonic()
        if error or reply.error or any("error" in r for r in reply.result):
            raise RuntimeError("transact: %s %s" % (error, reply))
        while applied() == before:
            pass
        t2 = time.monotonic()
        commit.append((t1 - t0) * 1000)
        visible.append((t2 - t1) * 1000)
    rpc.close()
    ctl.close()
    return p50_p99(commit), p50_p99(visible)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--pythondir",
                    help="OVS's Python library (default: BUILDDIR/python)")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--sizes", help="comma-separated table sizes "
                    "(default: 1000,65536,1048576)")
    a = ap.parse_args()
    a.builddir = os.path.abspath(a.builddir)
    a.pythondir = os.path.abspath(a.pythondir
                                  or os.path.join(a.builddir, "python"))
    sizes = SMOKE_SIZES if a.smoke else FULL_SIZES
    if a.sizes:
        sizes = [int(x) for x in a.sizes.split(",")]
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
            restart_s = lab.crash_and_restart(n)
            reboot_s, server_s = lab.reboot(n)
            after = (rss_kib(lab.pid("ovsdb-server")),
                     rss_kib(lab.pid("ovs-vswitchd")))
            p50, p99 = change_latency(lab, changes)
            (c50, c99), (v50, v99) = commit_latency(lab, changes)
            row = {
                "mappings": n,
                "load_s": round(load_s, 3),
                "restart_to_complete_s": round(restart_s, 3),
                "ovsdb_server_bytes_per_mapping":
                    round((after[0] - base[0]) * 1024 / n),
                "ovs_vswitchd_bytes_per_mapping":
                    round((after[1] - base[1]) * 1024 / n),
                "both_restarted_to_complete_s": round(reboot_s, 3),
                "ovsdb_server_start_s": round(server_s, 3),
                "change_ms_p50": round(p50, 3),
                "change_ms_p99": round(p99, 3),
                "other_client_commit_ms_p50": round(c50, 3),
                "other_client_commit_ms_p99": round(c99, 3),
                "commit_to_applied_ms_p50": round(v50, 3),
                "commit_to_applied_ms_p99": round(v99, 3),
                "changes": changes,
            }
            rows.append(row)
            line = ("%8d mappings: load %.2f s; kill -9 and restart to a "
                    "complete table %.2f s; both daemons %.2f s (ovsdb-server "
                    "%.2f s); memory per mapping: ovsdb-server %d B, "
                    "ovs-vswitchd %d B; %d durable changes: median %.2f ms, "
                    "p99 %.2f ms; another client's commit %.2f/%.2f ms, then "
                    "applied after %.2f/%.2f ms (median/p99)"
                    % (n, load_s, restart_s, reboot_s, server_s,
                       row["ovsdb_server_bytes_per_mapping"],
                       row["ovs_vswitchd_bytes_per_mapping"], changes,
                       p50, p99, c50, c99, v50, v99))
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

#!/usr/bin/env python3
# The benchmark driver behind "make bench" (run it through run-bench.sh,
# which checks for root, lends hugepages and mounts hugetlbfs).
#
# Licensed under the Apache License, Version 2.0.
#
# One PMD core replays pcaps from memory (DPDK pcap PMD, infinite_rx) into
# ovs-vswitchd and outputs to a null port that never receives (no-rx=1).
# Every traffic is replayed by two input ports, in0 (OpenFlow port 1) and
# in1 (port 3), half of the 5-tuples each: one DPDK pcap port keeps its
# whole pcap in mbufs of its mempool, and OVS gives a mempool at most
# 262,144 mbufs, so 262,144 distinct 5-tuples need two ports on two
# mempools (in1 has MTU 2100 for that).  Megaflows always match the input
# port, so every configuration has twice the megaflows it would have with
# one input port.
#
# Configurations live in OpenFlow tables (see gen_config.py); table 0 holds
# only "in_port=1|3,actions=resubmit(,T)", changed to switch configuration
# (then "revalidator/purge"), except for the simple-match baseline, which is
# "in_port=1|3,actions=output:2" in table 0 itself.

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ovs import Ovs, OvsError  # noqa: E402

from layout import IN0, IN1, OUT0, OUT1, HOLD, IN1_MTU  # noqa: E402
from layout import INGRESS_CONFIGS, EGRESS_CONFIGS  # noqa: E402
import conn_tests  # noqa: E402
import restart  # noqa: E402
import stall  # noqa: E402

CONFIGS = {
    # name: (table or None for simple match, description)
    "plain-simple": (None, "in_port=1,actions=output:2 (simple match: "
                           "the datapath's raw ceiling)"),
    "plain-ip": (10, "ip,nw_dst=IP,actions=output:2 (like-for-like "
                     "plain forwarding)"),
    "cm-in": (20, "ip,nw_dst=IP,actions=container_map"),
    "of-port": (30, "one tcp,nw_dst=IP,tp_dst=PORT,actions=mod_dl_dst,"
                    "output flow per mapping"),
    "ct-dnat": (40, "ct(nat) then ct(commit,nat(dst=PRIV:PORT)) per mapping, "
                    "mod_dl_dst per container"),
    "cm-eg": (50, "container_map(egress),output:2 (reverse entries)"),
    "learn-eg": (60, "learn(reverse flow per 5-tuple),output:2"),
}
CLASSES = ["small", "medium", "large"]

COLUMNS = ["test", "config", "traffic", "table_class", "table_size", "flows",
           "n", "mpps", "mpps_min", "mpps_max", "cycles_pkt", "megaflows",
           "emc_pct", "smc_pct", "megaflow_pct", "upcalls",
           "upcalls_per_item", "lost", "misdelivered", "value", "unit",
           "ratio_plain", "ratio_simple", "pmd_cpu_pct", "steal_pct",
           "note"]


def env_int(name, default):
    return int(os.environ.get(name, default))


def env_float(name, default):
    return float(os.environ.get(name, default))


class Params:
    def __init__(self, smoke):
        self.smoke = smoke
        if smoke:
            d = dict(sizes="1024 4096 16384", reps=1, warmup=0.2,
                     duration=0.4, warm_max=4, few=1024, many=8192,
                     many_ports=2048, newconn=2000, updates=2000,
                     batch=500, appctl_n=20, stall_conns=20000)
        else:
            d = dict(sizes="1024 65536 1000000", reps=3, warmup=2,
                     duration=4, warm_max=40, few=1024, many=262144,
                     many_ports=61440, newconn=100000, updates=100000,
                     batch=10000, appctl_n=500, stall_conns=1000000)
        self.sizes = [int(x) for x in
                      os.environ.get("BENCH_SIZES", d["sizes"]).split()]
        assert len(self.sizes) == 3, "BENCH_SIZES needs 3 table sizes"
        self.reps = env_int("BENCH_REPS", d["reps"])
        self.warmup = env_float("BENCH_WARMUP", d["warmup"])
        self.duration = env_float("BENCH_DURATION", d["duration"])
        self.warm_max = env_float("BENCH_WARMUP_MAX", d["warm_max"])
        self.few = env_int("BENCH_FEW_FLOWS", d["few"])
        self.many = env_int("BENCH_MANY_FLOWS", d["many"])
        self.many_ports = env_int("BENCH_MANY_PORTS", d["many_ports"])
        self.newconn = env_int("BENCH_NEWCONN", d["newconn"])
        self.updates = env_int("BENCH_UPDATES", d["updates"])
        self.batch = env_int("BENCH_UPDATE_BATCH", d["batch"])
        self.appctl_n = env_int("BENCH_APPCTL_UPDATES", d["appctl_n"])
        self.stall_conns = env_int("BENCH_STALL_CONNS", d["stall_conns"])


class Bench:
    def __init__(self, args):
        self.a = args
        self.p = Params(args.smoke)
        self.work = args.workdir
        self.data = os.path.join(self.work, "data")
        os.makedirs(self.data, exist_ok=True)
        self.rows = []
        self.ovs = None
        self.t0 = time.time()
        self.logf = open(os.path.join(args.results, "bench.log"), "a")
        self.phases = os.environ.get("BENCH_PHASES",
                                     "throughput aux restart").split()

    # --- logging ----------------------------------------------------------

    def log(self, *msg):
        line = "[%6.1fs] %s" % (time.time() - self.t0,
                                " ".join(str(m) for m in msg))
        print(line, flush=True)
        self.logf.write(line + "\n")
        self.logf.flush()

    def row(self, **kw):
        r = {c: "" for c in COLUMNS}
        r.update(kw)
        self.rows.append(r)
        return r

    # --- data files -------------------------------------------------------

    def gen(self, script, *args):
        subprocess.run([sys.executable, os.path.join(HERE, script)]
                       + [str(a) for a in args], check=True)

    def pcap_pair(self, name, kind, n, *extra):
        base = os.path.join(self.data, name)
        files = ["%s-0.pcap" % base, "%s-1.pcap" % base]
        if not all(os.path.exists(f) for f in files):
            self.gen("gen_pcap.py", kind, n, base + ".pcap", "--split", 2,
                     *extra)
        return files

    def traffic(self, name, size):
        """(pcap files, number of flows, mapped ports) of a traffic."""
        p = self.p
        if name == "few-in":
            m = min(p.few, size)
            return self.pcap_pair("few-in-%d" % m, "ingress", p.few,
                                  "--mapped", m), p.few, m
        if name == "many-in":
            m = min(p.many_ports, size)
            return self.pcap_pair("many-in-%d" % m, "ingress", p.many,
                                  "--mapped", m, "--shuffle"), p.many, m
        if name == "few-eg":
            return self.pcap_pair("few-eg", "egress", p.few), p.few, 0
        if name == "many-eg":
            return (self.pcap_pair("many-eg", "egress", p.many, "--shuffle"),
                    p.many, 0)
        raise ValueError(name)

    def table_file(self, size, alt_port=None):
        path = os.path.join(self.data, "table-%d%s.txt"
                            % (size, "-alt" if alt_port else ""))
        if not os.path.exists(path):
            self.gen("gen_config.py", "table", size, path)
            if alt_port:
                # Odd mappings on the second output port (update test).
                lines = open(path).read().splitlines()
                with open(path, "w") as f:
                    for i, line in enumerate(lines):
                        if i % 2:
                            line = line.rsplit(" ", 1)[0] + " %d" % alt_port
                        f.write(line + "\n")
        return path

    def flows_file(self, size):
        path = os.path.join(self.data, "flows-%d.txt" % size)
        if not os.path.exists(path):
            self.gen("gen_config.py", "flows", size, path)
        return path

    # --- OVS set-up -------------------------------------------------------

    def start_ovs(self, name):
        if self.ovs:
            self.ovs.stop()
        rundir = os.path.join(self.work, "run-" + name)
        self.ovs = Ovs(self.a.builddir, rundir, self.a.hugedir,
                       socket_mem=self.a.socket_mem,
                       socket_limit=self.a.socket_limit, log=self.log)
        self.log("starting ovs-vswitchd (%s) in %s" % (name, rundir))
        for attempt in range(3):
            try:
                self.ovs.start()
                break
            except OvsError as e:
                # Hugepages of a previous ovs-vswitchd may not be back yet.
                if attempt == 2 or "EAL" not in str(e):
                    raise
                self.log("  DPDK did not start (%s), retrying"
                         % str(e).splitlines()[-1])
                self.ovs.stop()
                time.sleep(5)
        self.ovs.add_null_port("out0", OUT0)
        # Past ~100k packets per port the two input ports need two mempools
        # (in1 with MTU 2100); "hold" keeps in1's alive while in1 changes.
        self.in1_mtu = IN1_MTU if self.p.many // 2 > 100000 else None
        if self.in1_mtu:
            self.ovs.add_null_port("hold", HOLD)
            self.ovs.vsctl("set", "Interface", "hold",
                           "mtu_request=%d" % IN1_MTU)
        self.inputs = None
        self.reserve_pending = False
        self.tsc = None

    def stop_ovs(self):
        if self.ovs:
            self.ovs.stop()
            self.ovs = None

    def set_inputs(self, pcaps, infinite=True):
        """Replaces the input ports (see Ovs.poll()): polling starts once
        ofproto knows them."""
        o = self.ovs
        o.del_port("in0")
        o.del_port("in1")
        self.inputs = pcaps
        if not pcaps:
            return
        o.add_pcap_port("in0", IN0, pcaps[0], infinite=infinite)
        names = ["in0"]
        if len(pcaps) > 1:
            o.add_pcap_port("in1", IN1, pcaps[1], infinite=infinite,
                            mtu=self.in1_mtu)
            names.append("in1")
        o.ofctl("show", "br0")
        if self.reserve_pending and len(names) == 2:
            self.reserve_now()
        time.sleep(0.3)
        o.poll(names, True)

    def stop_inputs(self):
        """Stops polling the inputs; PMD statistics stay."""
        if self.inputs:
            self.ovs.poll(["in0", "in1"][:len(self.inputs)], False)
            time.sleep(0.2)

    def dispatch(self, config):
        table = CONFIGS[config][0]
        acts = ("output:%d" % OUT0 if table is None
                else "resubmit(,%d)" % table)
        with open(os.path.join(self.work, "dispatch.txt"), "w") as f:
            for port in (IN0, IN1):
                f.write("table=0,priority=100,in_port=%d,actions=%s\n"
                        % (port, acts))
        self.ovs.ofctl("--bundle", "-O", "OpenFlow14", "add-flows", "br0",
                       os.path.join(self.work, "dispatch.txt"))
        # Twice: upcalls in flight during the first purge can install
        # megaflows of the previous configuration (which would, e.g., keep
        # the simple-match path off).
        self.ovs.appctl("revalidator/purge")
        time.sleep(0.1)
        self.ovs.appctl("revalidator/purge")
        self.ovs.appctl("upcall/set-flow-limit", "1000000")

    def load_table(self, path):
        t = time.time()
        out = self.ovs.appctl("container-map/load", "br0", path)
        dt = time.time() - t
        self.log(out.strip(), "in %.2f s" % dt)
        return dt

    def reserve(self):
        """Reserves the egress IPs for their containers as soon as both
        input ports exist: a reservation names the container's port, which
        is where the egress action accepts its packets from
        (layout.egress_in_port()).  Later replacements of the ports keep
        the port numbers, and the reservations."""
        self.reserve_pending = True

    def reserve_now(self):
        self.reserve_pending = False
        reqs = []
        path = os.path.join(self.data, "reservations.txt")
        if not os.path.exists(path):
            self.gen("gen_config.py", "reservations", path)
        for line in open(path):
            reqs.append(("container-map/reserve", ["br0"] + line.split()))
        errors = [e for e, _ in self.ovs.unixctl_many(reqs) if e]
        if errors:
            raise OvsError("reserve: %s" % errors[0])

    # --- measurement ------------------------------------------------------

    def warm_up(self):
        """Waits at least BENCH_WARMUP, then until a window has no upcalls
        (at most BENCH_WARMUP_MAX).  Returns a note if it never got
        there."""
        p, o = self.p, self.ovs
        start = time.time()
        while True:
            o.pmd_clear()
            time.sleep(min(1.0, p.warmup) if p.warmup > 0 else 0.2)
            st = o.pmd_perf()
            now = time.time()
            if now - start >= p.warmup and st["upcalls"] == 0:
                return ""
            if now - start >= p.warm_max:
                return "still %d upcalls/s after %.0f s warm-up" % (
                    st["upcalls"] / max(st["duration"], 0.1), now - start)

    def measure(self, config):
        """Warm-up (until a window has no upcalls), then one measurement
        window.  Returns the PMD statistics plus the megaflow count."""
        p, o = self.p, self.ovs
        for attempt in range(2):
            self.dispatch(config)
            start = time.time()
            warm_note = self.warm_up()
            o.pmd_clear()
            c0 = o.cpu_sample()
            time.sleep(p.duration)
            st = o.pmd_perf()
            st["cpu_pct"], st["steal_pct"] = o.cpu_share(c0, o.cpu_sample())
            st["megaflows"] = o.n_megaflows()
            st["warm_s"] = time.time() - start - p.duration
            st["note"] = warm_note
            if st["duration"] <= 0:
                st["duration"] = p.duration
            st["mpps"] = st["rx"] / st["duration"] / 1e6
            if st["megaflows"] > 0 and st["rx"] > 0:
                return st
            # The "collapse" seen in long runs: no megaflows installed.
            self.log("  anomaly (megaflows=%d rx=%d), redoing once"
                     % (st["megaflows"], st["rx"]))
        st["note"] = (st["note"] + "; " if st["note"] else "") + "anomaly"
        return st

    def throughput_phase(self, cls, size):
        p = self.p
        self.start_ovs("%s-%d" % (cls, size))
        o = self.ovs
        table = self.table_file(size)
        flows = self.flows_file(size)
        rss0 = o.rss_kb()
        load_s = self.load_table(table)
        time.sleep(0.5)
        rss1 = o.rss_kb()
        self.row(test="memory", config="cm-table", table_class=cls,
                 table_size=size,
                 value="%.1f" % ((rss1 - rss0) * 1024.0 / size),
                 unit="bytes/mapping",
                 note="ovs-vswitchd RSS %d -> %d KiB" % (rss0, rss1))
        self.row(test="load_time", config="cm-table", table_class=cls,
                 table_size=size, value="%.3f" % load_s, unit="s",
                 note="container-map/load of %d mappings" % size)
        t = time.time()
        o.ofctl("--bundle", "-O", "OpenFlow14", "add-flows", "br0", flows)
        inst = time.time() - t
        n_of = sum(1 for _ in open(flows))
        self.log("installed %d OpenFlow flows in %.2f s" % (n_of, inst))
        self.row(test="install_time", config="of-port+ct-dnat",
                 table_class=cls, table_size=size, value="%.3f" % inst,
                 unit="s", note="ovs-ofctl --bundle add-flows of %d flows "
                 "(both recipes)" % n_of)
        traffics = ["few-in", "many-in"]
        if cls == "medium":
            self.reserve()
            traffics += ["few-eg", "many-eg"]
        samples = {}
        for rep in range(p.reps):
            for tr in traffics:
                pcaps, n_flows, mapped = self.traffic(tr, size)
                self.set_inputs(pcaps)
                configs = EGRESS_CONFIGS if tr.endswith("eg") \
                    else INGRESS_CONFIGS
                for cfg in configs:
                    st = self.measure(cfg)
                    samples.setdefault((tr, cfg), []).append(st)
                    self.log("%-6s %-8s %-12s rep %d: %7.3f Mpps %6.0f "
                             "cyc/pkt mf=%-7d emc=%d%% up=%d cpu=%.0f%% %s"
                             % (cls, tr, cfg, rep + 1, st["mpps"],
                                st["cycles_pkt"], st["megaflows"],
                                100 * st["emc"] / max(st["passes"], 1),
                                st["upcalls"], st["cpu_pct"], st["note"]))
        self.set_inputs(None)
        conns = o.appctl("container-map/conn-count").strip()
        self.log("connection entries at the end: %s" % conns)
        for tr in traffics:
            _, n_flows, mapped = self.traffic(tr, size)
            configs = EGRESS_CONFIGS if tr.endswith("eg") else INGRESS_CONFIGS
            med = {}
            for cfg in configs:
                med[cfg] = statistics.median(s["mpps"]
                                             for s in samples[(tr, cfg)])
            # Egress traffic is compared with the ingress baselines of the
            # same number of flows (same frame size, same input ports).
            base_tr = tr.replace("eg", "in")
            for cfg in configs:
                ss = samples[(tr, cfg)]
                passes = sum(s["passes"] for s in ss) or 1
                self.row(
                    test="throughput", config=cfg, traffic=tr,
                    table_class=cls, table_size=size, flows=n_flows,
                    n=len(ss),
                    mpps="%.3f" % med[cfg],
                    mpps_min="%.3f" % min(s["mpps"] for s in ss),
                    mpps_max="%.3f" % max(s["mpps"] for s in ss),
                    cycles_pkt="%.0f" % statistics.median(
                        s["cycles_pkt"] for s in ss),
                    megaflows=int(statistics.median(s["megaflows"]
                                                    for s in ss)),
                    emc_pct="%.1f" % (100.0 * sum(s["emc"] for s in ss)
                                      / passes),
                    smc_pct="%.1f" % (100.0 * sum(s["smc"] for s in ss)
                                      / passes),
                    megaflow_pct="%.1f" % (100.0 * sum(s["megaflow"]
                                                       for s in ss) / passes),
                    upcalls=sum(s["upcalls"] for s in ss),
                    pmd_cpu_pct="%.1f" % min(s["cpu_pct"] for s in ss),
                    steal_pct="%.1f" % max(s["steal_pct"] for s in ss),
                    lost=sum(max(s["rx"] - s["tx"] - 32 * len(self.inputs or
                                                              [0, 0]), 0)
                             for s in ss),
                    note="; ".join(sorted(set(s["note"] for s in ss
                                              if s["note"]))),
                    _base=base_tr, _mapped=mapped)
        self.stop_ovs()

    # --- new connections --------------------------------------------------

    def aux_phase(self):
        """New-connection rate and updates under load, medium table."""
        size = self.p.sizes[1]
        self.aux_size = size
        self.start_ovs("aux-%d" % size)
        o = self.ovs
        o.add_null_port("out1", OUT1)
        self.load_table(self.table_file(size, alt_port=OUT1))
        self.reserve()
        o.ofctl("--bundle", "-O", "OpenFlow14", "add-flows", "br0",
                self.flows_file(size))
        self.tsc = o.tsc_hz()
        if not self.tsc:
            raise OvsError("no TSC frequency in the log")
        conn_tests.newconn_test(self)
        o.appctl("container-map/conn-flush")
        o.ofctl("del-flows", "br0", "table=61")
        conn_tests.updates_test(self)
        stall.stall_test(self)
        self.stop_ovs()

    def restart_phase(self):
        """kill -9 of ovs-vswitchd at full load, medium table."""
        self.restart_size = self.p.sizes[1]
        self.start_ovs("restart-%d" % self.restart_size)
        restart.restart_test(self, CONFIGS["cm-in"][0])
        self.stop_ovs()

    # --- ratios and output ------------------------------------------------

    def finish(self):
        tp = [r for r in self.rows if r["test"] == "throughput"]
        for r in tp:
            base = r.pop("_base")
            r.pop("_mapped")
            for col, cfg in (("ratio_plain", "plain-ip"),
                             ("ratio_simple", "plain-simple")):
                b = [x for x in tp if x["config"] == cfg
                     and x["traffic"] == base
                     and x["table_class"] == r["table_class"]]
                if b and float(b[0]["mpps"]) > 0:
                    r[col] = "%.2f" % (float(r["mpps"]) / float(b[0]["mpps"]))
        path = os.path.join(self.a.results, "results.csv")
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
            w.writeheader()
            for r in self.rows:
                w.writerow(r)
        self.log("wrote", path)
        return path

    def expected_rows(self):
        keys = set()
        if "throughput" in self.phases:
            for cls in CLASSES:
                for tr in ["few-in", "many-in"]:
                    for c in INGRESS_CONFIGS:
                        keys.add(("throughput", c, tr, cls))
                if cls == "medium":
                    for tr in ["few-eg", "many-eg"]:
                        for c in EGRESS_CONFIGS:
                            keys.add(("throughput", c, tr, cls))
                keys.add(("memory", "cm-table", "", cls))
                keys.add(("load_time", "cm-table", "", cls))
                keys.add(("install_time", "of-port+ct-dnat", "", cls))
        if "aux" in self.phases:
            for c in EGRESS_CONFIGS:
                keys.add(("new_conn", c, "new-eg", "medium"))
            keys.add(("memory", "cm-conn", "", "medium"))
            for c in ["load-batches", "unixctl-single", "appctl-process"]:
                keys.add(("update", c, "few-in", "medium"))
            for c in stall.OPERATIONS:
                keys.add(("pmd_latency", c, "few-in", "medium"))
        if "restart" in self.phases:
            for t in ["restart_complete", "restart_forwarding",
                      "restart_lost", "restart_rate"]:
                keys.add((t, "kill-9", "few-in", "medium"))
        return keys

    def check_rows(self):
        have = set((r["test"], r["config"], r["traffic"], r["table_class"])
                   for r in self.rows)
        missing = self.expected_rows() - have
        for m in sorted(missing):
            self.log("MISSING ROW:", m)
        return not missing

    def profile(self):
        """perf (cpu-clock sampling of the PMD thread) of a few cells of the
        medium table; reports in RESULTS/profile-*.txt."""
        p = self.p
        size = p.sizes[1]
        secs = env_float("BENCH_PROFILE_SECONDS", 5)
        self.start_ovs("profile-%d" % size)
        o = self.ovs
        self.load_table(self.table_file(size))
        self.reserve()
        o.ofctl("--bundle", "-O", "OpenFlow14", "add-flows", "br0",
                self.flows_file(size))
        cells = os.environ.get("BENCH_PROFILE_CELLS",
                               "few-in:plain-ip few-in:cm-in many-in:cm-in "
                               "many-in:of-port many-in:plain-ip").split()
        for cell in cells:
            tr, cfg = cell.split(":")
            pcaps, _, _ = self.traffic(tr, size)
            self.set_inputs(pcaps)
            st = self.measure(cfg)
            self.log("profile %s %s: %.3f Mpps, %.0f cycles/pkt"
                     % (tr, cfg, st["mpps"], st["cycles_pkt"]))
            data = os.path.join(self.work, "perf-%s-%s.data" % (tr, cfg))
            tids = [t for t in os.listdir("/proc/%d/task" % o.vswitchd_pid)
                    if open("/proc/%d/task/%s/comm" % (o.vswitchd_pid, t))
                    .read().startswith("pmd")]
            subprocess.run(["perf", "record", "-q", "-e", "cpu-clock",
                            "-t", ",".join(tids), "-o", data, "--",
                            "sleep", str(secs)],
                           check=True, capture_output=True)
            rep = subprocess.run(["perf", "report", "-i", data, "--stdio",
                                  "--no-children", "--sort", "symbol",
                                  "--percent-limit", "0.5"],
                                 capture_output=True, text=True).stdout
            out = os.path.join(self.a.results, "profile-%s-%s.txt"
                               % (tr, cfg))
            with open(out, "w") as f:
                f.write("# %s, %s, %d mappings: %.3f Mpps, %.0f cycles/pkt "
                        "(without perf)\n" % (tr, cfg, size, st["mpps"],
                                               st["cycles_pkt"]))
                f.write(rep)
                # Where inside our own functions.
                for sym in ("container_map_execute", "cm_egress",
                            "container_map_counters_add"):
                    if sym not in rep:
                        continue
                    ann = subprocess.run(
                        ["perf", "annotate", "-i", data, "--stdio", "-l",
                         sym], capture_output=True, text=True).stdout
                    hot = [l for l in ann.splitlines()
                           if re.match(r"^\s+(\d+\.\d+)", l)
                           and float(l.split()[0]) >= 1.0]
                    f.write("\n# perf annotate %s: lines with >= 1%% of "
                            "its samples\n" % sym)
                    f.write("\n".join(hot[:60]) + "\n")
            self.log("wrote", out)
        self.set_inputs(None)
        self.stop_ovs()
        return 0

    def run(self):
        p = self.p
        self.log("parameters:", json.dumps(vars(p)))
        with open(os.path.join(self.a.results, "params.json"), "w") as f:
            json.dump(vars(p), f)
        try:
            if "throughput" in self.phases:
                for cls, size in zip(CLASSES, p.sizes):
                    self.throughput_phase(cls, size)
            if "aux" in self.phases:
                self.aux_phase()
            if "restart" in self.phases:
                self.restart_phase()
        finally:
            self.stop_ovs()
        self.finish()
        ok = self.check_rows()
        self.log("done in %.0f s" % (time.time() - self.t0))
        return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--profile", action="store_true",
                    help="perf profiles of a few cells instead of the run")
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--hugedir", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--socket-mem", type=int, default=1024)
    ap.add_argument("--socket-limit", type=int, default=2048)
    args = ap.parse_args()
    b = Bench(args)
    try:
        return b.profile() if args.profile else b.run()
    except (OvsError, subprocess.SubprocessError, OSError) as e:
        b.log("ERROR:", e)
        b.stop_ovs()
        return 1


if __name__ == "__main__":
    sys.exit(main())

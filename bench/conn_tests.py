# conn_tests.py -- "make bench": the new-connection and table-update tests
# of the medium table (bench.py's aux phase).
#
# Licensed under the Apache License, Version 2.0.

import os
import re
import statistics
import time

import layout
from layout import OUT0, OUT1, EGRESS_CONFIGS
from ovs import OvsError


def newconn_pcaps(b):
    """The new-connection traffic: BENCH_NEWCONN new egress 5-tuples (SYN),
    in one file per input port."""
    return b.pcap_pair("newconn", "egress", b.p.newconn, "--syn", "--dport",
                       8443)


def newconn_test(b):
    p, o = b.p, b.ovs
    paths = newconn_pcaps(b)
    n = p.newconn
    res = {}
    for rep in range(p.reps):
        for cfg in EGRESS_CONFIGS:
            o.appctl("container-map/conn-flush")
            o.ofctl("del-flows", "br0", "table=61")
            b.dispatch(cfg)
            time.sleep(0.2)
            cov0 = o.coverage("container_map_conn_new")
            tx0 = o.port_tx(OUT0)
            rss0 = o.rss_kb()
            o.pmd_clear()
            t = time.time()
            b.set_inputs(paths, infinite=False)
            end = t + max(60, n / 2000)
            st = o.pmd_perf()
            while st["rx"] < n and time.time() < end:
                time.sleep(0.2)
                st = o.pmd_perf()
            wall = time.time() - t
            time.sleep(0.3)
            b.stop_inputs()
            st = o.pmd_perf()
            b.set_inputs(None)
            tx = o.port_tx(OUT0) - tx0
            if cfg == "cm-eg":
                made = o.coverage("container_map_conn_new") - cov0
                entries = int(o.appctl("container-map/conn-count"))
                # Only the first pass: later ones reuse freed entries.
                rss_conn = ((o.rss_kb() - rss0) * 1024.0
                            / max(entries, 1)) if rep == 0 else None
            else:
                out = o.ofctl("dump-aggregate", "br0", "table=61")
                m = re.search(r"flow_count=(\d+)", out)
                entries = made = int(m.group(1)) if m else 0
                rss_conn = None
            busy_s = st["cycles_pkt"] * st["rx"] / b.tsc
            rate = st["rx"] / busy_s if busy_s else 0
            r = dict(rate=rate, rx=st["rx"], tx=tx, made=made,
                     entries=entries, upcalls=st["upcalls"], wall=wall,
                     cycles=st["cycles_pkt"], rss_conn=rss_conn)
            res.setdefault(cfg, []).append(r)
            b.log("newconn %-8s rep %d: %.0f new conns/s (%0.f "
                  "cyc/pkt), rx=%d tx=%d entries=%d upcalls=%d "
                  "wall %.2f s" % (cfg, rep + 1, rate, st["cycles_pkt"],
                                   st["rx"], tx, entries,
                                   st["upcalls"], wall))
    for cfg in EGRESS_CONFIGS:
        rs = res[cfg]
        rate = statistics.median(r["rate"] for r in rs)
        lost = max(n - r["tx"] for r in rs)
        missing = max(n - r["entries"] for r in rs)
        note = ("PMD busy time for %d new 5-tuples (SYN, one pass of a "
                "pcap); wall clock incl. port set-up %.2f s"
                % (n, statistics.median(r["wall"] for r in rs)))
        if missing > 0:
            note += "; %d reverse entries missing" % missing
        if any(r["rx"] < n for r in rs):
            note += "; not all packets received before timeout"
        b.row(test="new_conn", config=cfg, traffic="new-eg",
              table_class="medium", table_size=b.aux_size,
              flows=n, n=len(rs), value="%.0f" % rate,
              unit="new conns/s",
              cycles_pkt="%.0f" % statistics.median(
                     r["cycles"] for r in rs),
              upcalls=max(r["upcalls"] for r in rs),
              upcalls_per_item="%.3f" % (max(r["upcalls"] for r in rs)
                                         / n),
              lost=lost, note=note)
    rc = [r["rss_conn"] for r in res["cm-eg"] if r["rss_conn"]]
    if rc:
        b.row(test="memory", config="cm-conn", table_class="medium",
              table_size=b.aux_size,
              value="%.1f" % statistics.median(rc),
              unit="bytes/connection",
              note="ovs-vswitchd RSS delta over the first pass of "
              "%d new connections (approximate: freed heap is "
              "reused)" % n)


def show_counts(b):
    """{(ip, proto, port): {mac: packets}} and the sum of drops."""
    out = b.ovs.appctl("container-map/show", "br0")
    counts = {}
    drops = 0
    key = None
    for line in out.splitlines():
        m = re.match(r"^  (\S+) (\w+) (\d+): packets=(\d+)", line)
        if m:
            key = (m.group(1), m.group(2), int(m.group(3)))
            counts[key] = {}
            continue
        m = re.match(r"^    -> ([0-9a-f:]+) .*: packets=(\d+)", line)
        if m and key:
            counts[key][m.group(1)] = int(m.group(2))
            continue
        if "unmatched packets:" in line:
            drops = sum(int(x) for x in re.findall(r"=(\d+)", line))
    return counts, drops

def updates_test(b):
    p, o = b.p, b.ovs
    size = b.aux_size
    pcaps, n_flows, mapped = b.traffic("few-in", size)
    # Expected delivery: traffic mapping i -> its MAC, on out0 if i is
    # even, out1 if odd (table-*-alt.txt).
    expect = {}
    for i in range(mapped):
        ip, port, c = layout.mapping(i, size)
        expect[(ip, "tcp", port)] = (layout.container_mac(c),
                                     OUT0 if i % 2 == 0 else OUT1)
    u = p.updates
    half = u // 2
    ex_a = os.path.join(b.data, "extra-a.txt")
    ex_b = os.path.join(b.data, "extra-b.txt")
    ex_c = os.path.join(b.data, "extra-c.txt")
    b.gen("gen_config.py", "extra", 0, half, ex_a, OUT0)
    b.gen("gen_config.py", "extra", 0, half, ex_b, OUT1)
    b.gen("gen_config.py", "extra", half, half, ex_c, OUT0)

    def batches(path, tag):
        lines = open(path).read().splitlines()
        files = []
        for k in range(0, len(lines), p.batch):
            f = os.path.join(b.data, "%s-%d.txt" % (tag, k))
            with open(f, "w") as out:
                out.write("\n".join(lines[k:k + p.batch]) + "\n")
            files.append(f)
        return files

    def keyargs(line):
        ip, proto, port, mac, ofport = line.split()
        return ip, proto, port, mac, ofport

    def run_load():
        # Adds 'half' new mappings, then moves them all to out1
        # ("updated"): 'u' changes in batches of p.batch lines.
        files = batches(ex_a, "batch-a") + batches(ex_b, "batch-b")
        for f in files:
            out = o.appctl("container-map/load", "br0", f)
            if "loaded" not in out:
                raise OvsError(out)
        return u, 0

    def run_unixctl():
        # Deletes the 'half' mappings added above and adds 'half' new
        # ones, one command each over one unixctl connection.
        reqs = [("container-map/del", ["br0"] + list(keyargs(l)[:3]))
                for l in open(ex_a)]
        reqs += [("container-map/add", ["br0"] + list(keyargs(l)))
                 for l in open(ex_c)]
        errs = [e for e, _ in o.unixctl_many(reqs) if e]
        return len(reqs), len(errs)

    def run_appctl():
        lines = open(ex_c).read().splitlines()[:p.appctl_n // 2]
        n_err = 0
        for l in lines:
            n_err += bool(o.run("ovs-appctl", "container-map/del", "br0",
                                *keyargs(l)[:3], check=False) == "")
        for l in lines:
            n_err += bool(o.run("ovs-appctl", "container-map/add", "br0",
                                *keyargs(l), check=False) == "")
        return 2 * len(lines), n_err

    variants = [("load-batches", run_load,
                 "container-map/load of %d-line files: %d adds then %d "
                 "port changes" % (p.batch, half, half)),
                ("unixctl-single", run_unixctl,
                 "one container-map/del or /add per request over one "
                 "persistent unixctl connection: %d dels, %d adds"
                 % (half, half)),
                ("appctl-process", run_appctl,
                 "one ovs-appctl process per container-map/del or /add")]
    b.dispatch("cm-in")
    for name, fn, desc in variants:
        before, drops0 = show_counts(b)
        tx0 = {OUT0: o.port_tx(OUT0), OUT1: o.port_tx(OUT1)}
        o.pmd_clear()
        b.set_inputs(pcaps)
        time.sleep(max(1.0, p.warmup))
        st1 = o.pmd_perf()
        t = time.time()
        n_upd, n_err = fn()
        dt = time.time() - t
        st2 = o.pmd_perf()
        time.sleep(0.3)
        b.stop_inputs()
        st = o.pmd_perf()
        after, drops1 = show_counts(b)
        tx = {k: o.port_tx(k) - v for k, v in tx0.items()}
        b.set_inputs(None)
        delivered = wrong = 0
        per_port = {OUT0: 0, OUT1: 0}
        for key, macs in after.items():
            for mac, n in macs.items():
                d = n - before.get(key, {}).get(mac, 0)
                if key in expect and expect[key][0] == mac:
                    delivered += d
                    per_port[expect[key][1]] += d
                else:
                    wrong += d
        port_mismatch = sum(abs(tx[k] - per_port[k]) for k in tx)
        lost = st["rx"] - delivered - wrong
        mis = wrong + port_mismatch
        dur_upd = st2["duration"] - st1["duration"]
        mpps_during = ((st2["rx"] - st1["rx"]) / dur_upd / 1e6
                       if dur_upd > 0 else 0)
        mpps_before = st1["rx"] / st1["duration"] / 1e6 \
            if st1["duration"] else 0
        rate = n_upd / dt if dt else 0
        b.log("updates %-15s %d in %.2f s = %.0f/s, errors %d; "
              "rx=%d delivered=%d wrong=%d port_mismatch=%d "
              "drops=%d; %.2f Mpps before, %.2f during"
              % (name, n_upd, dt, rate, n_err, st["rx"], delivered,
                 wrong, port_mismatch, drops1 - drops0, mpps_before,
                 mpps_during))
        b.row(test="update", config=name, traffic="few-in",
              table_class="medium", table_size=size, flows=n_flows,
              n=n_upd, value="%.0f" % rate, unit="updates/s",
              mpps="%.3f" % mpps_during, lost=lost,
              misdelivered=mis,
              note="%s; %d errors; %d packets received, %d "
                      "delivered to the right container and port; "
                      "drop counters +%d; %.2f Mpps during the updates, "
                      "%.2f just before"
                      % (desc, n_err, st["rx"], delivered,
                         drops1 - drops0, mpps_during, mpps_before))

# stall.py -- "make bench": the PMD thread's iteration latency while the
# control plane works.
#
# Licensed under the Apache License, Version 2.0.
#
# No PMD may wait behind a control-plane operation.  With the medium table
# loaded, BENCH_STALL_CONNS connection entries (1,000,000; made first by
# passes of new egress 5-tuples through container_map(egress)) and
# "few-in" traffic flowing through container_map, this records OVS's
# histogram of cycles per PMD iteration (other_config:pmd-perf-metrics=true)
# over a window of BENCH_DURATION seconds while the main thread
#   idle          does nothing (the baseline; the sweeper thread still
#                 walks the entries every second, as in every window);
#   flush-reload  flushes the whole table and loads it again, over and over;
#   conn-resize   resizes the connection table, over and over: every entry
#                 is relinked and each resize waits for an RCU grace period
#                 of the PMD;
#   conn-flush    flushes all the connection entries (the last window).
# and reports, in microseconds, the largest iteration (the upper wall of the
# highest non-empty histogram bin) and the 99.9th percentile, one row each.
# The histogram's bins are logarithmic: a figure is a bin's upper wall, not
# an exact time.  New connections are not made during the windows: the
# pcap harness could only start them by adding ports, which reloads the
# PMD itself (the new-connection rate has its own test).

import re
import time

from layout import OUT1

OPERATIONS = ["idle", "flush-reload", "conn-resize", "conn-flush"]


def histogram(out):
    """[(upper wall in cycles or None for the last bin, count)] of the
    cycles/it column of pmd-perf-show's histograms."""
    bins = []
    lines = out.splitlines()
    try:
        first = next(i for i, l in enumerate(lines) if l.startswith("Histo"))
    except StopIteration:
        return bins
    for line in lines[first + 2:]:
        f = line.split()
        if len(f) < 2 or not re.match(r"^(\d+|>)$", f[0]):
            break
        bins.append((None if f[0] == ">" else int(f[0]), int(f[1])))
    return bins


def quantile(bins, q):
    """The upper wall of the bin that holds quantile 'q' of the samples
    (None: the open last bin; 0: no samples)."""
    total = sum(n for _, n in bins)
    if not total:
        return 0
    seen = 0
    for wall, n in bins:
        seen += n
        if seen >= q * total:
            return wall
    return None


def us(cycles, tsc):
    return "> 24M cycles" if cycles is None else "%.1f" % (cycles * 1e6 / tsc)


def stall_test(b):
    p, o = b.p, b.ovs
    size = b.aux_size
    pcaps, n_flows, _ = b.traffic("few-in", size)
    table = b.table_file(size, alt_port=OUT1)
    o.vsctl("set", "Open_vSwitch", ".", "other_config:pmd-perf-metrics=true")
    max_conns = int(re.search(r"max=(\d+)",
                              o.appctl("container-map/conn-set")).group(1))

    def idle(deadline):
        time.sleep(max(0.0, deadline - time.time()))
        return 0

    def flush_reload(deadline):
        n = 0
        while time.time() < deadline:
            o.appctl("container-map/flush", "br0")
            o.appctl("container-map/load", "br0", table)
            n += 1
        return n

    def conn_resize(deadline):
        base = max(max_conns, p.stall_conns + 1000)
        n = 0
        while time.time() < deadline:
            o.appctl("container-map/conn-set",
                     "max=%d" % (base * 2 if n % 2 == 0 else base))
            n += 1
        return n

    def conn_flush(deadline):
        o.appctl("container-map/conn-flush")
        return idle(deadline) + 1

    def fill():
        # Passes of new egress 5-tuples (one pcap pair each, at most what
        # the pcap ports' mempools hold) through container_map(egress).
        o.appctl("container-map/conn-flush")
        o.appctl("container-map/conn-set",
                 "max=%d" % max(max_conns, p.stall_conns + 1000))
        b.dispatch("cm-eg")
        chunk = 200000
        for first in range(0, p.stall_conns, chunk):
            n = min(chunk, p.stall_conns - first)
            pair = b.pcap_pair("fill-%d-%d" % (first, n), "egress", n,
                               "--first", first, "--syn", "--dport", 9000)
            o.pmd_clear()
            b.set_inputs(pair, infinite=False)
            end = time.time() + max(60, n / 2000)
            while o.pmd_perf()["rx"] < n and time.time() < end:
                time.sleep(0.2)
            time.sleep(0.3)
            b.set_inputs(None)
        return int(o.appctl("container-map/conn-count"))

    ops = {"idle": idle, "flush-reload": flush_reload,
           "conn-resize": conn_resize, "conn-flush": conn_flush}
    filled = fill()
    b.dispatch("cm-in")
    b.set_inputs(pcaps)
    time.sleep(max(1.0, p.warmup))
    for name in OPERATIONS:
        entries = int(o.appctl("container-map/conn-count"))
        o.pmd_clear()
        n = ops[name](time.time() + p.duration)
        st = o.pmd_perf()
        bins = histogram(o.appctl("dpif-netdev/pmd-perf-show"))
        n_it = sum(c for _, c in bins)
        worst = quantile(bins, 1.0)
        p999 = quantile(bins, 0.999)
        b.log("pmd latency %-12s %d operations, %d connection entries: %d "
              "iterations, p99.9 %s us, max %s us, %.2f Mpps"
              % (name, n, entries, n_it, us(p999, b.tsc), us(worst, b.tsc),
                 st["kpps"] / 1000))
        b.row(test="pmd_latency", config=name, traffic="few-in",
              table_class="medium", table_size=size, flows=n_flows, n=n,
              value=us(worst, b.tsc), unit="us (longest PMD iteration)",
              mpps="%.3f" % (st["kpps"] / 1000),
              note="%d operations in %.1f s with %d connection entries "
                   "(%d made); %d iterations, 99.9th percentile %s us (bins "
                   "of OVS's cycles/it histogram)"
                   % (n, p.duration, entries, filled, n_it,
                      us(p999, b.tsc)))
    b.set_inputs(None)
    o.appctl("container-map/conn-set", "max=%d" % max_conns)
    o.vsctl("set", "Open_vSwitch", ".", "other_config:pmd-perf-metrics=false")

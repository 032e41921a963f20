#!/usr/bin/env python3
# results.csv -> results.md (tables, targets) and chart.png (gnuplot).
#
# Licensed under the Apache License, Version 2.0.
#
# Usage: report.py RESULTS_DIR [--no-chart]
#
# Ratio targets are computed from medians of one run.  "Plain forwarding"
# in the targets is the like-for-like flow "ip,nw_dst=IP,actions=output:2"
# (plain-ip); the simple-match "in_port=1,actions=output:2" (plain-simple)
# is the datapath's raw ceiling, shown beside it.

import csv
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layout  # noqa: E402

CLASSES = ["small", "medium", "large"]
INGRESS = ["plain-simple", "plain-ip", "cm-in", "of-port", "ct-dnat"]
EGRESS = ["cm-eg", "learn-eg"]
LABEL = {
    "plain-simple": "plain, simple match (in_port=1,actions=output:2)",
    "plain-ip": "plain forwarding (ip,nw_dst=IP,actions=output:2)",
    "cm-in": "container_map",
    "of-port": "OpenFlow: mod_dl_dst flow per [IP, port]",
    "ct-dnat": "conntrack DNAT (ct(nat))",
    "cm-eg": "container_map(egress) (reverse entries)",
    "learn-eg": "OpenFlow: learn() reverse flow per connection",
}
SHORT = {"plain-simple": "simple match", "plain-ip": "plain ip",
         "cm-in": "container_map", "of-port": "flow per port",
         "ct-dnat": "conntrack DNAT", "cm-eg": "container_map(egress)",
         "learn-eg": "learn()"}
TRAFFIC = {"few-in": "few flows", "many-in": "many flows",
           "few-eg": "few flows, egress", "many-eg": "many flows, egress",
           "new-eg": "new 5-tuples, egress"}


def size_label(n):
    n = int(n)
    if n >= 1000000 and n % 1000000 == 0:
        return "%dM" % (n // 1000000)
    if n >= 1024 and n % 1024 == 0:
        return "%dk" % (n // 1024)
    return str(n)


def f(x, default=0.0):
    try:
        return float(x)
    except (TypeError, ValueError):
        return default


class Report:
    def __init__(self, d):
        self.d = d
        with open(os.path.join(d, "results.csv")) as fh:
            self.rows = list(csv.DictReader(fh))
        self.machine = ""
        mp = os.path.join(d, "machine.txt")
        if os.path.exists(mp):
            self.machine = open(mp).read().strip()
        self.sizes = {}
        for r in self.rows:
            if r["table_class"] and r["table_size"]:
                self.sizes[r["table_class"]] = int(r["table_size"])

    def get(self, test, config, traffic=None, cls=None):
        for r in self.rows:
            if (r["test"] == test and r["config"] == config
                    and (traffic is None or r["traffic"] == traffic)
                    and (cls is None or r["table_class"] == cls)):
                return r
        return None

    def mpps(self, config, traffic, cls):
        r = self.get("throughput", config, traffic, cls)
        return f(r["mpps"]) if r else 0.0

    # --- targets ----------------------------------------------------------

    def targets(self):
        t = []

        def add(name, measured, ok):
            t.append((name, measured, "met" if ok else "**missed**"))

        def ratio(a, b):
            return a / b if b else 0.0

        classes = [c for c in CLASSES if c in self.sizes]
        # 1. >= 0.90x plain forwarding, few flows.
        vals = [(c, ratio(self.mpps("cm-in", "few-in", c),
                          self.mpps("plain-ip", "few-in", c)))
                for c in classes]
        add("container_map >= 0.90x plain forwarding (few flows; plain = "
            "ip,nw_dst=IP,actions=output:2)",
            ", ".join("%s: %.2fx" % (size_label(self.sizes[c]), v)
                      for c, v in vals),
            all(v >= 0.90 for _, v in vals))
        vals_s = [(c, ratio(self.mpps("cm-in", "few-in", c),
                            self.mpps("plain-simple", "few-in", c)))
                  for c in classes]
        t.append(("(for information: against the simple-match ceiling "
                  "in_port=1,actions=output:2)",
                  ", ".join("%s: %.2fx" % (size_label(self.sizes[c]), v)
                            for c, v in vals_s), "info"))
        # 2. >= 2x conntrack DNAT, few flows.
        vals = [(c, ratio(self.mpps("cm-in", "few-in", c),
                          self.mpps("ct-dnat", "few-in", c)))
                for c in classes]
        add("container_map >= 2x conntrack DNAT (few flows)",
            ", ".join("%s: %.2fx" % (size_label(self.sizes[c]), v)
                      for c, v in vals),
            all(v >= 2.0 for _, v in vals))
        # 3. Many flows: >= 1.5x the per-[IP, port] recipe.
        big = [c for c in classes if c != "small"] or classes
        vals = [(c, ratio(self.mpps("cm-in", "many-in", c),
                          self.mpps("of-port", "many-in", c)))
                for c in classes]
        add("many flows: container_map >= 1.5x the per-[IP, port] OpenFlow "
            "recipe",
            ", ".join("%s: %.2fx" % (size_label(self.sizes[c]), v)
                      for c, v in vals),
            all(v >= 1.5 for c, v in vals if c in big))
        # 3b. One megaflow per public IP.
        ok = True
        parts = []
        for c in big:
            cm = self.get("throughput", "cm-in", "many-in", c)
            of = self.get("throughput", "of-port", "many-in", c)
            if not cm or not of:
                continue
            n_in = 2
            per_ip = f(cm["megaflows"]) / (layout.N_PUBLIC_IPS * n_in)
            parts.append("%s: container_map %s megaflows (%.2f per public IP "
                         "and input port), per-port recipe %s"
                         % (size_label(self.sizes[c]), cm["megaflows"],
                            per_ip, of["megaflows"]))
            ok = ok and per_ip <= 1.0
        add("many flows: ONE megaflow per public IP (recipe: one per port)",
            "; ".join(parts), ok)
        # 4. <= 10 % change from 1k to 1M mappings.
        if "small" in classes and "large" in classes:
            parts = []
            ok = True
            for tr, a, b in (("few-in", "small", "large"),
                             ("many-in", "medium", "large")):
                x, y = self.mpps("cm-in", tr, a), self.mpps("cm-in", tr, b)
                px, py = (self.mpps("plain-ip", tr, a),
                          self.mpps("plain-ip", tr, b))
                raw = ratio(y, x) - 1
                norm = ratio(ratio(y, py), ratio(x, px)) - 1
                parts.append("%s %s->%s: %+.1f%% (%+.1f%% relative to plain "
                             "forwarding in the same phase)"
                             % (TRAFFIC[tr], size_label(self.sizes[a]),
                                size_label(self.sizes[b]), 100 * raw,
                                100 * norm))
                ok = ok and abs(norm) <= 0.10
            add("throughput changes <= 10% from 1k to 1M mappings (judged "
                "relative to plain forwarding measured in the same phase)",
                "; ".join(parts), ok)
        # 5. New connections.
        cm = self.get("new_conn", "cm-eg")
        le = self.get("new_conn", "learn-eg")
        if cm and le:
            r = ratio(f(cm["value"]), f(le["value"]))
            add("new connections: container_map reverse entries >= 10x the "
                "learn() recipe",
                "%s vs %s new conns/s: %.1fx" % (cm["value"], le["value"], r),
                r >= 10)
            add("new connections: zero upcalls per new connection",
                "container_map: %s upcalls for %s new 5-tuples (%s per "
                "connection); learn(): %s (%s per connection)"
                % (cm["upcalls"], cm["flows"], cm["upcalls_per_item"],
                   le["upcalls"], le["upcalls_per_item"]),
                f(cm["upcalls_per_item"]) < 0.001
                and int(f(cm["lost"])) == 0)
        # 6. Updates.
        ups = [r for r in self.rows if r["test"] == "update"]
        if ups:
            parts = []
            ok = False
            for r in ups:
                good = (f(r["value"]) >= 100000 and int(f(r["lost"])) == 0
                        and int(f(r["misdelivered"])) == 0)
                parts.append("%s: %s/s, lost %s, mis-delivered %s"
                             % (r["config"], r["value"], r["lost"],
                                r["misdelivered"]))
                ok = ok or (good and r["config"] != "appctl-process")
            clean = all(int(f(r["lost"])) == 0
                        and int(f(r["misdelivered"])) == 0 for r in ups)
            add(">= 100k table updates/s with zero packets lost or "
                "mis-delivered", "; ".join(parts), ok and clean)
        # 7. Memory.
        mem = self.get("memory", "cm-table", cls="large") \
            or self.get("memory", "cm-table")
        if mem:
            add("<= 256 bytes per mapping",
                "%s bytes/mapping (RSS delta loading %s mappings)"
                % (mem["value"], size_label(mem["table_size"])),
                f(mem["value"]) <= 256)
        return t

    # --- markdown ---------------------------------------------------------

    def markdown(self):
        out = []
        w = out.append
        w("# container_map benchmark results\n")
        w("```")
        w(self.machine)
        w("```\n")
        w("One PMD core (core 1; everything else on core 0) forwards "
          "60-byte TCP frames replayed from memory by two DPDK pcap ports "
          "to a DPDK null port.  Median of the repetitions (interleaved "
          "across configurations), each after warm-up (until a window has "
          "no upcalls).  Ratios are against plain forwarding measured in "
          "the same phase (same ovs-vswitchd, same table, same traffic).  "
          "Megaflows always match the input port: with two input ports "
          "every configuration has twice the megaflows one port would "
          "give.  *upcalls*: in the measurement windows; *not sent*: "
          "packets received and not transmitted in the windows (beyond 32 "
          "in flight per input); *PMD CPU %*: the lowest share of a window "
          "the PMD thread was on its core (cycles/packet are TSC cycles, so "
          "time other processes take from core 1 counts; below ~95 % the "
          "row is noisy).\n")
        w("Traffic: *few flows* = %s distinct 5-tuples (fit the EMC); "
          "*many flows* = %s distinct 5-tuples over %s mapped [IP, port]s "
          "(over every mapping of a smaller table); 16 public IPs.\n"
          % self.flow_desc())
        w("## Throughput\n")
        w("| traffic | table | configuration | Mpps (min-max) | cycles/pkt "
          "| megaflows | EMC % | SMC % | megaflow % | upcalls | not sent "
          "| x plain | x simple | PMD CPU % |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for tr in ["few-in", "many-in", "few-eg", "many-eg"]:
            for c in CLASSES:
                for cfg in INGRESS + EGRESS:
                    r = self.get("throughput", cfg, tr, c)
                    if not r:
                        continue
                    w("| %s | %s | %s | **%s** (%s-%s) | %s | %s | %s | %s "
                      "| %s | %s | %s | %s | %s | %s |"
                      % (TRAFFIC[tr], size_label(r["table_size"]),
                         LABEL[cfg], r["mpps"], r["mpps_min"], r["mpps_max"],
                         r["cycles_pkt"], r["megaflows"], r["emc_pct"],
                         r["smc_pct"], r["megaflow_pct"], r["upcalls"],
                         r["lost"], r["ratio_plain"], r["ratio_simple"],
                         r.get("pmd_cpu_pct", "")))
        notes = [(r["config"], r["traffic"], r["table_class"], r["note"])
                 for r in self.rows
                 if r["test"] == "throughput" and r["note"]]
        if notes:
            w("")
            for cfg, tr, c, note in notes:
                w("- %s, %s, %s table: %s" % (SHORT[cfg], TRAFFIC[tr],
                                                size_label(self.sizes[c]),
                                                note))
        w("\n## New connections\n")
        w("| configuration | new 5-tuples | new conns/s (one PMD core) "
          "| cycles/pkt | upcalls | upcalls per connection | lost | note |")
        w("|---|---|---|---|---|---|---|---|")
        for cfg in EGRESS:
            r = self.get("new_conn", cfg)
            if r:
                w("| %s | %s | **%s** | %s | %s | %s | %s | %s |"
                  % (LABEL[cfg], r["flows"], r["value"], r["cycles_pkt"],
                     r["upcalls"], r["upcalls_per_item"], r["lost"],
                     r["note"]))
        w("\n## Table updates under full load\n")
        w("| method | updates | updates/s | Mpps during | packets lost | "
          "mis-delivered | note |")
        w("|---|---|---|---|---|---|---|")
        for r in self.rows:
            if r["test"] == "update":
                w("| %s | %s | **%s** | %s | %s | %s | %s |"
                  % (r["config"], r["n"], r["value"], r["mpps"], r["lost"],
                     r["misdelivered"], r["note"]))
        w("\n## PMD iteration latency while the control plane works\n")
        w("| main thread | operations | longest iteration (us) | Mpps | "
          "note |")
        w("|---|---|---|---|---|")
        for r in self.rows:
            if r["test"] == "pmd_latency":
                w("| %s | %s | **%s** | %s | %s |"
                  % (r["config"], r["n"], r["value"], r["mpps"], r["note"]))
        rs = [r for r in self.rows if r["test"].startswith("restart_")]
        if rs:
            w("\n## kill -9 of ovs-vswitchd at full load\n")
            w("The map in the Container_Map database, the pipeline in "
              "Bridge:flows; ovs-vswitchd killed and started again (see "
              "bench/restart.py).\n")
            w("| measurement | table | value | note |")
            w("|---|---|---|---|")
            what = {"restart_complete": "start to a complete map",
                    "restart_forwarding": "kill -9 to forwarding again",
                    "restart_lost": "packets dropped before the map was "
                                    "complete",
                    "restart_rate": "rate after / before"}
            for r in rs:
                w("| %s | %s | **%s** %s | %s |"
                  % (what.get(r["test"], r["test"]),
                     size_label(r["table_size"]), r["value"], r["unit"],
                     r["note"]))
        w("\n## Memory and set-up times\n")
        w("| measurement | table | value | note |")
        w("|---|---|---|---|")
        for r in self.rows:
            if r["test"] in ("memory", "load_time", "install_time"):
                what = {"memory": "memory", "load_time": "load time",
                        "install_time": "OpenFlow install time"}[r["test"]]
                w("| %s (%s) | %s | %s %s | %s |"
                  % (what, r["config"], size_label(r["table_size"]),
                     r["value"], r["unit"], r["note"]))
        w("\n## Targets\n")
        w("| target | measured | |")
        w("|---|---|---|")
        for name, measured, status in self.targets():
            w("| %s | %s | %s |" % (name, measured, status))
        w("")
        if os.path.exists(os.path.join(self.d, "chart.png")):
            w("![Mpps per configuration and table size](chart.png)\n")
        return "\n".join(out)

    # --- reStructuredText summary (for Documentation/topics/benchmark.rst) -

    def rst(self):
        def table(header, rows):
            cols = list(zip(*([header] + rows)))
            widths = [max(len(str(c)) for c in col) for col in cols]
            sep = "  ".join("=" * w for w in widths)
            fmt = lambda r: "  ".join(str(c).ljust(w)
                                      for c, w in zip(r, widths)).rstrip()
            return "\n".join([sep, fmt(header), sep]
                             + [fmt(r) for r in rows] + [sep])

        out = []
        m = dict(line.split(": ", 1) for line in self.machine.splitlines()
                 if ": " in line)
        out.append("Latest results (``make bench``, %s) on %s; %s, %s, "
                   "DPDK %s; commit %s; load average %s at start, %s at "
                   "end."
                   % (m.get("date", "?"), m.get("cpu", "?"),
                      m.get("memory", "?"), m.get("os", "?"),
                      m.get("dpdk", "?"), m.get("commit", "?"),
                      m.get("load average at start", "?"),
                      m.get("load average at end", "?")))
        out.append("")
        classes = [c for c in CLASSES if c in self.sizes]
        hdr = ["Mpps (median)"]
        for tr in ("few-in", "many-in"):
            for c in classes:
                hdr.append("%s %s" % ("few" if tr == "few-in" else "many",
                                      size_label(self.sizes[c])))
        rows = []
        for cfg in INGRESS:
            r = [SHORT[cfg]]
            for tr in ("few-in", "many-in"):
                for c in classes:
                    x = self.get("throughput", cfg, tr, c)
                    r.append("%s (%sx)" % (x["mpps"], x["ratio_plain"])
                             if x else "-")
            rows.append(r)
        out.append(table(hdr, rows))
        out.append("")
        out.append("(x: ratio to plain forwarding ``ip,nw_dst=IP,"
                   "actions=output:2`` in the same phase.)")
        out.append("")
        out.append(".. list-table:: Targets (ratios from one run)")
        out.append("   :header-rows: 1")
        out.append("   :widths: 8 40 52")
        out.append("")
        out.append("   * -")
        out.append("     - target")
        out.append("     - measured")
        for name, measured, status in self.targets():
            out.append("   * - %s" % status.replace("**", ""))
            out.append("     - %s" % name)
            out.append("     - %s" % measured)
        return "\n".join(out)

    def flow_desc(self):
        import json
        p = {}
        path = os.path.join(self.d, "params.json")
        if os.path.exists(path):
            p = json.load(open(path))
        return tuple("{:,}".format(p[k]) if k in p else "?"
                     for k in ("few", "many", "many_ports"))

    # --- chart ------------------------------------------------------------

    def chart(self):
        if not shutil.which("gnuplot"):
            print("report: gnuplot not found (apt-get install gnuplot-nox); "
                  "no chart", file=sys.stderr)
            return False
        classes = [c for c in CLASSES if c in self.sizes]
        dat = os.path.join(self.d, "chart.dat")
        with open(dat, "w") as fh:
            for tr, cfgs in (("few-in", INGRESS), ("many-in", INGRESS),
                             ("eg", EGRESS)):
                fh.write("# %s\n" % tr)
                if tr == "eg":
                    fh.write('config "few flows" "many flows"\n')
                else:
                    fh.write("config %s\n" % " ".join(
                        size_label(self.sizes[c]) for c in classes))
                for cfg in cfgs:
                    if tr == "eg":
                        vals = [self.mpps(cfg, "few-eg", "medium"),
                                self.mpps(cfg, "many-eg", "medium")]
                    else:
                        vals = [self.mpps(cfg, tr, c) for c in classes]
                    fh.write('"%s" %s\n' % (SHORT[cfg],
                                            " ".join("%.3f" % v
                                                     for v in vals)))
                fh.write("\n\n")
        n = len(classes)
        med = size_label(self.sizes.get("medium", 0))
        gp = """
set terminal pngcairo size 1500,560 font "sans,10" noenhanced
set output '{out}'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "Mpps (median)"
set yrange [0:*]
set grid ytics
set key top right title "mappings"
set xtics rotate by -25 scale 0
set multiplot layout 1,3 title "container_map vs stock OVS recipes, one PMD core, 60-byte frames"
set title "few flows ({few} 5-tuples)"
plot for [i=2:{nc}] '{dat}' index 0 using i:xtic(1) title columnheader(i)
set title "many flows ({many} 5-tuples over up to {ports} ports)"
plot for [i=2:{nc}] '{dat}' index 1 using i:xtic(1) title columnheader(i)
set title "egress, {med} mappings"
set key title ""
plot for [i=2:3] '{dat}' index 2 using i:xtic(1) title columnheader(i)
unset multiplot
""".format(out=os.path.join(self.d, "chart.png"), dat=dat, nc=n + 1,
           med=med, few=self.flow_desc()[0], many=self.flow_desc()[1],
           ports=self.flow_desc()[2])
        gpf = os.path.join(self.d, "chart.gp")
        with open(gpf, "w") as fh:
            fh.write(gp)
        p = subprocess.run(["gnuplot", gpf], capture_output=True, text=True)
        if p.returncode:
            print("report: gnuplot failed: %s" % p.stderr, file=sys.stderr)
            return False
        return True


def main():
    if len(sys.argv) < 2:
        print("usage: report.py RESULTS_DIR [--no-chart]", file=sys.stderr)
        return 2
    r = Report(sys.argv[1])
    if "--no-chart" not in sys.argv:
        r.chart()
    md = r.markdown()
    with open(os.path.join(sys.argv[1], "results.md"), "w") as fh:
        fh.write(md + "\n")
    with open(os.path.join(sys.argv[1], "results.rst"), "w") as fh:
        fh.write(r.rst() + "\n")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())

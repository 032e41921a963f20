# restart.py -- "make bench": kill -9 of ovs-vswitchd at full PMD load.
#
# Licensed under the Apache License, Version 2.0.
#
# With the medium table kept in the Container_Map database, its pipeline in
# Bridge:flows (container-map/set-flows) and "few-in" traffic through
# container_map at full PMD load, ovs-vswitchd is killed with SIGKILL and
# started again on the same configuration.  Reported, one row each:
#   restart_complete   seconds from the start of the new ovs-vswitchd to its
#                      "container map complete" log line;
#   restart_forwarding seconds from the kill until the new PMD forwards
#                      through container_map again (the output port sent
#                      packets; polled every 50 ms);
#   restart_lost       packets the new datapath received and dropped before
#                      the map was complete: with flow-restore-wait held it
#                      handles none (dpctl/show "lost"), so none meets an
#                      incomplete table.  With a NIC the packets that arrive
#                      while no process runs are lost too (the pcap input
#                      only starts with the new process): the note gives
#                      the kill-to-forwarding gap times the rate before;
#   restart_rate       Mpps through container_map after the restart over
#                      before it, and container_map's misses after it (0: no
#                      packet met a mapping that was not back).

import os
import re
import time

from layout import IN0, IN1, OUT0

def pipeline_file(b, table):
    """The cm-in pipeline (its dispatch flows and OpenFlow 'table'), as
    set-flows keeps it in the database."""
    path = os.path.join(b.work, "restart-flows.txt")
    with open(path, "w") as f:
        for port in (IN0, IN1):
            f.write("table=0,priority=100,in_port=%d,actions=resubmit(,%d)\n"
                    % (port, table))
        for line in open(b.flows_file(b.restart_size)):
            if re.match(r"^table=%d," % table, line):
                f.write(line)
    return path


def lost(o):
    m = re.search(r"lost:(\d+)", o.appctl("dpctl/show"))
    return int(m.group(1)) if m else 0


def window(b):
    """A measurement window after the bench's warm-up."""
    o = b.ovs
    b.warm_up()
    o.pmd_clear()
    time.sleep(b.p.duration)
    return o.pmd_perf()


def restart_test(b, table):
    o = b.ovs
    o.add_container_map_db()
    b.load_table(b.table_file(b.restart_size))
    o.appctl("container-map/set-flows", "br0", pipeline_file(b, table))
    pcaps, _, _ = b.traffic("few-in", b.restart_size)
    b.set_inputs(pcaps)
    before = window(b)

    logpath = os.path.join(o.dir, "ovs-vswitchd.log")
    t_kill = time.time()
    o.kill_vswitchd()
    with open(logpath) as log:
        log.seek(0, os.SEEK_END)
        t_start = time.time()
        o.start_vswitchd()
        complete = None
        forwarding = None
        end = time.time() + 120
        while time.time() < end and (complete is None or forwarding is None):
            for line in log:
                if complete is None and "container map complete" in line:
                    complete = time.time()
            if forwarding is None and o.port_tx(OUT0) > 0:
                forwarding = time.time()
            time.sleep(0.05)
    if complete is None or forwarding is None:
        raise RuntimeError("restart: map complete %s, forwarding %s after "
                           "120 s" % (complete, forwarding))
    n_lost = lost(o)
    miss0 = o.coverage("container_map_miss")
    after = window(b)
    misses = o.coverage("container_map_miss") - miss0

    common = dict(config="kill-9", traffic="few-in", table_class="medium",
                  table_size=b.restart_size)
    b.row(test="restart_complete", value="%.3f" % (complete - t_start),
          unit="s", note="ovs-vswitchd started -> container map complete",
          **common)
    b.row(test="restart_forwarding", value="%.3f" % (forwarding - t_kill),
          unit="s", note="kill -9 -> container_map forwards again "
          "(50 ms polling)", **common)
    gap = forwarding - t_kill
    b.row(test="restart_lost", value=str(n_lost), lost=n_lost,
          unit="packets", note="received by the new process before the map "
          "was complete, dropped unhandled; with a NIC at this rate the "
          "whole gap loses ~%d" % (gap * before["kpps"] * 1000), **common)
    ratio = (after["kpps"] / before["kpps"]) if before["kpps"] else 0.0
    b.row(test="restart_rate", mpps="%.3f" % (after["kpps"] / 1000),
          value="%.2f" % ratio, unit="after/before",
          misdelivered=misses,
          note="%.3f Mpps before; %d container_map misses after"
          % (before["kpps"] / 1000, misses), **common)
    b.log("restart: complete %.2f s after start, forwarding %.2f s after "
          "kill -9, %d packets dropped unhandled meanwhile, %.3f -> %.3f "
          "Mpps, %d misses after"
          % (complete - t_start, forwarding - t_kill, n_lost,
             before["kpps"] / 1000, after["kpps"] / 1000, misses))
    b.set_inputs(None)

#!/usr/bin/env python3
# Writes what the benchmark configures: container-map/load files, OpenFlow
# flow files (one OpenFlow table per configuration) and reservations.
#
# Licensed under the Apache License, Version 2.0.
#
# Usage:
#   gen_config.py table SIZE OUT            mappings 0..SIZE-1 (load format)
#   gen_config.py flows SIZE OUT            every configuration's flows
#   gen_config.py reservations OUT          "IP MAC OFPORT ports=LO-HI" lines
#   gen_config.py extra FIRST N OUT [PORT]  N mappings on other IPs (updates)
#
# OpenFlow tables (table 0 only holds the dispatch flow run-bench.sh sets
# per configuration, "in_port=IN,actions=resubmit(,T)"):
#   10 plain-ip   ip,nw_dst=PUBLIC_IP,actions=output:2 (16 flows)
#   20 cm-in      ip,nw_dst=PUBLIC_IP,actions=container_map (16 flows)
#   30 of-port    tcp,nw_dst=IP,tp_dst=PORT,actions=mod_dl_dst:MAC,output:2
#                 (one per mapping: the controller / seeds' recipe)
#   40,41 ct-dnat ct(zone=1,nat) then, for new connections, one
#                 ct(commit,nat(dst=PRIVATE:PORT)) flow per mapping and, for
#                 established ones, one mod_dl_dst flow per container
#   50 cm-eg      container_map(egress),output:2
#   60,61 learn   learn() of the reverse flow into table 61, output:2

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layout  # noqa: E402

OUT = layout.OUT_PORT

LEARN = ("learn(table=61,idle_timeout=600,priority=100,eth_type=0x800,"
         "nw_proto=6,NXM_OF_IP_SRC[]=NXM_OF_IP_DST[],"
         "NXM_OF_IP_DST[]=NXM_OF_IP_SRC[],"
         "NXM_OF_TCP_SRC[]=NXM_OF_TCP_DST[],"
         "NXM_OF_TCP_DST[]=NXM_OF_TCP_SRC[],"
         "load:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
         "output:NXM_OF_IN_PORT[])")


def write_table(size, out):
    with open(out, "w") as f:
        for i in range(size):
            ip, port, c = layout.mapping(i, size)
            f.write("%s tcp %d %s %d\n" % (ip, port, layout.container_mac(c),
                                           OUT))


def write_flows(size, out):
    with open(out, "w") as f:
        w = f.write
        for k in range(layout.N_PUBLIC_IPS):
            ip = layout.public_ip(k)
            w("table=10,priority=100,ip,nw_dst=%s,actions=output:%d\n"
              % (ip, OUT))
            w("table=20,priority=100,ip,nw_dst=%s,actions=container_map\n"
              % ip)
        w("table=40,priority=100,ip,actions=ct(table=41,zone=1,nat)\n")
        for i in range(size):
            ip, port, c = layout.mapping(i, size)
            mac = layout.container_mac(c)
            w("table=30,priority=100,tcp,nw_dst=%s,tp_dst=%d,"
              "actions=mod_dl_dst:%s,output:%d\n" % (ip, port, mac, OUT))
            w("table=41,priority=100,ct_state=+new+trk,tcp,nw_dst=%s,"
              "tp_dst=%d,actions=ct(commit,zone=1,nat(dst=%s:%d)),"
              "mod_dl_dst:%s,output:%d\n"
              % (ip, port, layout.container_private_ip(c), port, mac, OUT))
        for c in range(layout.n_containers(size)):
            w("table=41,priority=90,ct_state=+est+trk,ip,nw_dst=%s,"
              "actions=mod_dl_dst:%s,output:%d\n"
              % (layout.container_private_ip(c), layout.container_mac(c),
                 OUT))
        w("table=50,priority=100,actions=container_map(egress),output:%d\n"
          % OUT)
        w("table=60,priority=100,tcp,actions=%s,output:%d\n" % (LEARN, OUT))


def write_reservations(out):
    with open(out, "w") as f:
        for e in range(layout.N_EGRESS_IPS):
            for j in range(layout.CONTAINERS_PER_EGRESS_IP):
                c = layout.egress_container(e, j)
                lo, hi = layout.egress_range(j)
                f.write("%s %s %d ports=%d-%d\n"
                        % (layout.egress_ip(e), layout.container_mac(c),
                           layout.egress_in_port(e), lo, hi))


def write_extra(first, n, out, port):
    """Mappings on IPs 198.18.8.0/21 (never in traffic), numbered from
    'first', for the update test."""
    with open(out, "w") as f:
        for i in range(first, first + n):
            g = i // 60000
            ip = "198.18.%d.%d" % (8 + g // 254, 1 + g % 254)
            f.write("%s tcp %d %s %d\n" % (ip, 1024 + i % 60000,
                                           layout.container_mac(i % 4096),
                                           port))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("table")
    p.add_argument("size", type=int)
    p.add_argument("out")
    p = sub.add_parser("flows")
    p.add_argument("size", type=int)
    p.add_argument("out")
    p = sub.add_parser("reservations")
    p.add_argument("out")
    p = sub.add_parser("extra")
    p.add_argument("first", type=int)
    p.add_argument("n", type=int)
    p.add_argument("out")
    p.add_argument("port", type=int, nargs="?", default=OUT)
    a = ap.parse_args()
    if a.cmd == "table":
        write_table(a.size, a.out)
    elif a.cmd == "flows":
        write_flows(a.size, a.out)
    elif a.cmd == "reservations":
        write_reservations(a.out)
    else:
        write_extra(a.first, a.n, a.out, a.port)


if __name__ == "__main__":
    main()

# The benchmark's addressing plan, shared by gen_pcap.py and gen_config.py.
#
# Licensed under the Apache License, Version 2.0.
#
# Only benchmarking (198.18.0.0/15, RFC 2544), shared (100.64.0.0/10),
# private (10.0.0.0/8) and documentation (203.0.113.0/24) addresses are used.
#
# Mappings (the table of S entries, S = 1k, 64k or 1M):
#   mapping i -> public IP 198.18.1.(1 + i % 16), TCP port 1024 + i // 16,
#                container i % C (C = min(S, 4096) containers), whose MAC is
#                02:cc:00:00:HH:LL and, for the conntrack recipe, whose
#                private address is 10.1.HH.LL; delivered on OpenFlow port 2.
#   So every table uses the 16 public IPs, and a 1M table maps ports
#   1024-63523 of each.
#
# Ingress traffic (towards containers), flow f of n:
#   destination = mapping f % n_mapped, source = 100.64.0.0 + f, port
#   10000 + f % 50000: every flow is a distinct 5-tuple.
#   "few":  1,024 flows over mappings 0-1023 (16 IPs x 64 ports);
#   "many": 262,144 flows over mappings 0-61439 (16 IPs x 3,840 ports).
#
# Egress traffic (from containers, "reverse entries"):
#   egress IP 198.18.2.(1 + e), e < 16, is shared by 16 containers j < 16,
#   container 256 + 16 e + j (not one of the mapped ones) reserved source
#   ports 1024 + 4000 j ... + 3999; flow f: e = f % 16, j = f // 16 % 16,
#   source port 1024 + 4000 j + f // 256, towards 203.0.113.1:443 (or
#   another remote port for the new-connection test).  The containers of
#   even e send on input port in0, those of odd e on in1.

import ipaddress

N_PUBLIC_IPS = 16
FIRST_PORT = 1024
MAX_CONTAINERS = 4096
OUT_PORT = 2            # OpenFlow port of the null output ("out0").
OUT_PORT2 = 3           # second null output (update test only).

# The harness's OpenFlow ports: inputs in0 and in1 (pcap), outputs out0 and
# out1 (null), and "hold", a null port that keeps in1's mempool.
IN0, IN1, OUT0, OUT1, HOLD = 1, 3, OUT_PORT, 4, 9
IN1_MTU = 2100

INGRESS_CONFIGS = ["plain-simple", "plain-ip", "cm-in", "of-port", "ct-dnat"]
EGRESS_CONFIGS = ["cm-eg", "learn-eg"]

ROUTER_MAC = "02:00:00:00:fe:01"   # eth_src of ingress traffic
BRIDGE_MAC = "02:00:00:00:fe:02"   # eth_dst of ingress traffic
REMOTE_IP = "203.0.113.1"
REMOTE_PORT = 443

N_EGRESS_IPS = 16
CONTAINERS_PER_EGRESS_IP = 16
EGRESS_RANGE = 4000
EGRESS_CONTAINER_BASE = 4096


def public_ip(k):
    return "198.18.1.%d" % (1 + k)


def egress_ip(e):
    return "198.18.2.%d" % (1 + e)


def n_containers(size):
    return min(size, MAX_CONTAINERS)


def container_mac(c):
    return "02:cc:%02x:%02x:%02x:%02x" % ((c >> 24) & 0xff, (c >> 16) & 0xff,
                                          (c >> 8) & 0xff, c & 0xff)


def container_private_ip(c):
    return "10.1.%d.%d" % ((c >> 8) & 0xff, c & 0xff)


def mapping(i, size):
    """(public IP, port, container) of mapping i of a table of 'size'."""
    return (public_ip(i % N_PUBLIC_IPS), FIRST_PORT + i // N_PUBLIC_IPS,
            i % n_containers(size))


def client(f):
    """(source IP, source port) of ingress flow f."""
    return (str(ipaddress.IPv4Address(int(ipaddress.IPv4Address(
        "100.64.0.0")) + f)), 10000 + f % 50000)


def egress_container(e, j):
    return EGRESS_CONTAINER_BASE + e * CONTAINERS_PER_EGRESS_IP + j


def egress_range(j):
    lo = FIRST_PORT + EGRESS_RANGE * j
    return lo, lo + EGRESS_RANGE - 1


def egress_in_port(e):
    """The input port the containers of egress IP 'e' send on: their
    reservations name it, and the egress action drops what a container sends
    from anywhere else."""
    return (IN0, IN1)[e % 2]


def egress_flow(f):
    """(container, src IP, src port) of egress flow f (f < 16*16*4000)."""
    e = f % N_EGRESS_IPS
    j = (f // N_EGRESS_IPS) % CONTAINERS_PER_EGRESS_IP
    k = f // (N_EGRESS_IPS * CONTAINERS_PER_EGRESS_IP)
    assert k < EGRESS_RANGE
    return egress_container(e, j), egress_ip(e), egress_range(j)[0] + k

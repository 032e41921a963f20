# A private ovsdb-server + ovs-vswitchd (DPDK) for the benchmark: its own
# run, db and log directories, never the system's daemons.
#
# Licensed under the Apache License, Version 2.0.

import json
import os
import re
import signal
import socket
import subprocess
import time


class OvsError(Exception):
    pass


class Ovs:
    def __init__(self, builddir, workdir, hugedir, socket_mem=1024,
                 socket_limit=2048, log=print):
        self.b = builddir
        self.dir = workdir
        self.hugedir = hugedir
        self.socket_mem = socket_mem
        self.socket_limit = socket_limit
        self.log = log
        self.env = dict(os.environ, OVS_RUNDIR=workdir, OVS_DBDIR=workdir,
                        OVS_LOGDIR=workdir, OVS_SYSCONFDIR=workdir,
                        OVS_PKGDATADIR=os.path.join(builddir, "vswitchd"))
        self.db_sock = os.path.join(workdir, "db.sock")
        self.vswitchd_pid = None
        self.ovsdb_pid = None
        self.n_vdev = 0
        self._unixctl = None

    # --- programs ---------------------------------------------------------

    def prog(self, name):
        return {"ovs-vsctl": "utilities/ovs-vsctl",
                "ovs-ofctl": "utilities/ovs-ofctl",
                "ovs-appctl": "utilities/ovs-appctl",
                "ovsdb-tool": "ovsdb/ovsdb-tool",
                "ovsdb-server": "ovsdb/ovsdb-server",
                "ovs-vswitchd": "vswitchd/ovs-vswitchd"}[name]

    def run(self, name, *args, timeout=600, check=True):
        cmd = [os.path.join(self.b, self.prog(name))] + [str(a) for a in args]
        p = subprocess.run(cmd, env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        if check and p.returncode:
            raise OvsError("%s: exit %d: %s" % (" ".join(cmd[:6]),
                                                p.returncode,
                                                (p.stderr or p.stdout)[-800:]))
        return p.stdout

    def vsctl(self, *args, **kw):
        return self.run("ovs-vsctl", "--db=unix:" + self.db_sock,
                        "--timeout=120", *args, **kw)

    def ofctl(self, *args, **kw):
        return self.run("ovs-ofctl", *args, **kw)

    def appctl(self, *args, **kw):
        return self.run("ovs-appctl", "-T", "600", *args, **kw)

    # --- daemons ----------------------------------------------------------

    def start(self, other_config=None):
        d = self.dir
        os.makedirs(d, exist_ok=True)
        db = os.path.join(d, "conf.db")
        if os.path.exists(db):
            os.unlink(db)
        self.run("ovsdb-tool", "create", db,
                 os.path.join(self.b, "vswitchd/vswitch.ovsschema"))
        self.run("ovsdb-server", db, "--remote=punix:" + self.db_sock,
                 "--pidfile=" + os.path.join(d, "ovsdb-server.pid"),
                 "--log-file=" + os.path.join(d, "ovsdb-server.log"),
                 "--unixctl=" + os.path.join(d, "ovsdb-server.ctl"),
                 "--detach", "--no-chdir")
        self.ovsdb_pid = int(open(os.path.join(d, "ovsdb-server.pid")).read())
        oc = {"dpdk-init": "true", "dpdk-lcore-mask": "0x1",
              "pmd-cpu-mask": "0x2",
              "dpdk-socket-mem": str(self.socket_mem),
              "dpdk-socket-limit": str(self.socket_limit),
              "dpdk-extra": "--no-pci --huge-dir=%s" % self.hugedir,
              "flow-limit": "1000000", "max-idle": "30000"}
        oc.update(other_config or {})
        args = ["--no-wait", "init", "--", "set", "Open_vSwitch", "."]
        args += ['other_config:%s="%s"' % kv for kv in oc.items()]
        self.vsctl(*args)
        self.start_vswitchd()
        self.vsctl("add-br", "br0", "--", "set", "bridge", "br0",
                   "datapath_type=netdev", "fail-mode=secure",
                   "protocols=OpenFlow10,OpenFlow13,OpenFlow14,OpenFlow15")
        if "dpdk_initialized" in self.vsctl("list", "Open_vSwitch"):
            if "true" not in self.vsctl("get", "Open_vSwitch", ".",
                                        "dpdk_initialized"):
                raise OvsError("DPDK did not initialize; see %s"
                               % os.path.join(d, "ovs-vswitchd.log"))

    def start_vswitchd(self):
        """Starts ovs-vswitchd on the existing configuration (it returns
        once DPDK is up and the bridges are configured)."""
        d = self.dir
        self.run("ovs-vswitchd", "unix:" + self.db_sock,
                 "--pidfile=" + os.path.join(d, "ovs-vswitchd.pid"),
                 "--log-file=" + os.path.join(d, "ovs-vswitchd.log"),
                 "--detach", "--no-chdir", "-vconsole:off",
                 timeout=300)
        self.vswitchd_pid = int(open(os.path.join(d,
                                                  "ovs-vswitchd.pid")).read())
        self.ctl = os.path.join(d, "ovs-vswitchd.%d.ctl" % self.vswitchd_pid)

    def kill_vswitchd(self):
        """kill -9, then waits until every thread is gone (and with them
        the hugepages)."""
        os.kill(self.vswitchd_pid, signal.SIGKILL)
        self._wait_gone(self.vswitchd_pid, 60)
        self.vswitchd_pid = None

    def add_container_map_db(self):
        """Has ovsdb-server serve the Container_Map database too and waits
        until ovs-vswitchd keeps the map in it."""
        db = os.path.join(self.dir, "container-map.db")
        if os.path.exists(db):
            os.unlink(db)
        self.run("ovsdb-tool", "create", db,
                 os.path.join(self.b, "cmext/ofproto-ext/"
                              "container-map.ovsschema"))
        self.appctl("-t", os.path.join(self.dir, "ovsdb-server.ctl"),
                    "ovsdb-server/add-db", db)
        end = time.time() + 30
        while time.time() < end:
            # The command also makes ovs-vswitchd look again at once.
            out = self.appctl("container-map/database")
            if out.splitlines()[0].endswith(": durable"):
                return
            time.sleep(0.1)
        raise OvsError("ovs-vswitchd did not read the Container_Map "
                       "database: %s" % out.strip())

    def stop(self):
        if self._unixctl:
            try:
                self._unixctl.close()
            except OSError:
                pass
            self._unixctl = None
        if self.vswitchd_pid:
            try:
                self.appctl("-t", self.ctl, "exit", "--cleanup", timeout=60)
            except Exception:
                pass
            self._wait_gone(self.vswitchd_pid, 60)
            self.vswitchd_pid = None
        if self.ovsdb_pid:
            try:
                os.kill(self.ovsdb_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self._wait_gone(self.ovsdb_pid, 10)
            self.ovsdb_pid = None

    @staticmethod
    def _alive(pid):
        """True while any thread of 'pid' runs (a multithreaded process
        whose main thread is a zombie still holds its memory, hugepages
        included)."""
        try:
            tasks = os.listdir("/proc/%d/task" % pid)
        except OSError:
            return False
        for t in tasks:
            try:
                with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                    if f.read().rsplit(") ", 1)[-1][0] not in "ZX":
                        return True
            except OSError:
                pass
        return False

    def _wait_gone(self, pid, timeout):
        end = time.time() + timeout
        while self._alive(pid) and time.time() < end:
            time.sleep(0.1)
        if self._alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            time.sleep(0.5)

    def rss_kb(self):
        with open("/proc/%d/status" % self.vswitchd_pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def pmd_tid(self):
        for t in os.listdir("/proc/%d/task" % self.vswitchd_pid):
            try:
                with open("/proc/%d/task/%s/comm" % (self.vswitchd_pid,
                                                     t)) as f:
                    if f.read().startswith("pmd"):
                        return int(t)
            except OSError:
                pass
        return None

    def cpu_sample(self):
        """(time, PMD thread on-CPU ns, runnable-but-waiting ns, CPU 1
        steal ticks, total CPU 1 ticks): how much of a window the PMD
        thread really ran (others' processes on core 1, VM steal)."""
        run = wait = 0
        tid = self.pmd_tid()
        if tid:
            try:
                with open("/proc/%d/task/%d/schedstat"
                          % (self.vswitchd_pid, tid)) as f:
                    run, wait = [int(x) for x in f.read().split()[:2]]
            except OSError:
                pass
        steal = total = 0
        with open("/proc/stat") as f:
            for line in f:
                if line.startswith("cpu1 "):
                    v = [int(x) for x in line.split()[1:]]
                    steal, total = v[7], sum(v[:8])
        return time.time(), run, wait, steal, total

    @staticmethod
    def cpu_share(a, b):
        """PMD on-CPU share and CPU 1 steal share between two samples."""
        wall = (b[0] - a[0]) * 1e9
        run = b[1] - a[1]
        ticks = b[4] - a[4]
        return (min(100.0, 100.0 * run / wall) if wall > 0 else 0.0,
                100.0 * (b[3] - a[3]) / ticks if ticks > 0 else 0.0)

    def tsc_hz(self):
        log = open(os.path.join(self.dir, "ovs-vswitchd.log")).read()
        m = re.findall(r"TSC frequency: (\d+) KHz", log)
        return int(m[-1]) * 1000 if m else None

    # --- ports ------------------------------------------------------------

    def add_null_port(self, name, ofport):
        self.n_vdev += 1
        self.vsctl("add-port", "br0", name, "--", "set", "Interface", name,
                   "type=dpdk", "options:dpdk-devargs=net_null%d,no-rx=1"
                   % self.n_vdev, "ofport_request=%d" % ofport,
                   "other_config:pmd-rxq-affinity=0:1")
        self.wait_port(name, ofport)

    def add_pcap_port(self, name, ofport, pcap, infinite=True, mtu=None):
        self.n_vdev += 1
        args = ["add-port", "br0", name, "--", "set", "Interface", name,
                "type=dpdk",
                "options:dpdk-devargs=net_pcap%d,rx_pcap=%s,infinite_rx=%d"
                % (self.n_vdev, pcap, 1 if infinite else 0),
                "ofport_request=%d" % ofport]
        if mtu:
            args.append("mtu_request=%d" % mtu)
        self.vsctl(*args)
        self.wait_port(name, ofport)

    def wait_port(self, name, ofport, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            out = self.vsctl("--if-exists", "get", "Interface", name,
                             "ofport", "error").split("\n")
            if out[0].strip() == str(ofport):
                return
            if len(out) > 1 and out[1].strip() not in ("", "[]"):
                raise OvsError("port %s: %s" % (name, out[1].strip()))
            time.sleep(0.1)
        raise OvsError("port %s did not come up" % name)

    def del_port(self, name):
        self.vsctl("--if-exists", "del-port", "br0", name)

    # --- statistics -------------------------------------------------------

    def poll(self, ports, on):
        """Starts or stops polling of 'ports' by the PMD thread.

        Every port of the benchmark has its rx queue pinned to core 1
        (pmd-rxq-affinity), which isolates that PMD thread: a port without
        the pin is not polled at all.  Input ports are added unpinned and
        pinned once ofproto knows them (an upcall for a packet from a port
        ofproto does not know yet fails and drops the packet), and
        unpinned to stop the input while the PMD statistics stay."""
        args = []
        for p in ports:
            if args:
                args.append("--")
            if on:
                args += ["set", "Interface", p,
                         "other_config:pmd-rxq-affinity=0:1"]
            else:
                args += ["remove", "Interface", p, "other_config",
                         "pmd-rxq-affinity"]
        self.vsctl(*args)

    def pmd_clear(self):
        self.appctl("dpif-netdev/pmd-stats-clear")

    def pmd_perf(self):
        """Overall statistics of the (single) PMD thread."""
        out = self.appctl("dpif-netdev/pmd-perf-show")
        st = {"rx": 0, "tx": 0, "kpps": 0.0, "cycles_pkt": 0.0, "passes": 0,
              "emc": 0, "smc": 0, "megaflow": 0, "simple": 0, "upcalls": 0,
              "lost_upcalls": 0, "upcall_us": 0.0, "duration": 0.0,
              "used_cycles": 0, "busy_pct": 0.0}
        pmd = None
        for block in re.split(r"\n(?=pmd thread)", out):
            if "pmd thread" in block and "core_id 1" in block:
                pmd = block
        if pmd is None:
            pmd = out

        def num(pattern, cast=int, default=0, text=None):
            m = re.search(pattern, pmd if text is None else text)
            return cast(m.group(1)) if m else default
        st["duration"] = num(r"Measurement duration: *([\d.]+)", float, 0.0,
                             out)
        st["used_cycles"] = num(r"Used TSC cycles: *(\d+)")
        st["busy_pct"] = num(r"busy iterations: *\d+ *\( *([\d.]+)", float,
                             0.0)
        m = re.search(r"Rx packets: *(\d+) *\(([\d.]+) Kpps, ([\d.]+) cycles",
                      pmd)
        if m:
            st["rx"] = int(m.group(1))
            st["kpps"] = float(m.group(2))
            st["cycles_pkt"] = float(m.group(3))
        st["passes"] = num(r"Datapath passes: *(\d+)")
        st["simple"] = num(r"Simple Match hits: *(\d+)")
        st["emc"] = num(r"EMC hits: *(\d+)")
        st["smc"] = num(r"SMC hits: *(\d+)")
        st["megaflow"] = num(r"Megaflow hits: *(\d+)")
        st["upcalls"] = num(r"- Upcalls: *(\d+)")
        st["upcall_us"] = num(r"- Upcalls: *\d+ *\([^,]*, *([\d.]+) us",
                              float, 0.0)
        st["lost_upcalls"] = num(r"Lost upcalls: *(\d+)")
        st["tx"] = num(r"Tx packets: *(\d+)")
        return st

    def n_megaflows(self):
        m = re.search(r"flows: *(\d+)", self.appctl("dpctl/show"))
        return int(m.group(1)) if m else -1

    def coverage(self, name):
        out = self.appctl("coverage/read-counter", name, check=False)
        try:
            return int(out.strip())
        except ValueError:
            m = re.search(r"^%s\s.*total: (\d+)" % re.escape(name),
                          self.appctl("coverage/show"), re.M)
            return int(m.group(1)) if m else 0

    def port_tx(self, port):
        """Live tx_packets of an OpenFlow port (netdev statistics)."""
        out = self.ofctl("dump-ports", "br0", port)
        m = re.search(r"tx pkts=(\d+)", out)
        return int(m.group(1)) if m else 0

    # --- unixctl over one persistent connection ---------------------------

    def unixctl_many(self, requests, window=64):
        """Sends [(method, [params])...] over one unixctl connection, at
        most 'window' outstanding; returns the list of (error, result)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.ctl)
        dec = json.JSONDecoder()
        buf = ""
        replies = []
        sent = 0
        n = len(requests)
        try:
            while len(replies) < n:
                while sent < n and sent - len(replies) < window:
                    method, params = requests[sent]
                    s.sendall(json.dumps({"method": method, "params": params,
                                          "id": sent}).encode())
                    sent += 1
                data = s.recv(1 << 20)
                if not data:
                    raise OvsError("unixctl connection closed")
                buf += data.decode()
                while True:
                    buf = buf.lstrip()
                    if not buf:
                        break
                    try:
                        msg, end = dec.raw_decode(buf)
                    except ValueError:
                        break
                    buf = buf[end:]
                    replies.append((msg.get("error"), msg.get("result")))
        finally:
            s.close()
        return replies

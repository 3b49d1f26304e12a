#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-3.0-or-later
"""bench/driver.py - run every workload under every variant, interleaved,
and print medians, ratios and targets.  Called by bench/run.sh, which builds
the programs and the package tree first.  See bench/README.md.

No assertion on any number: a cell that cannot run prints "n/a (reason)"
and the rest goes on.  Raw samples are written to BENCH/results.json.
"""
import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

VARIANTS = ["native", "appv", "appv-noshim", "proot", "nullsup"]
VLABEL = {"native": "native", "appv": "appv", "appv-noshim": "appv--no-shim",
          "proot": "proot", "nullsup": "nullsup", "nullsup-W": "nullsup -W"}
# nullsup without SYNC_WAKE_UP: one extra cell, to show what the flag buys.
WAKE_ROW = "stat host static"
VIRTUAL_ROOT = "/opt/benchpkg"
VIRTUAL_TREE = "/opt/benchtree"
TREE_LINES = 1 + 20 + 200 + 20000  # find's output over t/: dirs + files
BUSYBOX = "/bin/busybox"
# The overlay of tree.pkg whose upper layer is not empty (see prepare_upper).
UPPER_OVERLAY = "nonempty"
PYCODE = "import json, email, asyncio"
RUN_TIMEOUT = 120


class Cell:
    """One (workload, variant) pair and its samples."""

    def __init__(self, wl, variant):
        self.wl = wl
        self.variant = variant
        self.ns_op = []   # micro: ns per operation, inside the process
        self.wall = []    # ns per whole run
        self.na = None    # reason it cannot run
        self.slow = False  # median > BENCH_SLOW: no more repetitions

    def key(self):
        return (self.wl["name"], self.variant)


class Bench:
    def __init__(self, args):
        self.a = args
        self.b = args.bench
        self.reps = int(os.environ.get("BENCH_REPS", "7"))
        self.iters = int(os.environ.get("BENCH_ITERS", "1000"))
        self.micro_ms = int(os.environ.get("BENCH_MICRO_MS", "200"))
        self.slow_s = float(os.environ.get("BENCH_SLOW", "4"))
        self.slow_n = 3  # samples a slow cell still gets
        self.budget = float(os.environ.get("BENCH_BUDGET", "400"))
        self.settle_s = float(os.environ.get("BENCH_SETTLE", "61"))
        self.rng = random.Random(int(os.environ.get("BENCH_SEED", "1")))
        self.appv = os.path.join(args.build, "appv")
        self.shim = os.path.join(args.build, "libappv-shim.so")
        self.pkg = os.path.join(self.b, "bench.pkg")
        self.tree = os.path.join(self.b, "pkgsrc", "fs", "opt", "benchpkg")
        self.hosttree = os.path.join(self.b, "host", "benchpkg")
        # The tree package: /opt/benchtree (find) and the package half of
        # the merged directory BENCH/merged.
        self.pkgs = {"bench": self.pkg,
                     "tree": os.path.join(self.b, "tree.pkg")}
        self.binds = {"bench": (self.tree, VIRTUAL_ROOT),
                      "tree": (os.path.join(self.b, "treesrc", "fs", "opt",
                                            "benchtree"), VIRTUAL_TREE)}
        self.pkg_na = {}  # package -> reason its appv cells cannot run
        self.upper_na = None  # reason the non-empty overlay is missing
        self.seq = 0  # fresh overlay names
        # Nothing is deleted while cells run (see discard): used fresh
        # overlays and emptied directories wait here until the end.
        self.trash = os.path.join(self.b, "trash")
        self.ntrash = 0
        self.spent_overlays = []  # (package, overlay name)
        self.t_freed = time.monotonic()  # last bulk deletion (set-up)
        self.env = dict(os.environ, APPV_HOME=os.path.join(self.b, "home"))
        self.na = {}  # variant -> reason the whole variant cannot run
        self.notes = []

    # ---- running one command -------------------------------------------
    def run(self, argv, timeout=RUN_TIMEOUT):
        """Run argv; return (rc, stdout, stderr).  Kills the whole process
        group on timeout so a hung supervisor never hangs the bench."""
        try:
            p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=self.env,
                                 start_new_session=True, text=True,
                                 errors="replace")
        except OSError as e:
            return 127, "", str(e)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            return 124, out, "timed out after %ds" % timeout
        return p.returncode, out, err

    @staticmethod
    def reason(rc, out, err):
        lines = [l.strip() for l in (err or out or "").splitlines()
                 if l.strip() and not l.startswith("timeit ")]
        msg = lines[-1] if lines else "no output"
        if len(msg) > 90:  # keep the start and the errno text at the end
            msg = msg[:35] + "..." + msg[-52:]
        return "exit %d: %s" % (rc, msg)

    # ---- variants ------------------------------------------------------
    def prefix(self, variant, pkg="bench", overlay=None):
        ov = ["--overlay", overlay] if overlay else []
        if variant == "native":
            return []
        if variant == "appv":
            return [self.appv, "exec"] + ov + [self.pkgs[pkg]]
        if variant == "appv-noshim":
            return [self.appv, "exec", "--no-shim"] + ov + [self.pkgs[pkg]]
        if variant == "proot":
            return ["proot", "-b", "%s:%s" % self.binds[pkg]]
        if variant == "nullsup":
            return [os.path.join(self.b, "nullsup")]
        if variant == "nullsup-W":
            return [os.path.join(self.b, "nullsup"), "-W"]
        raise ValueError(variant)

    def root_for(self, variant, loc):
        """The package tree is at its virtual path under appv and proot;
        natively (and under the null supervisor, which translates nothing)
        the same bytes are read at their real path."""
        appv = variant in ("appv", "appv-noshim")
        if loc == "host":
            return self.hosttree
        if loc == "scratch":
            return os.path.join(self.b, "host", "scratch")
        if loc == "merged":  # package + host under appv, else one plain dir
            return os.path.join(self.b, "merged") if appv else \
                os.path.join(self.b, "host", "plain1000")
        if loc == "tree":
            return VIRTUAL_TREE + "/t" if appv or variant == "proot" else \
                os.path.join(self.b, "host", "benchtree", "t")
        if appv or variant == "proot":
            return VIRTUAL_ROOT
        return self.tree

    def probe_variants(self):
        if not shutil.which("proot"):
            self.na["proot"] = "proot not installed"
        if not os.access(os.path.join(self.b, "nullsup"), os.X_OK):
            self.na["nullsup"] = "nullsup did not build"
            self.na["nullsup-W"] = self.na["nullsup"]
        why = self.probe_appv()
        if why:
            self.na["appv"] = self.na["appv-noshim"] = why

    def probe_appv(self):
        if not os.access(self.appv, os.X_OK):
            return "%s not built" % os.path.relpath(self.appv)
        src = os.path.join(self.b, "pkgsrc")
        if os.path.exists(self.pkg):
            os.unlink(self.pkg)
        shutil.rmtree(self.env["APPV_HOME"], ignore_errors=True)
        shutil.rmtree(self.trash, ignore_errors=True)
        self.t_freed = time.monotonic()
        rc, out, err = self.run([self.appv, "build", src, "-o", self.pkg])
        if rc != 0 or not os.path.exists(self.pkg):
            return "appv build: " + self.reason(rc, out, err)
        rc, out, err = self.run([self.appv, "exec", self.pkg, "/bin/true"],
                                timeout=30)
        if rc != 0:
            return "appv exec: " + self.reason(rc, out, err)
        tree = self.pkgs["tree"]
        if os.path.exists(tree):
            os.unlink(tree)
        rc, out, err = self.run([self.appv, "build",
                                 os.path.join(self.b, "treesrc"), "-o", tree])
        if rc != 0 or not os.path.exists(tree):
            self.pkg_na["tree"] = "appv build tree: " + \
                self.reason(rc, out, err)
        else:
            self.prepare_upper()
        return None

    def prepare_upper(self):
        """The overlay UPPER_OVERLAY of tree.pkg gets a non-empty upper
        layer over the find tree: one file copied up (appended to) in each
        of the 200 leaf directories, so every directory find lists merges
        an upper directory with the package's.  The names stay the same,
        so find prints exactly what it prints natively."""
        script = ("for d in %s/t/*/*; do echo changed >>$d/f000 || "
                  "exit 1; done" % VIRTUAL_TREE)
        rc, out, err = self.run([self.appv, "exec", "--overlay",
                                 UPPER_OVERLAY, self.pkgs["tree"],
                                 "/bin/sh", "-c", script])
        if rc != 0:
            self.upper_na = "preparing the overlay: " + \
                self.reason(rc, out, err)

    # ---- workloads -----------------------------------------------------
    def workloads(self):
        wls = []
        micro_ops = [("open", "data/data.bin", None),
                     ("stat", "data/data.bin", None),
                     ("stat-miss", "data/missing", None),
                     ("readdir", "files", str(self.a.nfiles))]
        for op, rel, expect in micro_ops:
            for link in ("dyn", "static"):
                for loc in ("pkg", "host"):
                    n = self.iters if op != "readdir" else \
                        max(self.iters // 50, 20)
                    wls.append({"name": "%s %s %s" % (op, loc, link),
                                "kind": "micro", "op": op, "link": link,
                                "loc": loc, "rel": rel, "expect": expect,
                                "n": n, "runs": 1})
        # A package file in a directory whose upper copy holds another
        # (prepare_upper): the probe of the upper directory for its name
        # is what the cache of upper names (vfs/upper_negs.c) spares.
        for link in ("dyn", "static"):
            wls.append({"name": "stat tree +upper %s" % link,
                        "kind": "micro", "op": "stat", "link": link,
                        "loc": "tree", "rel": "a07/b03/f001",
                        "expect": None, "n": self.iters, "runs": 1,
                        "pkg": "tree", "overlay": UPPER_OVERLAY})
        n_fs = self.iters
        for op, loc, n, expect, fresh in (
                ("readdir", "merged", max(self.iters // 100, 10), "1000",
                 False),
                ("create", "scratch", n_fs, None, True),
                ("rename", "scratch", n_fs, None, True)):
            for link in ("dyn", "static"):
                wls.append({"name": "%s %s %s" % (op, loc, link),
                            "kind": "micro", "op": op, "link": link,
                            "loc": loc, "rel": None, "expect": expect,
                            "n": n, "runs": 1, "fresh": fresh,
                            "pkg": "tree" if loc == "merged" else "bench"})
        wls.append({"name": "/bin/true start-up", "kind": "start",
                    "argv": ["/bin/true"], "runs": 10})
        wls.append({"name": "python3 import", "kind": "python",
                    "argv": ["/usr/bin/python3", "-c", PYCODE], "runs": 1})
        wls += self.tool_workloads()
        only = os.environ.get("BENCH_ONLY")
        if only:  # a regular expression on the row names
            wls = [wl for wl in wls if re.search(only, wl["name"])]
        return wls

    def tool_workloads(self):
        """Real tools on the generated trees (bench/run.sh); "argv" takes
        the tree's path as the variant sees it."""
        tree_lines = lambda out: None if len(out) == TREE_LINES else \
            "find printed %d lines, expected %d" % (len(out), TREE_LINES)
        git_clean = lambda out: None if any(
            "working tree clean" in l for l in out) else \
            "git status: not clean: " + " | ".join(out[:3])
        tarx = os.path.join(self.b, "host", "tarx")
        repo = os.path.join(self.b, "host", "gitrepo")
        rows = [
            {"name": "find pkg tree", "kind": "tool", "pkg": "tree",
             "argv": lambda t: ["find", t], "quiet": True,
             "check": tree_lines},
            {"name": "find pkg tree +upper", "kind": "tool", "pkg": "tree",
             "overlay": UPPER_OVERLAY,
             "argv": lambda t: ["find", t], "quiet": True,
             "check": tree_lines},
            {"name": "busybox find pkg tree", "kind": "tool", "pkg": "tree",
             "argv": lambda t: [BUSYBOX, "find", t], "quiet": True,
             "check": tree_lines, "need": BUSYBOX},
            {"name": "tar x 2k files", "kind": "tool", "pkg": "bench",
             "fresh": True, "empty_dir": tarx,
             "argv": lambda t: ["tar", "xf",
                                os.path.join(self.b, "bench.tar"),
                                "-C", tarx],
             "need": os.path.join(self.b, "bench.tar")},
            {"name": "git status 2k files", "kind": "tool", "pkg": "bench",
             "fresh": True, "argv": lambda t: ["git", "-C", repo, "status"],
             "check": git_clean, "need": os.path.join(repo, ".git")},
        ]
        # The same tools timed inside the session: a second timeit, run by
        # the variant, times the tool alone (its own exec included), so
        # what a session costs to start is left out.
        inner = [dict(wl, name=wl["name"] + IN_SESSION, inner=True)
                 for wl in rows if wl["name"] in IN_SESSION_ROWS]
        return rows + inner

    def argv_for(self, cell, overlay=None, verify=False):
        wl = cell.wl
        if wl["kind"] == "micro":
            binary = os.path.join(self.b, "micro-" + wl["link"])
            path = self.root_for(cell.variant, wl["loc"])
            if wl["rel"]:
                path = os.path.join(path, wl["rel"])
            inner = [binary, "-t", str(self.micro_ms), wl["op"], path,
                     str(wl["n"])]
            if wl["expect"]:
                inner.append(wl["expect"])
        elif wl["kind"] == "tool":
            inner = wl["argv"](self.root_for(cell.variant, "tree"))
        else:
            inner = wl["argv"]
        opts = ["-n", str(wl.get("runs", 1))]
        if wl.get("quiet") and not verify:
            opts.append("-q")
        if wl.get("inner"):
            # The inner timeit's line comes first; the outer one keeps
            # the output it passes on.
            inner = [os.path.join(self.b, "timeit")] + opts + ["--"] + inner
            opts = ["-n", "1"]
        return [os.path.join(self.b, "timeit")] + opts + ["--"] + \
            self.prefix(cell.variant, wl.get("pkg", "bench"),
                        overlay or wl.get("overlay")) + inner

    def fresh_overlay(self, cell):
        """Workloads that write get a new, empty overlay for every run
        under appv (created by an untimed `appv exec ... /bin/true`), so
        every repetition starts from the same state."""
        if not cell.wl.get("fresh") or not cell.variant.startswith("appv"):
            return None, None
        self.seq += 1
        name = "bench-%d" % self.seq
        pkg = self.pkgs[cell.wl.get("pkg", "bench")]
        rc, out, err = self.run([self.appv, "exec", "--overlay", name, pkg,
                                 "/bin/true"], timeout=30)
        if rc != 0:
            return name, "creating overlay %s: %s" % (
                name, self.reason(rc, out, err))
        return name, None

    def drop_overlay(self, cell, name):
        """A used fresh overlay is removed at the end (cleanup), not now:
        see discard."""
        if name:
            self.spent_overlays.append(
                (self.pkgs[cell.wl.get("pkg", "bench")], name))

    def discard(self, path):
        """Move path into BENCH/trash; cleanup deletes it at the end.
        Deleting between cells would slow the cells after it: on ext4
        without a journal, creating a file skips, one by one, every inode
        of the block group freed in the last 60 s (bench/README.md,
        "Nothing is deleted while cells run")."""
        os.makedirs(self.trash, exist_ok=True)
        self.ntrash += 1
        os.rename(path, os.path.join(self.trash, str(self.ntrash)))

    def empty_dir(self, path):
        if os.path.isdir(path) and not os.listdir(path):
            return
        if os.path.lexists(path):
            self.discard(path)
        os.makedirs(path, exist_ok=True)

    def cleanup(self):
        """Delete what the cells left: the spent overlays and the trash."""
        for pkg, name in self.spent_overlays:
            self.run([self.appv, "overlay", "rm", pkg, name], timeout=30)
        self.spent_overlays = []
        shutil.rmtree(self.trash, ignore_errors=True)

    def settle(self):
        """Before the timed passes: write the dirty metadata out and let
        the inodes freed by the set-up (run.sh's rm -rf of the old trees,
        probe_appv's wipe of APPV_HOME) age past ext4's 60 s reuse window,
        on a file system where that window applies."""
        if not nojournal_ext4(self.b):
            return 0
        os.sync()
        wait = self.settle_s - (time.monotonic() - self.t_freed)
        if wait > 0:
            print("bench: ext4 without a journal: waiting %.0fs for the "
                  "inodes the set-up freed to become reusable" % wait,
                  file=sys.stderr)
            time.sleep(wait)
        return max(wait, 0)

    def measure(self, cell, verify=False):
        """One timed run of the cell.  With verify (the warm-up), the
        output is kept and checked: a wrong result fails the cell."""
        wl = cell.wl
        if wl.get("empty_dir"):
            self.empty_dir(wl["empty_dir"])
        overlay, why = self.fresh_overlay(cell)
        if not why:
            rc, out, err = self.run(self.argv_for(cell, overlay, verify))
        self.drop_overlay(cell, overlay)
        if wl.get("empty_dir"):
            self.empty_dir(wl["empty_dir"])
        if why:
            return why
        # The first timeit line: the inner one of an in-session row.
        m = re.search(r"^timeit .*wall_ns=(\d+) status=(\d+)", out, re.M)
        if rc != 0 or not m:
            return self.reason(rc, out, err)
        if verify and wl.get("check"):
            lines = [l for l in out.splitlines() if not
                     l.startswith("timeit ")]
            why = wl["check"](lines)
            if why:
                return why
        if cell.wl["kind"] == "micro":
            mm = re.search(r"ns_per_op=([0-9.]+)", out)
            if not mm:
                return "no ns_per_op in output"
            cell.ns_op.append(float(mm.group(1)))
        cell.wall.append(int(m.group(1)))
        return None

    # ---- the passes ----------------------------------------------------
    def warm_up(self, cells):
        """One untimed run of every cell: fills caches (the package's
        content cache, page cache) and finds what cannot run."""
        for c in cells:
            c.na = self.cell_na(c)
            if c.na:
                continue
            why = self.measure(c, verify=True)
            c.ns_op.clear()
            c.wall.clear()
            if why:
                c.na = why
                print("bench: %-24s %-13s n/a (%s)" % (c.wl["name"],
                      VLABEL[c.variant], why), file=sys.stderr)

    def cell_na(self, c):
        """Why a cell cannot run before trying it, or None."""
        if self.na.get(c.variant):
            return self.na[c.variant]
        appv = c.variant.startswith("appv")
        pkg = c.wl.get("pkg", "bench")
        if appv and self.pkg_na.get(pkg):
            return self.pkg_na[pkg]
        if appv and c.wl.get("overlay") == UPPER_OVERLAY and self.upper_na:
            return self.upper_na
        need = c.wl.get("need")
        if need and not os.path.exists(need):
            return "%s is missing" % need
        if c.wl["kind"] == "tool":
            tool = c.wl["argv"]("/")[0]
            if not shutil.which(tool):
                return "%s not installed" % tool
        return None

    def timed(self, cells):
        live = [c for c in cells if not c.na]
        t0 = time.monotonic()
        done = 0
        for r in range(self.reps):
            order = live[:]
            self.rng.shuffle(order)
            for c in order:
                if c.na or c.slow:
                    continue
                why = self.measure(c)
                if why:
                    c.na = "failed in rep %d: %s" % (r + 1, why)
                elif len(c.wall) >= self.slow_n and \
                        med(c.wall) > self.slow_s * 1e9:
                    c.slow = True
            done = r + 1
            spent = time.monotonic() - t0
            print("bench: repetition %d/%d done (%.0fs)" %
                  (done, self.reps, spent), file=sys.stderr)
            if spent / done * (done + 1) > self.budget and done < self.reps:
                self.notes.append("stopped after %d of %d repetitions: "
                                  "time budget %.0fs" %
                                  (done, self.reps, self.budget))
                break
        return done

    # ---- memory --------------------------------------------------------
    def timeit_out(self, argv):
        rc, out, err = self.run([os.path.join(self.b, "timeit")] + argv)
        return rc, out, err

    def supervisor_hwm(self, variant):
        """Peak RSS (VmHWM) of the direct child - the supervisor process
        for appv, proot and nullsup - on the python workload."""
        if self.na.get(variant):
            return "n/a (%s)" % self.na[variant]
        vals = []
        for _ in range(3):
            rc, out, err = self.timeit_out(
                ["-m", "--"] + self.prefix(variant) +
                ["/usr/bin/python3", "-c", PYCODE])
            m = re.search(r"hwm_kb=(\d+)", out)
            if rc != 0 or not m or int(m.group(1)) <= 0:
                return "n/a (%s)" % self.reason(rc, out, err)
            vals.append(int(m.group(1)))
        return statistics.median(vals)

    def leaf_rss(self, argv):
        vals = []
        for _ in range(3):
            rc, out, err = self.timeit_out(["-r", "400", "--"] + argv)
            m = re.search(r"rss_kb=(-?\d+) anon_kb=(-?\d+) file_kb=(-?\d+)"
                          r" pid=\d+ comm=(\S+)", out)
            if rc != 0 or not m or int(m.group(1)) <= 0:
                return None, self.reason(rc, out, err)
            if m.group(4) != "sleep":
                return None, "probe found '%s', not sleep" % m.group(4)
            vals.append(tuple(int(m.group(i)) for i in (1, 2, 3)))
        vals.sort()
        return vals[1], None

    def memory(self):
        res = {"hwm": {}, "shim": {}}
        for v in ("appv", "appv-noshim", "proot", "nullsup"):
            res["hwm"][v] = self.supervisor_hwm(v)
        sleep = ["/bin/sleep", "5"]
        base, why = self.leaf_rss(sleep)
        res["shim"]["plain"] = (base, why)
        if os.path.exists(self.shim):
            pre = ["env", "LD_PRELOAD=" + self.shim] + sleep
            res["shim"]["preload"] = self.leaf_rss(pre)
        else:
            res["shim"]["preload"] = (None, "libappv-shim.so not built")
        for v in ("appv", "appv-noshim"):
            if self.na.get(v):
                res["shim"][v] = (None, self.na[v])
            else:
                res["shim"][v] = self.leaf_rss(self.prefix(v) + sleep)
        return res


def nojournal_ext4(path):
    """True when path is on ext4 mounted without a journal, where the
    inode allocator avoids reusing inodes freed less than 60 s ago (300 s
    more while their inode table block is dirty) by skipping them one at
    a time (fs/ext4/ialloc.c, recently_deleted)."""
    dev = os.stat(path).st_dev
    try:
        name = os.path.basename(os.path.realpath(
            "/sys/dev/block/%d:%d" % (os.major(dev), os.minor(dev))))
        with open("/sys/fs/ext4/%s/journal_task" % name) as f:
            return f.read().strip() == "<none>"
    except OSError:  # not ext4 (or no sysfs): no such window
        return False


# ---- report ------------------------------------------------------------
def med(xs):
    return statistics.median(xs) if xs else None


def fmt_time(ns):
    if ns is None:
        return "-"
    if ns >= 10e6:
        return "%.0f ms" % (ns / 1e6)
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    return "%.2f us" % (ns / 1e3)


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    r = a / b
    return "%.2fx" % r if r < 100 else "%.0fx" % r


def target_for(wl):
    """[(variant, reference variant, bound, text)] for a workload."""
    if wl["kind"] == "micro" and wl["op"] in ("open", "stat", "stat-miss"):
        if wl["link"] == "dyn":
            return [("appv", "native", 1.3, "appv<=1.3x nat")]
        return [("appv", "nullsup", 1.1, "appv<=1.1x null"),
                ("appv-noshim", "nullsup", 1.1, "noshim<=1.1x null")]
    if wl["kind"] == "tool":
        return TOOL_TARGETS[wl["name"]]
    if wl["kind"] == "start":
        return [("appv", "native", 2.0, "appv<=2x nat")]
    if wl["kind"] == "python":
        return [("appv", "native", 1.05, "appv<=1.05x nat")]
    return []


# Issue 3 section 7: find <= 1.3x native (also with a non-empty upper),
# tar x and git status <= 1.5x native, the busybox-static stat loop no more
# than the null supervisor costs.
TOOL_TARGETS = {
    "find pkg tree": [("appv", "native", 1.3, "appv<=1.3x nat")],
    "find pkg tree +upper": [("appv", "native", 1.3, "appv<=1.3x nat")],
    "busybox find pkg tree": [("appv", "nullsup", 1.0, "appv<=null"),
                              ("appv-noshim", "nullsup", 1.0,
                               "noshim<=null")],
    "tar x 2k files": [("appv", "native", 1.5, "appv<=1.5x nat")],
    "git status 2k files": [("appv", "native", 1.5, "appv<=1.5x nat")],
}


# Rows also timed inside the session (the name gets IN_SESSION).
IN_SESSION = ", in session"
IN_SESSION_ROWS = ("find pkg tree", "find pkg tree +upper", "tar x 2k files",
                   "git status 2k files")
for _name in IN_SESSION_ROWS:
    TOOL_TARGETS[_name + IN_SESSION] = TOOL_TARGETS[_name]


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows)
              for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) if i == 0 else
                               str(c).rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def cell_value(c, metric):
    if c.na:
        return None
    return med(c.ns_op if metric == "op" else c.wall)


class Report:
    """Prints the tables; "n/a" cells get a numbered footnote."""

    def __init__(self, bench, cells):
        self.bench = bench
        self.by = {c.key(): c for c in cells}
        self.wls = bench.workloads()
        self.na_seen = {}

    def shown(self, c, metric):
        v = cell_value(c, metric)
        if v is not None:
            return fmt_time(v) + (" +" if c.slow else "")
        why = c.na or "no samples"
        if why not in self.na_seen:
            self.na_seen[why] = "[%d]" % (len(self.na_seen) + 1)
        return "n/a " + self.na_seen[why]

    def value(self, wl_name, variant, metric):
        c = self.by.get((wl_name, variant))
        return cell_value(c, metric) if c else None

    def header(self, done, elapsed):
        b = self.bench
        print()
        print("appv benchmark - %s, kernel %s, %d cores, load average %.2f "
              "at start, %.2f at end" %
              (time.strftime("%Y-%m-%d %H:%M"), platform.release(),
               os.cpu_count(), b.load0, os.getloadavg()[0]))
        print("%d repetitions (interleaved, random order each), up to %d "
              "iterations or %d ms per micro run, %.0fs" %
              (done, b.iters, b.micro_ms, elapsed))
        for n in b.notes:
            print("note: " + n)

    def medians(self):
        hdr = ["workload"] + [VLABEL[v] for v in VARIANTS]
        print("\n1. Micro-benchmarks: median time per operation, measured "
              "inside the process")
        table([[wl["name"]] + [self.shown(self.by[(wl["name"], v)], "op")
                               for v in VARIANTS]
               for wl in self.wls if wl["kind"] == "micro"], hdr)
        print("\n2. Whole runs: median wall time per run (fork to exit, "
              "start-up included)")
        table([[wl["name"]] + [self.shown(self.by[(wl["name"], v)], "wall")
                               for v in VARIANTS] for wl in self.wls], hdr)

    def ratio_row(self, wl):
        metric = "op" if wl["kind"] == "micro" else "wall"
        v = {x: self.value(wl["name"], x, metric) for x in VARIANTS}
        texts, stat = [], []
        for num, den, bound, text in target_for(wl):
            texts.append(text)
            if v[num] is None or v[den] is None:
                stat.append("n/a")
            else:
                stat.append("met" if v[num] / v[den] <= bound
                            else "missed")
        pairs = [("appv", "native"), ("appv", "proot"),
                 ("appv-noshim", "native"), ("appv-noshim", "proot"),
                 ("appv-noshim", "nullsup"), ("nullsup", "native"),
                 ("proot", "native")]
        return ([wl["name"]] + [fmt_ratio(v[x], v[y]) for x, y in pairs] +
                ["; ".join(texts) or "-", "; ".join(stat) or "-"])

    def ratios(self):
        print("\n3. Ratios (micro rows: per operation; the others: whole "
              "run) and targets")
        hdr = ["workload", "appv/nat", "appv/proot", "noshim/nat",
               "noshim/proot", "noshim/null", "null/nat", "proot/nat",
               "target", "status"]
        table([self.ratio_row(wl) for wl in self.wls], hdr)
        vn = self.value(WAKE_ROW, "native", "op")
        vs = self.value(WAKE_ROW, "nullsup", "op")
        vw = self.value(WAKE_ROW, "nullsup-W", "op")
        print("\n   seccomp round trip (%s, nullsup minus native): %s with "
              "SYNC_WAKE_UP, %s without (nullsup -W)" %
              (WAKE_ROW, fmt_time(vs - vn) if vs and vn else "n/a",
               fmt_time(vw - vn) if vw and vn else "n/a"))

    @staticmethod
    def memory(mem):
        print("\n4. Memory")
        for v in ("appv", "appv-noshim", "proot", "nullsup"):
            x = mem["hwm"][v]
            s = x if isinstance(x, str) else "%.1f MiB" % (x / 1024)
            tgt = ""
            if v == "appv":
                tgt = "   target < 16 MiB: " + (
                    "n/a" if isinstance(x, str) else
                    "met" if x < 16 * 1024 else "missed")
            print("  peak RSS (VmHWM) of the %-13s process, python "
                  "workload: %s%s" % (VLABEL[v], s, tgt))
        sh = mem["shim"]
        print("  RSS of a sleeping /bin/sleep:")
        for key, label in (("plain", "plain"),
                           ("preload", "LD_PRELOAD=libappv-shim.so"),
                           ("appv", "under appv exec (shim)"),
                           ("appv-noshim", "under appv exec --no-shim")):
            val, why = sh[key]
            print("    %-30s %s" % (label, "n/a (%s)" % why if val is None
                                    else "%d kB (anon %d, file %d)" % val))
        for a, b, what in (("preload", "plain", "LD_PRELOAD vs plain"),
                           ("appv", "appv-noshim",
                            "appv shim vs --no-shim")):
            if sh[a][0] and sh[b][0]:
                d = sh[a][0][0] - sh[b][0][0]
                print("  shim adds %d kB RSS (%s)   target < 1024 kB: %s" %
                      (d, what, "met" if d < 1024 else "missed"))
            else:
                print("  shim RSS (%s): n/a" % what)

    def footnotes(self):
        slow = [c for c in self.by.values() if c.slow and not c.na]
        if slow:
            print("\n+ slow cell: its median run was over %.0f s "
                  "(BENCH_SLOW) after %d repetitions, so it was timed in "
                  "those %d only (median of %d)" %
                  (self.bench.slow_s, self.bench.slow_n, self.bench.slow_n,
                   self.bench.slow_n))
        if self.na_seen:
            print("\nn/a reasons:")
            for why, tag in self.na_seen.items():
                print("  %s %s" % (tag, why))


def report(bench, cells, done, elapsed, mem):
    r = Report(bench, cells)
    r.header(done, elapsed)
    r.medians()
    r.ratios()
    r.memory(mem)
    r.footnotes()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--nfiles", type=int, default=300)
    sys.stdout.reconfigure(line_buffering=True)
    bench = Bench(ap.parse_args())
    bench.load0 = os.getloadavg()[0]
    t0 = time.monotonic()
    bench.probe_variants()
    for v, why in bench.na.items():
        print("bench: %s: n/a (%s)" % (VLABEL[v], why), file=sys.stderr)
    cells = [Cell(wl, v) for wl in bench.workloads() for v in VARIANTS]
    cells += [Cell(wl, "nullsup-W") for wl in bench.workloads()
              if wl["name"] == WAKE_ROW]
    bench.warm_up(cells)
    waited = bench.settle()
    if waited:
        bench.notes.append("waited %.0fs before the timed passes (ext4 "
                           "without a journal, see bench/README.md)" %
                           waited)
    done = bench.timed(cells)
    mem = bench.memory()
    elapsed = time.monotonic() - t0
    report(bench, cells, done, elapsed, mem)
    bench.cleanup()
    with open(os.path.join(bench.b, "results.json"), "w") as f:
        json.dump({"reps": done, "iters": bench.iters,
                   "cells": [{"workload": c.wl["name"],
                              "variant": c.variant, "na": c.na,
                              "slow": c.slow,
                              "ns_per_op": c.ns_op, "wall_ns": c.wall}
                             for c in cells]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Unit tests of perf/campaign: campaign-file parsing and its errors, the
paired run order, metric extraction from recorded fio/iperf3 JSON, the
aggregation into pairwise ratios, and the compare verdict."""

import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "perf"))

from vmicampaign import report, runner, spec, targets  # noqa: E402

FIX = os.path.join(HERE, "fixtures")
KINDS = set(targets.KINDS)

GOOD = """
campaign demo   # a comment
repeats 3
warmup 1
runtime 2
target host fio-host size=64M
target null fio-null
target veth iperf3-veth
fio rw=randread,randwrite bs=4k iodepth=1,32
fio rw=read bs=128k iodepth=8
iperf3 proto=tcp streams=1,4 direction=up,down
"""


class ParseTest(unittest.TestCase):
    def test_good(self):
        c = spec.parse(GOOD, "good", KINDS)
        self.assertEqual(c.name, "demo")
        self.assertEqual((c.repeats, c.warmup, c.runtime), (3, 1, 2))
        self.assertEqual([t.name for t in c.targets], ["host", "null", "veth"])
        fio = [x for x in c.cells if x.tool == "fio"]
        ip = [x for x in c.cells if x.tool == "iperf3"]
        self.assertEqual(len(fio), 2 * 2 + 1)
        self.assertEqual(len(ip), 2 * 2)
        self.assertIn({"rw": "read", "bs": "128k", "iodepth": "8",
                       "numjobs": "1"}, [x.params for x in fio])

    def test_errors_name_line_and_word(self):
        base = "target host fio-host\n"
        cases = [
            ("repeats x\n" + base + "fio rw=read", "good:1: repeats 'x'"),
            ("repeats 0\n" + base + "fio rw=read", "good:1: repeats '0'"),
            (base + "fio rw=sideways", "good:2: fio rw=sideways"),
            (base + "fio bs=4q", "good:2: fio bs=4q"),
            (base + "fio iodepth=0", "good:2: fio iodepth=0"),
            (base + "fio colour=red", "good:2: unknown fio key 'colour'"),
            (base + "fio rw", "good:2: 'rw': expected key=value"),
            (base + "bogus 1", "good:2: unknown directive 'bogus'"),
            ("target a nosuchkind\nfio rw=read", "unknown target kind"),
            (base + base + "fio rw=read", "good:2: target 'host' defined"),
            ("target a fio-host baseline=zz\nfio rw=read",
             "good:1: target 'a': baseline 'zz' is not a target"),
            ("target a fio-host\ntarget b iperf3-veth baseline=a\n"
             "iperf3 proto=tcp", "cannot be compared"),
            (base, "no fio or iperf3 matrix"),
            (base + "iperf3 proto=tcp", "iperf3 matrix but no iperf3 target"),
            ("fio rw=read", "no target"),
            ("campaign a b\n" + base + "fio rw=read", "good:1: campaign"),
        ]
        for text, want in cases:
            with self.subTest(want=want):
                with self.assertRaises(spec.SpecError) as e:
                    spec.parse(text, "good", KINDS)
                self.assertIn(want, str(e.exception))

    def test_udp_len(self):
        c = spec.parse("target v iperf3-veth\n"
                       "iperf3 proto=tcp,udp rate=100M", "f", KINDS)
        lens = {x.params["proto"]: x.params["len"] for x in c.cells}
        self.assertEqual(lens, {"tcp": "128K", "udp": "1400"})
        with self.assertRaises(spec.SpecError) as e:
            spec.parse("target v iperf3-veth\niperf3 proto=udp len=64K",
                       "f", KINDS)
        self.assertIn("f:2: iperf3 proto=udp len=64K", str(e.exception))

    def test_unknown_target_option(self):
        c = spec.parse("target a fio-host colour=red\nfio rw=read", "f",
                       KINDS)
        with self.assertRaises(ValueError) as e:
            targets.make(c.targets[0], "/nonexistent")
        self.assertIn("colour", str(e.exception))

    def test_vm_target_device(self):
        c = spec.parse("target a fio-vm device=floppy\nfio rw=read", "f",
                       KINDS)
        with self.assertRaises(ValueError) as e:
            targets.make(c.targets[0], "/nonexistent")
        self.assertIn("device=floppy", str(e.exception))
        c = spec.parse("target a fio-vm device=virtio\nfio rw=read", "f",
                       KINDS)
        self.assertIn("--filename=/dev/vda",
                      targets.make(c.targets[0], "/nonexistent").fio_args())


class PlanTest(unittest.TestCase):
    def test_pairs_alternate(self):
        c = spec.parse("repeats 4\ntarget ours fio-null baseline=base\n"
                       "target base fio-host\nfio rw=read", "p", KINDS)
        order = [(n, rep) for _, n, rep in runner.plan(c)]
        self.assertEqual(order, [("base", 0), ("ours", 0), ("ours", 1),
                                 ("base", 1), ("base", 2), ("ours", 2),
                                 ("ours", 3), ("base", 3)])

    def test_several_pairs_stay_adjacent(self):
        c = spec.parse("repeats 2\ntarget a fio-host\ntarget b fio-host\n"
                       "target b2 fio-null baseline=b\n"
                       "target a2 fio-null baseline=a\nfio rw=read", "p",
                       KINDS)
        order = [(n, rep) for _, n, rep in runner.plan(c)]
        self.assertEqual(order, [("a", 0), ("a2", 0), ("b", 0), ("b2", 0),
                                 ("b2", 1), ("b", 1), ("a2", 1), ("a", 1)])


class MetricsTest(unittest.TestCase):
    def test_fio(self):
        m = report.metrics_of("fio", os.path.join(FIX, "fio-randread-qd8.json"))
        with open(os.path.join(FIX, "fio-randread-qd8.json")) as f:
            read = json.load(f)["jobs"][0]["read"]
        self.assertAlmostEqual(m["iops"], read["iops"])
        self.assertAlmostEqual(m["lat_p50_us"],
                               read["clat_ns"]["percentile"]["50.000000"] / 1e3)
        self.assertAlmostEqual(m["bw_mbs"], read["bw_bytes"] / 1e6)

    def test_iperf3_tcp_and_udp(self):
        tcp = report.metrics_of("iperf3", os.path.join(FIX, "iperf3-tcp.json"))
        self.assertGreater(tcp["gbps"], 0)
        self.assertIsNone(tcp["lost_pct"])
        self.assertIsNotNone(tcp["retransmits"])
        udp = report.metrics_of("iperf3", os.path.join(FIX, "iperf3-udp.json"))
        self.assertIsNotNone(udp["lost_pct"])
        self.assertIsNone(udp["retransmits"])

    def test_iperf3_error_is_a_failure(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump({"start": {}, "end": {}, "error": "boom"}, f)
            f.flush()
            with self.assertRaises(ValueError):
                report.metrics_of("iperf3", f.name)


def _run(cell, target, rep, iops, status="ok"):
    return {"cell": "fio:" + cell, "tool": "fio", "params": {}, "target":
            target, "rep": rep, "status": status, "metrics": {"iops": iops}}


class AggregateTest(unittest.TestCase):
    def test_pairwise_ratio_median(self):
        runs = [_run("c", "base", i, v) for i, v in enumerate((100, 200, 300))]
        runs += [_run("c", "ours", i, v) for i, v in enumerate((110, 180, 330))]
        s = report.aggregate(runs, {"base": {"baseline": None},
                                    "ours": {"baseline": "base"}})
        ours = next(e for e in s if e["target"] == "ours")
        # Pairwise: 1.1, 0.9, 1.1 -> 1.1; the ratio of medians would be 0.9.
        self.assertAlmostEqual(ours["ratio"]["iops"]["median"], 1.1)
        self.assertEqual(ours["metrics"]["iops"]["median"], 180)
        self.assertEqual((ours["metrics"]["iops"]["min"],
                          ours["metrics"]["iops"]["max"]), (110, 330))

    def test_failed_runs_are_counted_not_averaged(self):
        runs = [_run("c", "base", 0, 100), _run("c", "base", 1, 0, "failed")]
        s = report.aggregate(runs, {"base": {"baseline": None}})
        self.assertEqual(s[0]["failed"], 1)
        self.assertEqual(s[0]["metrics"]["iops"]["n"], 1)


class CompareTest(unittest.TestCase):
    def summary(self, iops_a, iops_b, with_b=True):
        runs = [_run("a", "t", 0, iops_a)]
        if with_b:
            runs.append(_run("b", "t", 0, iops_b))
        return report.aggregate(runs, {"t": {"baseline": None}})

    def test_verdicts(self):
        old = self.summary(100, 100)
        rows, reg = report.compare(old, self.summary(95, 100), 0.10)
        self.assertEqual((rows, reg), ([], 0))
        rows, reg = report.compare(old, self.summary(80, 130), 0.10)
        self.assertEqual(reg, 1)
        verdicts = sorted(r[-1] for r in rows)
        self.assertEqual(verdicts, ["REGRESSION", "improvement"])
        rows, reg = report.compare(old, self.summary(100, 0, False), 0.10)
        self.assertEqual(reg, 1)
        self.assertIn("missing in new", rows[0][-1])


class ReportDirTest(unittest.TestCase):
    def test_report_from_results_folder(self):
        d = tempfile.mkdtemp()
        try:
            os.makedirs(os.path.join(d, "raw"))
            for name in ("fio-randread-qd8.json", "iperf3-tcp.json"):
                shutil.copy(os.path.join(FIX, name), os.path.join(d, "raw"))
            runs = [{"cell": "fio:bs=4k,iodepth=8,numjobs=1,rw=randread",
                     "tool": "fio", "params": {"bs": "4k", "iodepth": "8",
                                               "numjobs": "1",
                                               "rw": "randread"},
                     "target": "host", "rep": 0, "status": "ok",
                     "raw": "raw/fio-randread-qd8.json", "metrics": {}},
                    {"cell": "iperf3:streams=1", "tool": "iperf3",
                     "params": {"proto": "tcp", "streams": "1",
                                "direction": "up", "len": "128K"},
                     "target": "veth", "rep": 0, "status": "ok",
                     "raw": "raw/iperf3-tcp.json", "metrics": {}}]
            with open(os.path.join(d, "results.json"), "w") as f:
                json.dump(runs, f)
            with open(os.path.join(d, "env.json"), "w") as f:
                json.dump({"date": "x", "git": {"rev": "abc"},
                           "targets": {"host": {"baseline": None},
                                       "veth": {"baseline": None}}}, f)
            summary, md = runner.write_reports(d)
            self.assertIn("### fio iops", md)
            self.assertIn("### iperf3 gbps", md)
            self.assertEqual(len(summary), 2)
            if shutil.which("gnuplot"):
                self.assertTrue(os.path.exists(os.path.join(d, "fio-iops.png")))
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Shared by the side-by-side benchmark scripts: start both servers, run
pgbench, and rewrite one section of bench/RESULTS.md."""
import os
import re
import statistics
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from harness import PostgresServer, StrataServer  # noqa: E402,F401


def pgbench(dsn_params, script, clients, seconds, mode="prepared", extra=()):
    """Runs pgbench with a custom script; returns (tps, p99 latency ms or None)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    try:
        cmd = ["pgbench", "-n", "-M", mode, "-f", f.name, "-c", str(clients),
               "-j", str(min(clients, 2)), "-T", str(seconds), "-h", dsn_params["host"],
               "-p", str(dsn_params["port"]), "-U", dsn_params["user"], dsn_params["dbname"]]
        cmd += list(extra)
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 4 + 120)
    finally:
        os.unlink(f.name)
    if result.returncode != 0:
        raise RuntimeError("pgbench failed: " + result.stderr + result.stdout)
    tps = float(re.search(r"tps = ([0-9.]+)", result.stdout).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    if failed and int(failed.group(1)) != 0:
        raise RuntimeError("pgbench reported failed transactions:\n" + result.stdout)
    return tps


def median(values):
    return statistics.median(values)


def replace_section(name, body):
    """Replaces the text between <!-- name:begin --> and <!-- name:end --> in RESULTS.md."""
    path = os.path.join(BENCH_DIR, "RESULTS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    begin, end = "<!-- %s:begin -->" % name, "<!-- %s:end -->" % name
    block = "%s\n%s\n%s" % (begin, body.strip(), end)
    if begin in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


def machine_line():
    cpu = subprocess.run(["sh", "-c", "nproc; grep -m1 'model name' /proc/cpuinfo"],
                         capture_output=True, text=True).stdout.split("\n")
    return "%s cores, %s" % (cpu[0], cpu[1].split(":")[-1].strip() if len(cpu) > 1 else "?")

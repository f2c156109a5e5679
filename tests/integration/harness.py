"""Starts and stops the real strata-server binary for integration tests.

Standard library only; run with /usr/bin/python3. The binary comes from
$STRATA_SERVER (set by ctest), else build/bin/strata-server.
"""
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER_BINARY = os.environ.get("STRATA_SERVER", os.path.join(ROOT, "build", "bin", "strata-server"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StrataServer:
    """One strata-server process on a private data directory and port."""

    def __init__(self, data_dir=None, port=None, extra_args=(), config_text=None):
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="strata-it-")
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.config_path = None
        if config_text is not None:
            self.config_path = os.path.join(self.data_dir + ".toml")
            with open(self.config_path, "w") as f:
                f.write(config_text)
        self.proc = None
        self.log_path = self.data_dir + ".log"

    def args(self):
        args = [SERVER_BINARY, "--data-dir", self.data_dir, "--port", str(self.port)]
        if self.config_path:
            args += ["--config", self.config_path]
        return args + self.extra_args

    def start(self, wait=True, env=None):
        """Starts the server; `env` adds environment variables (e.g. a crash
        point) for this start only."""
        self._ended_by_us = False
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args(), stdout=self._log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **env) if env else None)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("strata-server exited with %s:\n%s" % (self.proc.returncode, self.log()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("strata-server did not listen within %ss:\n%s" % (timeout, self.log()))

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=30.0):
        """Sends `sig` and returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self._ended_by_us = True
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self):
        """SIGKILL, as a crash would."""
        if self.proc and self.proc.poll() is None:
            self._ended_by_us = True
            self.proc.kill()
            self.proc.wait()
        if self.proc and not self._log.closed:
            self._log.close()

    def kill_while(self, writer, seconds, join_timeout=30):
        """Runs writer(stop_event) on a thread, SIGKILLs the server after
        `seconds`, stops and joins the writer, and starts the server again.
        Returns False if the writer did not finish within join_timeout."""
        import threading
        stop = threading.Event()
        thread = threading.Thread(target=writer, args=(stop,))
        thread.start()
        time.sleep(seconds)
        self.kill()
        stop.set()
        thread.join(join_timeout)
        if thread.is_alive():
            return False
        self.start()
        return True

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is not None and not getattr(self, "_ended_by_us", True):
            # The server died on its own (a crash): its log is the only
            # evidence, and the data directory is about to be removed.
            sys.stderr.write("strata-server exited by itself with %s; last log lines:\n%s\n"
                             % (self.proc.returncode, self.log()[-12000:]))
        self.kill()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        for path in (self.log_path, self.config_path):
            if path and os.path.exists(path):
                os.unlink(path)

    def dsn(self, **extra):
        params = {"host": "127.0.0.1", "port": str(self.port), "user": "strata", "dbname": "strata"}
        params.update(extra)
        return " ".join("%s=%s" % kv for kv in params.items())

    def psql(self, *args, dsn=None, input=None, timeout=60):
        """Runs the real psql; returns the CompletedProcess (text mode)."""
        cmd = ["psql", "-X", "-v", "ON_ERROR_STOP=1", dsn or self.dsn()] + list(args)
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, PGCONNECT_TIMEOUT="10"))


# Minimal raw-protocol helpers for tests that must send what no driver sends.

def results_on_both_replicas(cur, queries):
    """Runs `queries` with strata.read_replica = 'row' and then 'column' inside
    one REPEATABLE READ transaction (so both see the same snapshot) on a
    psycopg2 cursor in autocommit mode; returns {"row": [...], "column": [...]},
    each a list of fetchall() results in query order."""
    cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    results = {}
    for replica in ("row", "column"):
        cur.execute("SET strata.read_replica = '%s'" % replica)
        results[replica] = []
        for q in queries:
            cur.execute(q)
            results[replica].append(cur.fetchall())
    cur.execute("COMMIT")
    cur.execute("RESET strata.read_replica")
    return results


def startup_packet(user="strata", database="strata", **params):
    body = struct.pack("!i", 196608)
    for key, value in dict(user=user, database=database, **params).items():
        body += key.encode() + b"\0" + value.encode() + b"\0"
    body += b"\0"
    return struct.pack("!i", len(body) + 4) + body


def read_messages(sock, until=b"Z", timeout=10.0):
    """Reads backend messages until one of type `until` (or EOF); returns [(type, payload)]."""
    sock.settimeout(timeout)
    buf = b""
    out = []
    while True:
        while len(buf) >= 5:
            kind = buf[:1]
            length = struct.unpack("!i", buf[1:5])[0]
            if len(buf) < 1 + length:
                break
            out.append((kind, buf[5:1 + length]))
            buf = buf[1 + length:]
            if kind == until:
                return out
        chunk = sock.recv(65536)
        if not chunk:
            return out
        buf += chunk


def error_fields(payload):
    fields = {}
    for part in payload.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return fields


PG_BIN = "/usr/lib/postgresql/15/bin"


class PostgresServer:
    """A private PostgreSQL 15 cluster: the reference that results are compared with.

    initdb refuses to run as root, so as root every PostgreSQL command runs as
    the `postgres` user (created by the postgresql-15 package) in a directory
    it owns. A role and database named `strata` mirror Strata's defaults.
    """

    def __init__(self, port=None, settings=None):
        self.port = port or free_port()
        self.settings = dict(settings or {})
        self.dir = None

    def _as_owner(self, cmd, **kwargs):
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, **kwargs)

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="pgref-")
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = os.path.join(self.dir, "data")
        result = self._as_owner([PG_BIN + "/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                                 "-E", "UTF8", "--locale=C.UTF-8"])
        if result.returncode != 0:
            raise RuntimeError("initdb failed: " + result.stderr)
        settings = {"port": str(self.port), "listen_addresses": "'127.0.0.1'",
                    "unix_socket_directories": "'%s'" % self.dir, "TimeZone": "'UTC'",
                    "max_connections": "200"}
        settings.update(self.settings)
        conf = "".join("%s = %s\n" % kv for kv in settings.items())
        self._as_owner(["sh", "-c", "cat >> %s/postgresql.conf" % data], input=conf)
        result = self._as_owner([PG_BIN + "/pg_ctl", "-D", data, "-l", self.dir + "/log", "-w",
                                 "start"])
        if result.returncode != 0:
            raise RuntimeError("pg_ctl start failed: " + result.stderr + self.log())
        for sql in ("CREATE ROLE strata SUPERUSER LOGIN", "CREATE DATABASE strata OWNER strata"):
            subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                            "postgres", "-d", "postgres", "-c", sql], check=True,
                           capture_output=True)
        return self

    def log(self):
        try:
            with open(self.dir + "/log") as f:
                return f.read()
        except OSError:
            return ""

    def dsn(self, **extra):
        params = {"host": "127.0.0.1", "port": str(self.port), "user": "strata", "dbname": "strata"}
        params.update(extra)
        return " ".join("%s=%s" % kv for kv in params.items())

    def psql(self, *args, input=None, timeout=60):
        cmd = ["psql", "-X", "-v", "ON_ERROR_STOP=1", self.dsn()] + list(args)
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)

    def stop(self):
        if self.dir:
            self._as_owner([PG_BIN + "/pg_ctl", "-D", self.dir + "/data", "-m", "immediate",
                            "-w", "stop"])
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

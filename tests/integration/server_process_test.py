"""The strata-server process: flags, config, logging, the data-directory lock,
connections, and clean shutdown — all against the real binary."""
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

from harness import SERVER_BINARY, StrataServer, error_fields, free_port, read_messages, startup_packet


class ServerProcessTest(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.cleanup()

    def server(self, **kwargs):
        server = StrataServer(**kwargs)
        self.servers.append(server)
        return server

    def run_binary(self, *args, timeout=30):
        return subprocess.run([SERVER_BINARY] + list(args), capture_output=True, text=True,
                              timeout=timeout)

    def test_version_and_help(self):
        version = self.run_binary("--version")
        self.assertEqual(version.returncode, 0)
        self.assertRegex(version.stdout, r"^strata-server \d+\.\d+\.\d+")
        usage = self.run_binary("--help")
        self.assertEqual(usage.returncode, 0)
        for flag in ("--data-dir", "--listen", "--port", "--config", "--log-level", "--version"):
            self.assertIn(flag, usage.stdout)

    def test_unknown_flag_is_a_usage_error(self):
        result = self.run_binary("--no-such-flag")
        self.assertEqual(result.returncode, 2)

    def test_startup_log_names_version_data_dir_and_address(self):
        server = self.server().start()
        log = server.log()
        self.assertRegex(log, r"\[info\].*strata-server \d+\.\d+\.\d+")
        self.assertIn("data directory: %s" % os.path.realpath(server.data_dir), log)
        self.assertIn("listening on 127.0.0.1:%d" % server.port, log)

    def test_psql_connects_and_sees_postgres_15(self):
        server = self.server().start()
        info = server.psql("-c", r"\conninfo")
        self.assertEqual(info.returncode, 0, info.stderr)
        self.assertIn('database "strata" as user "strata"', info.stdout)
        self.assertIn('port "%d"' % server.port, info.stdout)
        version = server.psql("-At", "-c", r"\echo :SERVER_VERSION_NAME")
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertRegex(version.stdout.strip(), r"^15\.")

    def test_unknown_role_and_database_are_refused(self):
        server = self.server().start()
        role = server.psql("-c", r"\conninfo", dsn=server.dsn(user="nobody"))
        self.assertNotEqual(role.returncode, 0)
        self.assertIn('role "nobody" does not exist', role.stderr)
        db = server.psql("-c", r"\conninfo", dsn=server.dsn(dbname="nowhere"))
        self.assertNotEqual(db.returncode, 0)
        self.assertIn('database "nowhere" does not exist', db.stderr)

    def test_config_file_sets_values_and_flags_override_it(self):
        port_in_file = free_port()
        server = self.server(config_text='port = %d\nlog_level = "debug"\n[pool.olap]\nthreads = 3\n'
                             % port_in_file)
        # StrataServer passes --port, which must win over the file.
        server.start()
        self.assertIn("listening on 127.0.0.1:%d" % server.port, server.log())
        self.assertIn("pool olap: 3 threads", server.log())
        self.assertIn("[debug]", server.log())  # log_level from the file applied
        self.assertNotEqual(port_in_file, server.port)

    def test_unknown_config_key_is_rejected_naming_it(self):
        server = self.server(config_text="port = 5555\nshared_bufers = 10\n")
        result = self.run_binary("--config", server.config_path, "--data-dir", server.data_dir)
        self.assertEqual(result.returncode, 2)
        self.assertIn("shared_bufers", result.stderr)
        self.assertIn("unknown key", result.stderr)

    def test_bad_config_value_is_rejected_naming_the_key(self):
        server = self.server(config_text='[storage]\nsync_commit = "maybe"\n')
        result = self.run_binary("--config", server.config_path, "--data-dir", server.data_dir)
        self.assertEqual(result.returncode, 2)
        self.assertIn("storage.sync_commit", result.stderr)
        bad_flag = self.run_binary("--log-level", "chatty", "--data-dir", server.data_dir)
        self.assertEqual(bad_flag.returncode, 2)
        self.assertIn("chatty", bad_flag.stderr)

    def test_second_server_on_the_same_data_directory_is_refused(self):
        first = self.server().start()
        second = self.run_binary("--data-dir", first.data_dir, "--port", str(free_port()))
        self.assertEqual(second.returncode, 1)
        self.assertIn("in use by another strata-server (pid %d)" % first.proc.pid, second.stderr)
        # The first keeps serving.
        self.assertEqual(first.psql("-c", r"\conninfo").returncode, 0)

    def test_sigterm_shuts_down_cleanly_with_exit_code_0(self):
        server = self.server().start()
        # An idle client is told why it is being disconnected.
        sock = socket.create_connection(("127.0.0.1", server.port))
        self.addCleanup(sock.close)
        sock.sendall(startup_packet())
        self.assertEqual(read_messages(sock)[-1][0], b"Z")
        started = time.time()
        self.assertEqual(server.stop(signal.SIGTERM), 0)
        self.assertLess(time.time() - started, 10)
        messages = read_messages(sock, until=b"E")
        self.assertEqual(messages[-1][0], b"E")
        fields = error_fields(messages[-1][1])
        self.assertEqual(fields["S"], "FATAL")
        self.assertEqual(fields["C"], "57P01")
        self.assertEqual(sock.recv(1), b"")  # then the connection is closed
        self.assertIn("shutdown complete", server.log())

    def test_sigint_shuts_down_cleanly_and_releases_the_lock(self):
        server = self.server().start()
        self.assertEqual(server.stop(signal.SIGINT), 0)
        again = self.server(data_dir=server.data_dir).start()
        self.assertEqual(again.psql("-c", r"\conninfo").returncode, 0)

    def test_kill_9_leaves_no_stale_lock(self):
        server = self.server().start()
        server.kill()
        again = self.server(data_dir=server.data_dir).start()
        self.assertEqual(again.psql("-c", r"\conninfo").returncode, 0)

    def test_busy_port_is_a_clear_error(self):
        with socket.socket() as blocker:
            blocker.bind(("127.0.0.1", 0))
            blocker.listen()
            port = blocker.getsockname()[1]
            with tempfile.TemporaryDirectory() as data:
                result = self.run_binary("--data-dir", data, "--port", str(port))
        self.assertEqual(result.returncode, 1)
        self.assertIn("could not listen on 127.0.0.1:%d" % port, result.stderr)

    def test_garbage_and_oversized_packets_are_refused_and_the_server_stays_up(self):
        server = self.server().start()
        for payload in (b"\x00\x00\x00\x08\x00\x00\x00\x00",           # protocol 0.0
                        b"\x7f\xff\xff\xff" + b"x" * 16,               # 2 GB startup packet
                        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", server.port)) as sock:
                sock.sendall(payload)
                messages = read_messages(sock, until=b"E")
                self.assertTrue(messages and messages[-1][0] == b"E", payload)
                self.assertEqual(error_fields(messages[-1][1])["S"], "FATAL")
        # A huge length word after startup is a protocol violation, not an allocation.
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(startup_packet())
            read_messages(sock)
            sock.sendall(b"Q" + struct.pack("!I", 0x7ffffff0))
            messages = read_messages(sock, until=b"E")
            self.assertEqual(error_fields(messages[-1][1])["C"], "08P01")
        # An abrupt disconnect mid-message is harmless.
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(startup_packet()[:7])
        self.assertEqual(server.psql("-c", r"\conninfo").returncode, 0)
        self.assertIsNone(server.proc.poll())

    def test_statements_run_in_pools_and_errors_keep_the_session(self):
        server = self.server().start()
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(startup_packet())
            read_messages(sock)

            def query(sql):
                sock.sendall(b"Q" + struct.pack("!i", 4 + len(sql) + 1) + sql.encode() + b"\0")
                return read_messages(sock)

            for i in range(3):
                messages = query("SELECT %d + 1" % i)
                self.assertEqual([m[0] for m in messages], [b"T", b"D", b"C", b"Z"])
                self.assertEqual(messages[1][1], struct.pack("!hi", 1, 1) + str(i + 1).encode())
                self.assertEqual(messages[2][1], b"SELECT 1\0")
                messages = query("SELECT 1/0")
                self.assertEqual([m[0] for m in messages], [b"E", b"Z"])
                self.assertEqual(error_fields(messages[0][1])["C"], "22012")
                self.assertEqual(messages[-1][1], b"I")
            self.assertEqual([m[0] for m in query("  ")], [b"I", b"Z"])  # empty query


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Group commit, side by side: single-row commits per second with 1, 8 and 32
concurrent committers, durable commits on both servers (Strata sync_commit on,
PostgreSQL fsync and synchronous_commit on, same disk), the same pgbench script.

    /usr/bin/python3 bench/group_commit.py [--seconds 10] [--runs 3]

Needs a built build/bin/strata-server. Writes the "group-commit" section of
bench/RESULTS.md.
"""
import argparse
import datetime

from benchlib import PostgresServer, StrataServer, machine_line, median, pgbench, replace_section

SETUP = "CREATE TABLE gc (id bigint PRIMARY KEY, v int)"
SCRIPT = ("\\set id random(1, 9000000000000000)\n"
          "INSERT INTO gc (id, v) VALUES (:id, 1) ON CONFLICT (id) DO NOTHING;\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", default="1,8,32")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]

    strata = StrataServer(config_text="max_connections = 200\n").start()
    postgres = PostgresServer().start()
    results = {}
    try:
        for name, server in (("strata", strata), ("postgres", postgres)):
            result = server.psql("-c", SETUP)
            if result.returncode != 0:
                raise RuntimeError(name + ": " + result.stderr)
        for c in clients:
            for name, server in (("strata", strata), ("postgres", postgres)):
                params = dict(p.split("=") for p in server.dsn().split())
                runs = [pgbench(params, SCRIPT, c, args.seconds) for _ in range(args.runs)]
                results[(name, c)] = median(runs)
                print("%-8s clients=%-3d commits/s=%.0f (runs: %s)" %
                      (name, c, results[(name, c)], ", ".join("%.0f" % r for r in runs)), flush=True)
    finally:
        strata.cleanup()
        postgres.stop()

    rows = ["| committers | Strata commits/s | PostgreSQL commits/s | Strata / PostgreSQL |",
            "|---|---|---|---|"]
    for c in clients:
        s, p = results[("strata", c)], results[("postgres", c)]
        rows.append("| %d | %.0f | %.0f | %.2f× |" % (c, s, p, s / p))
    body = """## Group commit: durable single-row commits

`/usr/bin/python3 bench/group_commit.py --seconds %d --runs %d` — %s, %s.
pgbench `-M prepared`, script: one `INSERT ... ON CONFLICT (id) DO NOTHING` of a
random key per transaction; both servers sync every commit (Strata
`storage.sync_commit = true`, PostgreSQL defaults). Medians of %d runs.

%s
""" % (args.seconds, args.runs, machine_line(), datetime.date.today().isoformat(), args.runs,
       "\n".join(rows))
    replace_section("group-commit", body)
    print(body)


if __name__ == "__main__":
    main()

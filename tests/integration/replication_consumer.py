"""A durable logical replication consumer for replication_test.py.

Streams test_decoding changes of one slot with psycopg2's
LogicalReplicationConnection. A transaction is applied when its COMMIT
arrives: its changes and commit LSN are appended to the state file and
fsynced, and only then confirmed to the server. A transaction whose commit
LSN is at or below the last applied one is a re-delivery and is counted, not
applied. Reconnects until killed; usage: replication_consumer.py DSN SLOT STATE
"""
import os
import sys
import time

import psycopg2
import psycopg2.extras


def load(path):
    confirmed = 0
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.startswith("C "):
                    confirmed = max(confirmed, int(line.split()[1]))
    return confirmed


def main():
    dsn, slot, path = sys.argv[1:4]
    confirmed = load(path)
    state = open(path, "a")
    while True:
        try:
            conn = psycopg2.connect(dsn, connection_factory=psycopg2.extras.LogicalReplicationConnection)
            cur = conn.cursor()
            # Resume where the server says the slot is: what it confirmed and
            # persisted, which may be behind what this consumer applied.
            cur.start_replication(slot_name=slot, decode=True)
            pending = []

            def consume(msg):
                nonlocal confirmed, pending
                payload = msg.payload
                if payload.startswith("BEGIN"):
                    pending = []
                elif payload.startswith("COMMIT"):
                    lsn = msg.data_start
                    if lsn <= confirmed:
                        state.write("D %d\n" % lsn)
                    else:
                        for change in pending:
                            state.write("R %d %s\n" % (lsn, change))
                        state.write("C %d\n" % lsn)
                        confirmed = lsn
                    state.flush()
                    os.fsync(state.fileno())
                    msg.cursor.send_feedback(flush_lsn=confirmed)
                else:
                    pending.append(payload)

            cur.consume_stream(consume, keepalive_interval=1)
        except psycopg2.Error:
            time.sleep(0.2)


if __name__ == "__main__":
    main()

-- pgbench custom script: move a random amount into a random account and log
-- it, in one transaction. drivers_test.py checks afterwards that the
-- balances add up to the logged amounts and every transaction was logged.
\set aid random(1, 100)
\set delta random(-500, 500)
BEGIN;
UPDATE bench_accounts SET balance = balance + :delta WHERE aid = :aid;
SELECT balance FROM bench_accounts WHERE aid = :aid;
INSERT INTO bench_history (aid, delta, client) VALUES (:aid, :delta, :client_id);
END;

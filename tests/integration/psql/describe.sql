-- psql's describe commands over a small schema.
CREATE TABLE accounts (id bigint PRIMARY KEY, owner varchar(40) NOT NULL, balance numeric(12,2) NOT NULL DEFAULT 0, opened date, note text);
CREATE TABLE audit (at timestamptz, what text);
CREATE SCHEMA sales;
CREATE TABLE sales.orders (order_id int, line int, amount double precision, tags text[], PRIMARY KEY (order_id, line));
\dn
\dt
\dt sales.*
\dt+ audit
\d accounts
\d audit
\d sales.orders
\d accounts_pkey
\d+ sales.orders
\di
\df
\d no_such_table

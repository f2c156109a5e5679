-- A psql session: \copy in and out, expanded output, timing, errors.
CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(8,2));
\copy items FROM 'items.csv' WITH (FORMAT csv)
SELECT * FROM items ORDER BY id;
\x
SELECT * FROM items WHERE id <= 2 ORDER BY id;
\x
\timing on
SELECT count(*) AS n FROM items;
\timing off
\copy (SELECT id, name FROM items ORDER BY id) TO 'out.csv' WITH (FORMAT csv, HEADER)
\! cat out.csv
\copy items TO stdout
SELECT * FROM itemz;
SELECT id, nme
  FROM items;
SELECT 'still running' AS status;
\set ON_ERROR_STOP on
SELECT 1 AS before_error;
SELECT 10 / (price - price) FROM items;
SELECT 'not reached' AS status;

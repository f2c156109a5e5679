// node-postgres (pg from npm) against strata-server. Usage:
//   NODE_PATH=<dir>/node_modules node node_pg_test.js <port>
// Exits non-zero (with the failed check) when a returned value is wrong.
'use strict';
const assert = require('assert');
const { Client, Pool } = require('pg');

const port = Number(process.argv[2]);
const config = { host: '127.0.0.1', port, user: 'strata', database: 'strata' };

async function main() {
  const client = new Client(config);
  await client.connect();

  // Plain query (simple protocol).
  let r = await client.query('SELECT 1 AS one, \'x\'::text AS s');
  assert.deepStrictEqual(r.rows, [{ one: 1, s: 'x' }]);

  await client.query('DROP TABLE IF EXISTS node_t');
  await client.query('CREATE TABLE node_t (id int PRIMARY KEY, name text, price numeric(10,2), ' +
                     'big bigint, ok boolean, at timestamptz, tags text[], doc jsonb)');

  // Parameterized queries (extended protocol) with several types.
  const at = new Date('2024-05-06T07:08:09.123Z');
  for (let i = 1; i <= 5; i++) {
    r = await client.query(
      'INSERT INTO node_t VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id',
      [i, 'name' + i, (i * 1.25).toFixed(2), '9007199254740993', i % 2 === 0, at, ['a', 'b' + i], { k: i }]);
    assert.strictEqual(r.rows[0].id, i);
  }
  r = await client.query('SELECT id, name, price, big, ok, at, tags, doc FROM node_t WHERE id = $1', [4]);
  assert.strictEqual(r.rowCount, 1);
  const row = r.rows[0];
  assert.strictEqual(row.name, 'name4');
  assert.strictEqual(row.price, '5.00');          // numeric arrives as a string
  assert.strictEqual(row.big, '9007199254740993'); // int8 too (no precision loss)
  assert.strictEqual(row.ok, true);
  assert.strictEqual(row.at.getTime(), at.getTime());
  assert.deepStrictEqual(row.tags, ['a', 'b4']);
  assert.deepStrictEqual(row.doc, { k: 4 });
  assert.deepStrictEqual(r.fields.map((f) => f.dataTypeID), [23, 25, 1700, 20, 16, 1184, 1009, 3802]);

  // A named prepared statement, executed several times.
  for (const [id, want] of [[1, 'name1'], [3, 'name3']]) {
    r = await client.query({ name: 'by_id', text: 'SELECT name FROM node_t WHERE id = $1', values: [id] });
    assert.strictEqual(r.rows[0].name, want);
  }
  r = await client.query({ name: 'by_id', text: 'SELECT name FROM node_t WHERE id = $1', values: [99] });
  assert.strictEqual(r.rowCount, 0);

  // Array mode and a NULL parameter.
  r = await client.query({ text: 'SELECT $1::int IS NULL AS n, count(*) AS c FROM node_t', values: [null],
                           rowMode: 'array' });
  assert.deepStrictEqual(r.rows, [[true, '5']]);

  // Errors carry the SQLSTATE and the connection stays usable.
  await assert.rejects(client.query('SELECT * FROM node_missing'), (e) => e.code === '42P01');
  await assert.rejects(client.query('INSERT INTO node_t (id) VALUES ($1)', [1]), (e) => e.code === '23505');
  r = await client.query('SELECT count(*)::int AS c FROM node_t');
  assert.strictEqual(r.rows[0].c, 5);

  // Transactions.
  await client.query('BEGIN');
  await client.query('UPDATE node_t SET name = $1 WHERE id = $2', ['changed', 2]);
  await client.query('ROLLBACK');
  r = await client.query('SELECT name FROM node_t WHERE id = 2');
  assert.strictEqual(r.rows[0].name, 'name2');
  await client.end();

  // A pool running queries concurrently.
  const pool = new Pool({ ...config, max: 4 });
  const results = await Promise.all([1, 2, 3, 4, 5].map((id) =>
    pool.query('SELECT id, name FROM node_t WHERE id = $1', [id])));
  assert.deepStrictEqual(results.map((x) => x.rows[0].name), ['name1', 'name2', 'name3', 'name4', 'name5']);
  const pc = await pool.connect();
  try {
    await pc.query('BEGIN');
    await pc.query('INSERT INTO node_t (id, name) VALUES ($1, $2)', [6, 'pooled']);
    await pc.query('COMMIT');
  } finally {
    pc.release();
  }
  r = await pool.query('SELECT name FROM node_t WHERE id = 6');
  assert.strictEqual(r.rows[0].name, 'pooled');
  assert.ok(pool.totalCount >= 1 && pool.totalCount <= 4);
  await pool.end();
  console.log('node-postgres: all checks passed');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

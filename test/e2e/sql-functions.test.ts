/** SQL-language functions (CREATE FUNCTION … LANGUAGE sql), compared with PostgreSQL 15. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE item (id int PRIMARY KEY, price numeric(10,2), qty int)',
  'INSERT INTO item VALUES (1, 2.50, 4), (2, 10, 1), (3, NULL, 2)',
]);

test('SQL functions: expressions, named and positional parameters, STRICT, queries over tables, overloads', { skip }, async () => {
  for (const sql of [
    'CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x + 1 $$',
    'SELECT add_one(41), add_one(id) FROM item ORDER BY id',
    'CREATE FUNCTION total(p numeric, q int) RETURNS numeric LANGUAGE sql AS $$ SELECT $1 * $2 $$',
    'SELECT id, total(price, qty) FROM item ORDER BY id',
    'CREATE FUNCTION twice(int) RETURNS int RETURN $1 * 2',
    'SELECT twice(21)',
    'CREATE FUNCTION safe_div(a int, b int) RETURNS int LANGUAGE sql STRICT AS $$ SELECT a / b $$',
    'SELECT safe_div(7, 2), safe_div(NULL, 0)',
    'SELECT safe_div(1, 0)',
    'CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM item $$',
    'SELECT item_count()',
    'CREATE FUNCTION price_of(i int) RETURNS numeric LANGUAGE sql AS $$ SELECT price FROM item WHERE id = i $$',
    'SELECT id, price_of(id) FROM item ORDER BY id',
    'CREATE FUNCTION twice(text) RETURNS text LANGUAGE sql AS $$ SELECT $1 || $1 $$',
    "SELECT twice('ab'), twice(4)",
    'CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql AS $$ SELECT x + 2 $$',
    'CREATE OR REPLACE FUNCTION add_one(x int) RETURNS int LANGUAGE sql AS $$ SELECT x + 2 $$',
    'SELECT add_one(1)',
    'CREATE OR REPLACE FUNCTION add_one(x int) RETURNS text LANGUAGE sql AS $$ SELECT x::text $$',
    'CREATE FUNCTION bad(x int) RETURNS int LANGUAGE sql AS $$ SELECT x, x $$',
    'SELECT nope(1)',
    'DROP FUNCTION twice(text)',
    "SELECT twice('ab')",
    'DROP FUNCTION IF EXISTS nope(int)',
    'DROP FUNCTION nope(int)',
    'DROP FUNCTION add_one',
    'SELECT add_one(1)',
  ]) await db().same(sql);
});

test("functions in other languages are refused with DSQL's text", { skip }, async () => {
  await assert.rejects(db().strata.query('CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$'),
    (e: { code?: string; message: string }) => e.code === '0A000' && e.message === 'CREATE FUNCTION with language plpgsql not supported');
});

test('an argument type that does not exist is PostgreSQL\'s 42704 with its text; a domain argument or result is 0A000, never "does not exist"', { skip }, async () => {
  for (const sql of [
    'CREATE FUNCTION no_type(x nosuchtype) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    'CREATE FUNCTION no_type(x int, y nosuchtype[]) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    'CREATE FUNCTION no_type(x pg_catalog.nosuchtype) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    'CREATE FUNCTION no_type(x int) RETURNS nosuchtype LANGUAGE sql AS $$ SELECT 1 $$',
    'CREATE FUNCTION no_type(x no_schema.nosuchtype) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
  ]) await db().same(sql);
  await assert.rejects(db().strata.query('CREATE FUNCTION no_type(x nosuchtype) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$'),
    (e: { code?: string; message?: string }) => e.code === '42704' && e.message === 'type nosuchtype does not exist');
  await db().strata.query('CREATE DOMAIN fn_posint AS int CHECK (VALUE > 0)');
  for (const [sql, message] of [
    ['CREATE FUNCTION dom_arg(x fn_posint) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'functions with an argument of domain type fn_posint are not supported'],
    ['CREATE FUNCTION dom_arg(x public.fn_posint[]) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'functions with an argument of domain type fn_posint[] are not supported'],
    ['CREATE FUNCTION dom_arg(x int) RETURNS fn_posint LANGUAGE sql AS $$ SELECT 1 $$', 'functions returning domain type fn_posint are not supported'],
  ] as const) {
    await assert.rejects(db().strata.query(sql), (e: { code?: string; message?: string }) => e.code === '0A000' && e.message === message, sql);
  }
});

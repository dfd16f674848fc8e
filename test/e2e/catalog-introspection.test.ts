/**
 * What database tools and ORMs read to introspect a schema, compared with PostgreSQL 15:
 * pg_tables, information_schema.routines / parameters / columns / tables /
 * constraint_column_usage, the vector columns of pg_index read by the array functions, and the
 * queries SQLAlchemy, pgJDBC, Django, Prisma and TypeORM send, and the row types of tables and
 * views in pg_type. Object oids and owner names
 * legitimately differ between the two servers, so no query here shows them. PostgreSQL builds
 * the secondary index with CREATE INDEX, Strata with DSQL's CREATE INDEX ASYNC.
 */
import { test } from 'node:test';
import { sameAnswers, useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  `CREATE TABLE authors (id int PRIMARY KEY, email varchar(120) NOT NULL UNIQUE, name text NOT NULL DEFAULT 'anon', active bool DEFAULT true,
    created timestamptz NOT NULL DEFAULT now(), rating numeric(5,2) CHECK (rating >= 0 AND rating <= 100))`,
  `CREATE TABLE books (id bigint PRIMARY KEY, author_id int REFERENCES authors (id) ON DELETE CASCADE ON UPDATE RESTRICT, title varchar(200) NOT NULL,
    meta jsonb, price numeric(10,2) DEFAULT 0, isbn char(13), CONSTRAINT books_price_pos CHECK (price >= 0), CONSTRAINT books_title_isbn UNIQUE (title, isbn))`,
  `CREATE TABLE reviews (book_id bigint NOT NULL, author_id int NOT NULL, stars int2 CHECK (stars BETWEEN 1 AND 5), body text, PRIMARY KEY (book_id, author_id),
    CONSTRAINT reviews_book_fk FOREIGN KEY (book_id) REFERENCES books (id) ON DELETE SET NULL, CONSTRAINT reviews_author_fk FOREIGN KEY (author_id) REFERENCES authors (id))`,
  'CREATE VIEW active_authors AS SELECT id, email FROM authors WHERE active',
  "CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS 'SELECT x + 1'",
  'CREATE FUNCTION book_count() RETURNS bigint LANGUAGE sql STABLE RETURN (SELECT count(*) FROM books)',
  "CREATE FUNCTION label(n numeric, t varchar) RETURNS text LANGUAGE sql AS 'SELECT t || n'",
  'CREATE SCHEMA app',
  'CREATE TABLE app.things (id uuid PRIMARY KEY, n int)',
]);

let indexed: Promise<void> | null = null;

/** The secondary index, made once (CREATE INDEX ASYNC waits for its job on Strata). */
function withIndex(): Promise<void> {
  indexed ??= (async () => {
    await db().postgres.query('CREATE INDEX books_title_idx ON books (title)');
    const job = (await db().strata.query('CREATE INDEX ASYNC books_title_idx ON books (title)')).rows[0].job_id as string;
    await db().strata.query(`CALL sys.wait_for_job('${job}')`);
  })();
  return indexed;
}

test('pg_tables lists the ordinary tables pg_class lists; pg_matviews exists and is empty', { skip }, async () => {
  await sameAnswers(db(), [
    `SELECT schemaname, tablename, tablespace, hasindexes, hasrules, hastriggers, rowsecurity FROM pg_catalog.pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
    "SELECT tablename FROM pg_tables WHERE schemaname = 'pg_catalog' AND tablename IN ('pg_class', 'pg_attribute', 'pg_index') ORDER BY 1",
    "SELECT count(*) FROM pg_tables t JOIN pg_class c ON c.relname = t.tablename WHERE t.schemaname = 'public' AND c.relkind = 'r'",
    'SELECT * FROM pg_matviews',
  ]);
});

test('information_schema.routines and parameters list the user functions', { skip }, async () => {
  await sameAnswers(db(), [
    `SELECT specific_catalog, specific_schema, routine_catalog, routine_schema, routine_name, routine_type, module_catalog, udt_name, data_type,
      character_maximum_length, numeric_precision, type_udt_catalog, type_udt_schema, type_udt_name, dtd_identifier, routine_body, routine_definition,
      external_name, external_language, parameter_style, is_deterministic, sql_data_access, is_null_call, sql_path, schema_level_routine,
      max_dynamic_result_sets, security_type, as_locator, created, is_udt_dependent, result_cast_dtd_identifier
      FROM information_schema.routines WHERE routine_schema = 'public' ORDER BY routine_name`,
    "SELECT r.routine_name FROM information_schema.routines r JOIN pg_proc p ON r.specific_name = p.proname || '_' || p.oid WHERE r.routine_schema = 'public' ORDER BY 1",
    `SELECT r.routine_name, p.ordinal_position, p.parameter_mode, p.is_result, p.parameter_name, p.data_type, p.udt_catalog, p.udt_schema, p.udt_name,
      p.dtd_identifier, p.parameter_default FROM information_schema.routines r JOIN information_schema.parameters p ON p.specific_name = r.specific_name
      WHERE r.routine_schema = 'public' ORDER BY 1, 2`,
    "SELECT count(*) FROM information_schema.routines WHERE routine_schema = 'app'",
  ]);
});

test('constraint_column_usage lists the columns of CHECK constraints too', { skip }, async () => {
  await sameAnswers(db(), [
    `SELECT table_catalog, table_schema, table_name, column_name, constraint_catalog, constraint_schema, constraint_name
      FROM information_schema.constraint_column_usage WHERE table_schema = 'public' ORDER BY constraint_name, column_name`,
  ]);
});

test('int2vector and oidvector are read by the array functions, counting from 0', { skip }, async () => {
  const index = "FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid WHERE c.relname = 'books_title_isbn'";
  await sameAnswers(db(), [
    `SELECT array_to_string(ix.indkey, ' '), array_length(ix.indkey, 1), cardinality(ix.indkey), array_lower(ix.indkey, 1), array_upper(ix.indkey, 1),
      array_dims(ix.indkey), array_ndims(ix.indoption) ${index}`,
    `SELECT array_position(ix.indkey, 6::int2), array_positions(ix.indkey, 3::int2), array_to_string(ix.indcollation, ',') ${index}`,
    `SELECT a.attname FROM pg_index ix JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ANY(ix.indkey)
      WHERE ix.indrelid = 'reviews'::regclass AND ix.indisprimary ORDER BY a.attnum`,
  ]);
});

test('current_schemas answers name[]', { skip }, async () => {
  await sameAnswers(db(), ['SELECT pg_typeof(current_schemas(true)), current_schemas(true), current_schemas(false)']);
});

test('x IN (SELECT …) over the catalogs compares, as = ANY', { skip }, async () => {
  await sameAnswers(db(), [
    "SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid IN (SELECT oid FROM pg_class WHERE relname IN ('authors', 'reviews')) ORDER BY 1",
    "SELECT relname FROM pg_class c WHERE c.oid = ANY (SELECT conrelid FROM pg_constraint WHERE contype = 'f') ORDER BY 1",
    "SELECT relname FROM pg_class c WHERE relkind = 'r' AND relname NOT IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public') AND relnamespace = 'public'::regnamespace",
  ]);
});

test('information_schema.columns and tables have PostgreSQL 15\'s columns, views included', { skip }, async () => {
  await sameAnswers(db(), [
    `SELECT table_name, column_name, ordinal_position, column_default, is_nullable, data_type, character_maximum_length, character_octet_length,
      numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision, interval_type, interval_precision, character_set_name,
      collation_catalog, collation_schema, collation_name, domain_name, udt_catalog, udt_schema, udt_name, scope_name, maximum_cardinality, dtd_identifier,
      is_self_referencing, is_identity, identity_generation, identity_cycle, is_generated, generation_expression, is_updatable
      FROM information_schema.columns WHERE table_schema IN ('public', 'app') ORDER BY table_schema, table_name, ordinal_position`,
    `SELECT table_catalog, table_schema, table_name, table_type, self_referencing_column_name, reference_generation, user_defined_type_catalog,
      user_defined_type_schema, user_defined_type_name, is_insertable_into, is_typed, commit_action FROM information_schema.tables
      WHERE table_schema IN ('public', 'app') ORDER BY 2, 3`,
  ]);
});

test('SQLAlchemy\'s reflection queries', { skip }, async () => {
  await withIndex();
  const tables = "(SELECT oid FROM pg_class WHERE relname IN ('authors', 'books', 'reviews'))";
  await sameAnswers(db(), [
    // get_columns
    `SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS format_type, (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid)
      FROM pg_catalog.pg_attrdef d WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef) AS "default", a.attnotnull AS not_null,
      pg_catalog.pg_class.relname AS table_name, pg_catalog.pg_description.description AS comment, a.attgenerated AS generated
      FROM pg_catalog.pg_class LEFT OUTER JOIN pg_catalog.pg_attribute a ON pg_catalog.pg_class.oid = a.attrelid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = a.attrelid AND pg_catalog.pg_description.objsubid = a.attnum
      JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace
      WHERE pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid)
      AND pg_catalog.pg_namespace.nspname != 'pg_catalog' AND pg_catalog.pg_class.relname IN ('authors', 'books', 'reviews', 'active_authors')
      ORDER BY pg_catalog.pg_class.relname, a.attnum`,
    // get_pk_constraint / get_unique_constraints
    `SELECT attr.conrelid::regclass, array_agg(CAST(attr.attname AS TEXT) ORDER BY attr.ord) AS cols, attr.conname, min(attr.description) AS description
      FROM (SELECT con.conrelid AS conrelid, con.conname AS conname, con.conindid AS conindid, con.description AS description, con.ord AS ord,
      pg_catalog.pg_attribute.attname AS attname FROM pg_catalog.pg_attribute JOIN (SELECT pg_catalog.pg_constraint.conrelid AS conrelid,
      pg_catalog.pg_constraint.conname AS conname, pg_catalog.pg_constraint.conindid AS conindid, unnest(pg_catalog.pg_constraint.conkey) AS attnum,
      generate_subscripts(pg_catalog.pg_constraint.conkey, 1) AS ord, pg_catalog.pg_description.description AS description FROM pg_catalog.pg_constraint
      LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_constraint.oid
      WHERE pg_catalog.pg_constraint.contype = ANY (ARRAY['p', 'u']) AND pg_catalog.pg_constraint.conrelid IN ${tables}) AS con
      ON pg_catalog.pg_attribute.attnum = con.attnum AND pg_catalog.pg_attribute.attrelid = con.conrelid) AS attr
      GROUP BY attr.conrelid, attr.conname ORDER BY attr.conrelid::regclass::text, attr.conname`,
    // get_foreign_keys
    `SELECT pg_catalog.pg_class.relname, pg_catalog.pg_constraint.conname, CASE WHEN (pg_catalog.pg_constraint.oid IS NOT NULL)
      THEN pg_catalog.pg_get_constraintdef(pg_catalog.pg_constraint.oid, true) END AS anon_1, nsp_ref.nspname, pg_catalog.pg_description.description
      FROM pg_catalog.pg_class LEFT OUTER JOIN pg_catalog.pg_constraint ON pg_catalog.pg_class.oid = pg_catalog.pg_constraint.conrelid AND pg_catalog.pg_constraint.contype = 'f'
      LEFT OUTER JOIN pg_catalog.pg_class AS cls_ref ON cls_ref.oid = pg_catalog.pg_constraint.confrelid
      LEFT OUTER JOIN pg_catalog.pg_namespace AS nsp_ref ON cls_ref.relnamespace = nsp_ref.oid
      LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_constraint.oid
      JOIN pg_catalog.pg_namespace ON pg_catalog.pg_class.relnamespace = pg_catalog.pg_namespace.oid
      WHERE pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid)
      AND pg_catalog.pg_namespace.nspname != 'pg_catalog' AND pg_catalog.pg_class.relname IN ('authors', 'books', 'reviews')
      ORDER BY pg_catalog.pg_class.relname, pg_catalog.pg_constraint.conname`,
    // get_indexes
    `SELECT pg_catalog.pg_index.indrelid::regclass, cls_idx.relname AS relname_index, pg_catalog.pg_index.indisunique, pg_catalog.pg_constraint.conrelid IS NOT NULL AS has_constraint,
      pg_catalog.pg_index.indoption, cls_idx.reloptions, pg_catalog.pg_am.amname, CASE WHEN (pg_catalog.pg_index.indpred IS NOT NULL)
      THEN pg_catalog.pg_get_expr(pg_catalog.pg_index.indpred, pg_catalog.pg_index.indrelid) END AS filter_definition, pg_catalog.pg_index.indnkeyatts,
      pg_catalog.pg_index.indnullsnotdistinct, idx_cols.elements, idx_cols.elements_is_expr FROM pg_catalog.pg_index
      JOIN pg_catalog.pg_class AS cls_idx ON pg_catalog.pg_index.indexrelid = cls_idx.oid JOIN pg_catalog.pg_am ON cls_idx.relam = pg_catalog.pg_am.oid
      LEFT OUTER JOIN (SELECT idx_attr.indexrelid AS indexrelid, min(idx_attr.indrelid) AS min_1, array_agg(idx_attr.element ORDER BY idx_attr.ord) AS elements,
      array_agg(idx_attr.is_expr ORDER BY idx_attr.ord) AS elements_is_expr FROM (SELECT idx.indexrelid AS indexrelid, idx.indrelid AS indrelid, idx.ord AS ord,
      CASE WHEN (idx.attnum = 0) THEN pg_catalog.pg_get_indexdef(idx.indexrelid, idx.ord + 1, true) ELSE CAST(pg_catalog.pg_attribute.attname AS TEXT) END AS element,
      idx.attnum = 0 AS is_expr FROM (SELECT pg_catalog.pg_index.indexrelid AS indexrelid, pg_catalog.pg_index.indrelid AS indrelid,
      unnest(pg_catalog.pg_index.indkey) AS attnum, generate_subscripts(pg_catalog.pg_index.indkey, 1) AS ord FROM pg_catalog.pg_index
      WHERE NOT pg_catalog.pg_index.indisprimary AND pg_catalog.pg_index.indrelid IN ${tables}) AS idx
      LEFT OUTER JOIN pg_catalog.pg_attribute ON pg_catalog.pg_attribute.attnum = idx.attnum AND pg_catalog.pg_attribute.attrelid = idx.indrelid) AS idx_attr
      GROUP BY idx_attr.indexrelid) AS idx_cols ON pg_catalog.pg_index.indexrelid = idx_cols.indexrelid
      LEFT OUTER JOIN pg_catalog.pg_constraint ON pg_catalog.pg_index.indrelid = pg_catalog.pg_constraint.conrelid
      AND pg_catalog.pg_index.indexrelid = pg_catalog.pg_constraint.conindid AND pg_catalog.pg_constraint.contype = ANY (ARRAY['p', 'u', 'x'])
      WHERE pg_catalog.pg_index.indrelid IN ${tables} AND NOT pg_catalog.pg_index.indisprimary ORDER BY 1::text, cls_idx.relname`,
  ]);
});

test('pgJDBC\'s getTables, getColumns and getImportedKeys', { skip }, async () => {
  await withIndex();
  await sameAnswers(db(), [
    `SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME, CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema' WHEN true
      THEN CASE WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind WHEN 'r' THEN 'SYSTEM TABLE' WHEN 'v' THEN 'SYSTEM VIEW'
      WHEN 'i' THEN 'SYSTEM INDEX' ELSE NULL END ELSE NULL END WHEN false THEN CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE'
      WHEN 'i' THEN 'INDEX' WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'c' THEN 'TYPE' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW'
      ELSE NULL END ELSE NULL END AS TABLE_TYPE, d.description AS REMARKS, '' as TYPE_CAT, '' AS REF_GENERATION
      FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0 and d.classoid = 'pg_class'::regclass)
      WHERE c.relnamespace = n.oid AND n.nspname LIKE 'public' AND (false OR (c.relkind IN ('r','p') AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema')
      OR (c.relkind = 'v' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema') OR (c.relkind = 'i' AND n.nspname !~ '^pg_'))
      ORDER BY TABLE_TYPE, TABLE_SCHEM, TABLE_NAME`,
    `SELECT * FROM (SELECT n.nspname, c.relname, a.attname, a.atttypid, a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull, a.atttypmod, a.attlen,
      t.typtypmod, row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,
      nullif(a.attgenerated, '') as attgenerated, pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc, dsc.description, t.typbasetype, t.typtype
      FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid) JOIN pg_catalog.pg_attribute a ON (a.attrelid = c.oid)
      JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid) LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid = def.adrelid AND a.attnum = def.adnum)
      LEFT JOIN pg_catalog.pg_description dsc ON (c.oid = dsc.objoid AND a.attnum = dsc.objsubid)
      WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped AND n.nspname LIKE 'public' AND c.relname LIKE '%') c
      WHERE true ORDER BY nspname, c.relname, attnum`,
    `SELECT NULL::text AS PKTABLE_CAT, pkn.nspname AS PKTABLE_SCHEM, pkc.relname AS PKTABLE_NAME, pka.attname AS PKCOLUMN_NAME, fkn.nspname AS FKTABLE_SCHEM,
      fkc.relname AS FKTABLE_NAME, fka.attname AS FKCOLUMN_NAME, pos.n AS KEY_SEQ, CASE con.confupdtype WHEN 'c' THEN 0 WHEN 'n' THEN 2 WHEN 'd' THEN 4
      WHEN 'r' THEN 1 WHEN 'p' THEN 1 WHEN 'a' THEN 3 ELSE NULL END AS UPDATE_RULE, CASE con.confdeltype WHEN 'c' THEN 0 WHEN 'n' THEN 2 WHEN 'd' THEN 4
      WHEN 'r' THEN 1 WHEN 'p' THEN 1 WHEN 'a' THEN 3 ELSE NULL END AS DELETE_RULE, con.conname AS FK_NAME, pkic.relname AS PK_NAME,
      CASE WHEN con.condeferrable AND con.condeferred THEN 5 WHEN con.condeferrable THEN 6 ELSE 7 END AS DEFERRABILITY
      FROM pg_catalog.pg_namespace pkn, pg_catalog.pg_class pkc, pg_catalog.pg_attribute pka, pg_catalog.pg_namespace fkn, pg_catalog.pg_class fkc,
      pg_catalog.pg_attribute fka, pg_catalog.pg_constraint con, pg_catalog.generate_series(1, 32) pos(n), pg_catalog.pg_class pkic
      WHERE pkn.oid = pkc.relnamespace AND pkc.oid = pka.attrelid AND pka.attnum = con.confkey[pos.n] AND con.confrelid = pkc.oid
      AND fkn.oid = fkc.relnamespace AND fkc.oid = fka.attrelid AND fka.attnum = con.conkey[pos.n] AND con.conrelid = fkc.oid AND con.contype = 'f'
      AND (pkic.relkind = 'i' OR pkic.relkind = 'I') AND pkic.oid = con.conindid AND fkn.nspname = E'public' AND fkc.relname = E'reviews'
      ORDER BY pkn.nspname, pkc.relname, con.conname, pos.n`,
  ]);
});

test('Django\'s, Prisma\'s and TypeORM\'s introspection queries', { skip }, async () => {
  await withIndex();
  await sameAnswers(db(), [
    `SELECT c.relname, CASE WHEN c.relispartition THEN 'p' WHEN c.relkind IN ('m', 'v') THEN 'v' ELSE 't' END, obj_description(c.oid, 'pg_class')
      FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('f', 'm', 'p', 'r', 'v')
      AND n.nspname NOT IN ('pg_catalog', 'pg_toast') AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1`,
    `SELECT a1.attname, c2.relname, a2.attname FROM pg_constraint con LEFT JOIN pg_class c1 ON con.conrelid = c1.oid LEFT JOIN pg_class c2 ON con.confrelid = c2.oid
      LEFT JOIN pg_attribute a1 ON c1.oid = a1.attrelid AND a1.attnum = con.conkey[1] LEFT JOIN pg_attribute a2 ON c2.oid = a2.attrelid AND a2.attnum = con.confkey[1]
      WHERE c1.relname = 'reviews' AND con.contype = 'f' AND c1.relnamespace = c2.relnamespace AND pg_catalog.pg_table_is_visible(c1.oid) ORDER BY 1`,
    `SELECT indexname, array_agg(attname ORDER BY arridx), indisunique, indisprimary, array_agg(ordering ORDER BY arridx), amname, exprdef, s2.attoptions
      FROM (SELECT c2.relname as indexname, idx.*, attr.attname, am.amname, CASE WHEN idx.indexprs IS NOT NULL THEN pg_get_indexdef(idx.indexrelid) END AS exprdef,
      CASE am.amname WHEN 'btree' THEN CASE (option & 1) WHEN 1 THEN 'DESC' ELSE 'ASC' END END as ordering, c2.reloptions as attoptions
      FROM (SELECT * FROM pg_index i, unnest(i.indkey, i.indoption) WITH ORDINALITY koi(key, option, arridx)) idx LEFT JOIN pg_class c ON idx.indrelid = c.oid
      LEFT JOIN pg_class c2 ON idx.indexrelid = c2.oid LEFT JOIN pg_am am ON c2.relam = am.oid LEFT JOIN pg_attribute attr ON attr.attrelid = c.oid AND attr.attnum = idx.key
      WHERE c.relname IN ('books', 'reviews') AND pg_catalog.pg_table_is_visible(c.oid)) s2 GROUP BY indexname, indisunique, indisprimary, amname, exprdef, attoptions ORDER BY 1`,
    // Prisma's columns: relations with a row type (reltype > 0)
    `SELECT oid.namespace, info.table_name, info.column_name, format_type(att.atttypid, att.atttypmod) as formatted_type, info.numeric_precision, info.numeric_scale,
      info.numeric_precision_radix, info.datetime_precision, info.data_type, info.udt_schema as type_schema_name, info.udt_name as full_data_type,
      pg_get_expr(attdef.adbin, attdef.adrelid) AS column_default, info.is_nullable, info.is_identity, info.character_maximum_length,
      col_description(att.attrelid, ordinal_position) AS description FROM information_schema.columns info JOIN pg_attribute att ON att.attname = info.column_name
      JOIN (SELECT pg_class.oid, relname, pg_namespace.nspname as namespace FROM pg_class JOIN pg_namespace on pg_namespace.oid = pg_class.relnamespace
      AND pg_namespace.nspname = ANY (ARRAY['public']) WHERE reltype > 0) as oid on oid.oid = att.attrelid AND relname = info.table_name AND namespace = info.table_schema
      LEFT OUTER JOIN pg_attrdef attdef ON attdef.adrelid = att.attrelid AND attdef.adnum = att.attnum AND table_schema = namespace
      WHERE table_schema = ANY (ARRAY['public']) ORDER BY namespace, table_name, ordinal_position`,
    // TypeORM's loadTables: indices and constraints
    `SELECT "ns"."nspname" AS "table_schema", "t"."relname" AS "table_name", "i"."relname" AS "constraint_name", "a"."attname" AS "column_name",
      CASE "ix"."indisunique" WHEN 't' THEN 'TRUE' ELSE 'FALSE' END AS "is_unique", pg_get_expr("ix"."indpred", "ix"."indrelid") AS "condition",
      "types"."typname" AS "type_name", "am"."amname" AS "index_type" FROM "pg_class" "t" INNER JOIN "pg_index" "ix" ON "ix"."indrelid" = "t"."oid"
      INNER JOIN "pg_attribute" "a" ON "a"."attrelid" = "t"."oid" AND "a"."attnum" = ANY ("ix"."indkey") INNER JOIN "pg_namespace" "ns" ON "ns"."oid" = "t"."relnamespace"
      INNER JOIN "pg_class" "i" ON "i"."oid" = "ix"."indexrelid" INNER JOIN "pg_type" "types" ON "types"."oid" = "a"."atttypid" INNER JOIN "pg_am" "am" ON "i"."relam" = "am"."oid"
      LEFT JOIN "pg_constraint" "cnst" ON "cnst"."conname" = "i"."relname" WHERE "t"."relkind" IN ('r', 'p') AND "cnst"."contype" IS NULL
      AND (("ns"."nspname" = 'public' AND "t"."relname" = 'books')) ORDER BY 3, 4`,
    `SELECT "ns"."nspname" AS "table_schema", "t"."relname" AS "table_name", "cnst"."conname" AS "constraint_name", pg_get_constraintdef("cnst"."oid") AS "expression",
      CASE "cnst"."contype" WHEN 'p' THEN 'PRIMARY' WHEN 'u' THEN 'UNIQUE' WHEN 'c' THEN 'CHECK' WHEN 'x' THEN 'EXCLUDE' END AS "constraint_type", "a"."attname" AS "column_name"
      FROM "pg_constraint" "cnst" INNER JOIN "pg_class" "t" ON "t"."oid" = "cnst"."conrelid" INNER JOIN "pg_namespace" "ns" ON "ns"."oid" = "cnst"."connamespace"
      LEFT JOIN "pg_attribute" "a" ON "a"."attrelid" = "cnst"."conrelid" AND "a"."attnum" = ANY ("cnst"."conkey") WHERE "t"."relkind" IN ('r', 'p')
      AND (("ns"."nspname" = 'public' AND "t"."relname" = 'books')) ORDER BY 3, 6`,
    `SELECT tc.constraint_name, tc.constraint_type, kcu.column_name, ccu.table_name AS foreign_table_name, ccu.column_name AS foreign_column_name, rc.update_rule, rc.delete_rule
      FROM information_schema.table_constraints AS tc JOIN information_schema.key_column_usage AS kcu ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema
      LEFT JOIN information_schema.constraint_column_usage AS ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
      LEFT JOIN information_schema.referential_constraints rc ON rc.constraint_name = tc.constraint_name WHERE tc.table_name = 'reviews' ORDER BY 1, 3, 5`,
  ]);
});

test('information_schema._pg_expandarray, in FROM and in a select list, reached only qualified', { skip }, async () => {
  await sameAnswers(db(), [
    'SELECT information_schema._pg_expandarray(ARRAY[5, 7, 9]::int2[])',
    'SELECT (information_schema._pg_expandarray(ARRAY[5, 7, 9]::int2[])).n, (information_schema._pg_expandarray(ARRAY[5, 7, 9])).x',
    "SELECT * FROM information_schema._pg_expandarray(ARRAY['a', 'b']) WITH ORDINALITY",
    'SELECT information_schema._pg_expandarray(NULL::int[])',
    'SELECT pg_typeof(information_schema._pg_expandarray(ARRAY[1]))',
    "SELECT k.x, k.n, pg_typeof(k.x) FROM pg_index i, information_schema._pg_expandarray(i.indkey) k WHERE i.indrelid = 'reviews'::regclass AND i.indisprimary",
    "SELECT * FROM _pg_expandarray(ARRAY['a'])",
    "SELECT _pg_expandarray(ARRAY['a'])",
    "SELECT pg_catalog._pg_expandarray(ARRAY['a'])",
  ]);
});

test('built-in set-returning functions in FROM of a catalog subquery, correlated', { skip }, async () => {
  const reviews = "FROM pg_constraint c JOIN pg_class cl ON c.conrelid = cl.oid WHERE cl.relname = 'reviews' ORDER BY 1";
  await sameAnswers(db(), [
    `SELECT c.conname, array(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY cols(colid, arridx) JOIN pg_attribute AS ca ON cols.colid = ca.attnum
      WHERE ca.attrelid = c.conrelid ORDER BY cols.arridx DESC) ${reviews}`,
    `SELECT c.conname, array(SELECT k.n FROM information_schema._pg_expandarray(c.conkey) k ORDER BY 1 DESC) ${reviews}`,
    `SELECT c.conname, array(SELECT ca.attname FROM pg_attribute ca, unnest(c.conkey) u WHERE ca.attnum = u AND ca.attrelid = c.conrelid) ${reviews}`,
  ]);
});

test('pgJDBC\'s getPrimaryKeys and getIndexInfo (42.5), over information_schema._pg_expandarray', { skip }, async () => {
  await withIndex();
  const primaryKeys = (table: string) => `SELECT result.TABLE_CAT, result.TABLE_SCHEM, result.TABLE_NAME, result.COLUMN_NAME, result.KEY_SEQ, result.PK_NAME FROM
    (SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM,   ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,   (information_schema._pg_expandarray(i.indkey)).n AS KEY_SEQ,
    ci.relname AS PK_NAME,   information_schema._pg_expandarray(i.indkey) AS KEYS, a.attnum AS A_ATTNUM FROM pg_catalog.pg_class ct
    JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)   JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)   JOIN pg_catalog.pg_index i ON ( a.attrelid = i.indrelid)
    JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid) WHERE true  AND n.nspname = E'public' AND ct.relname = E'${table}' AND i.indisprimary  ) result
    where  result.A_ATTNUM = (result.KEYS).x  ORDER BY result.table_name, result.pk_name, result.key_seq`;
  // The driver's query as sent, read without CARDINALITY and PAGES (pg_class.reltuples and relpages: statistics Strata does not keep).
  const indexInfo = (table: string) => `SELECT table_cat, table_schem, table_name, non_unique, index_qualifier, index_name, type, ordinal_position, column_name, asc_or_desc,
    filter_condition FROM (SELECT tmp.TABLE_CAT, tmp.TABLE_SCHEM, tmp.TABLE_NAME, tmp.NON_UNIQUE, tmp.INDEX_QUALIFIER, tmp.INDEX_NAME, tmp.TYPE, tmp.ORDINAL_POSITION,
    trim(both '"' from pg_catalog.pg_get_indexdef(tmp.CI_OID, tmp.ORDINAL_POSITION, false)) AS COLUMN_NAME, CASE tmp.AM_NAME WHEN 'btree'
    THEN CASE tmp.I_INDOPTION[tmp.ORDINAL_POSITION - 1] & 1::smallint WHEN 1 THEN 'D' ELSE 'A' END ELSE NULL END AS ASC_OR_DESC, tmp.CARDINALITY, tmp.PAGES,
    tmp.FILTER_CONDITION FROM (SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, ct.relname AS TABLE_NAME, NOT i.indisunique AS NON_UNIQUE, NULL AS INDEX_QUALIFIER,
    ci.relname AS INDEX_NAME, CASE i.indisclustered WHEN true THEN 1 ELSE CASE am.amname WHEN 'hash' THEN 2 ELSE 3 END END AS TYPE,
    (information_schema._pg_expandarray(i.indkey)).n AS ORDINAL_POSITION, ci.reltuples AS CARDINALITY, ci.relpages AS PAGES,
    pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS FILTER_CONDITION, ci.oid AS CI_OID, i.indoption AS I_INDOPTION, am.amname AS AM_NAME FROM pg_catalog.pg_class ct
    JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid) JOIN pg_catalog.pg_index i ON (ct.oid = i.indrelid) JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid)
    JOIN pg_catalog.pg_am am ON (ci.relam = am.oid) WHERE true  AND n.nspname = E'public' AND ct.relname = E'${table}') AS tmp
    ORDER BY NON_UNIQUE, TYPE, INDEX_NAME, ORDINAL_POSITION ) jdbc ORDER BY non_unique, type, index_name, ordinal_position`;
  await sameAnswers(db(), [primaryKeys('reviews'), primaryKeys('books'), indexInfo('books'), indexInfo('reviews')]);
});

test('Django\'s get_constraints: its constraints query and its indexes query', { skip }, async () => {
  await withIndex();
  // Django reads the rows into a dict; the ORDER BY around its query only makes the comparison stable.
  const constraints = (table: string) => `SELECT * FROM (SELECT c.conname, array(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY cols(colid, arridx)
    JOIN pg_attribute AS ca ON cols.colid = ca.attnum WHERE ca.attrelid = c.conrelid ORDER BY cols.arridx), c.contype,
    (SELECT fkc.relname || '.' || fka.attname FROM pg_attribute AS fka JOIN pg_class AS fkc ON fka.attrelid = fkc.oid WHERE fka.attrelid = c.confrelid AND fka.attnum = c.confkey[1]),
    cl.reloptions FROM pg_constraint AS c JOIN pg_class AS cl ON c.conrelid = cl.oid WHERE cl.relname = '${table}' AND pg_catalog.pg_table_is_visible(cl.oid)) django ORDER BY 1`;
  const indexes = (table: string) => `SELECT * FROM (SELECT indexname, array_agg(attname ORDER BY arridx), indisunique, indisprimary, array_agg(ordering ORDER BY arridx), amname, exprdef,
    s2.attoptions FROM (SELECT c2.relname as indexname, idx.*, attr.attname, am.amname, CASE WHEN idx.indexprs IS NOT NULL THEN pg_get_indexdef(idx.indexrelid) END AS exprdef,
    CASE am.amname WHEN 'btree' THEN CASE (option & 1) WHEN 1 THEN 'DESC' ELSE 'ASC' END END as ordering, c2.reloptions as attoptions
    FROM (SELECT * FROM pg_index i, unnest(i.indkey, i.indoption) WITH ORDINALITY koi(key, option, arridx)) idx LEFT JOIN pg_class c ON idx.indrelid = c.oid
    LEFT JOIN pg_class c2 ON idx.indexrelid = c2.oid LEFT JOIN pg_am am ON c2.relam = am.oid LEFT JOIN pg_attribute attr ON attr.attrelid = c.oid AND attr.attnum = idx.key
    WHERE c.relname = '${table}' AND pg_catalog.pg_table_is_visible(c.oid)) s2 GROUP BY indexname, indisunique, indisprimary, amname, exprdef, attoptions) django ORDER BY 1`;
  await sameAnswers(db(), [constraints('reviews'), constraints('books'), constraints('authors'), indexes('books'), indexes('reviews')]);
});

test('tables and views have composite row types in pg_type, with arrays; pg_class.reltype names them', { skip }, async () => {
  const ours = "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname IN ('public', 'app')";
  await sameAnswers(db(), [
    `SELECT n.nspname, t.typname, format_type(t.oid, NULL), t.oid::regtype::text, pg_type_is_visible(t.oid), t.typlen, t.typbyval, t.typtype, t.typcategory,
      t.typisdefined, t.typdelim, c.relname, c.reltype = t.oid, e.typname AS element, e.typarray = t.oid, a.typname AS array, t.typbasetype, t.typtypmod, t.typnotnull,
      t.typcollation, t.typdefault, t.typstorage, t.typacl IS NULL, pg_get_userbyid(t.typowner) = pg_get_userbyid(c.relowner)
      FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid LEFT JOIN pg_type e ON e.oid = t.typelem LEFT JOIN pg_type a ON a.oid = t.typarray ${ours} ORDER BY 1, 2`,
    `SELECT n.nspname, c.relname, c.relkind, c.reltype <> 0, t.typname, t.typtype FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_type t ON t.oid = c.reltype WHERE n.nspname IN ('public', 'app') ORDER BY 1, 2`,
    "SELECT 'authors'::regtype::oid = 'authors'::regclass::oid, 'authors'::regtype::oid = (SELECT reltype FROM pg_class WHERE oid = 'authors'::regclass)",
    "SELECT 'authors'::regtype, 'authors[]'::regtype, 'app.things'::regtype, 'app.things[]'::regtype, 'active_authors'::regtype, 'pg_class'::regtype, 'information_schema.tables'::regtype",
    "SELECT format_type(reltype, NULL), format_type(reltype, -1), reltype::regtype FROM pg_class WHERE relname IN ('authors', 'things', 'active_authors') ORDER BY 1",
    "SELECT t.typname, t.typtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'pg_catalog' AND t.typname IN ('pg_class', '_pg_class', 'pg_index') ORDER BY 1",
    // psql's \dT, which leaves out row types (typrelid of a relation not 'c') and array types
    `SELECT n.nspname as "Schema", pg_catalog.format_type(t.oid, NULL) AS "Name", pg_catalog.obj_description(t.oid, 'pg_type') as "Description"
      FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE (t.typrelid = 0 OR (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid))
      AND NOT EXISTS(SELECT 1 FROM pg_catalog.pg_type el WHERE el.oid = t.typelem AND el.typarray = t.oid)
      AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' AND pg_catalog.pg_type_is_visible(t.oid) ORDER BY 1, 2`,
  ]);
  // (The error's position in a reg* literal differs already: Strata points at the cast.)
  await sameAnswers(db(), ["SELECT 'things'::regtype", "SELECT 'app.nothing'::regtype"], { position: false });
});

test('Prisma\'s tables and views queries', { skip }, async () => {
  await sameAnswers(db(), [
    `SELECT tbl.relname AS table_name, namespace.nspname as namespace, (tbl.relhassubclass and tbl.relkind = 'p') as is_partition,
      (tbl.relhassubclass and tbl.relkind = 'r') as has_subclass, tbl.relrowsecurity as has_row_level_security, reloptions, obj_description(tbl.oid, 'pg_class') as description
      FROM pg_class AS tbl INNER JOIN pg_namespace AS namespace ON namespace.oid = tbl.relnamespace
      WHERE ((tbl.relkind = 'r' AND tbl.relispartition = 'f') OR tbl.relkind = 'p') AND namespace.nspname = ANY (ARRAY['public', 'app']) ORDER BY namespace, table_name`,
    // (view_sql left out: pg_views.definition is the text as written in Strata, PostgreSQL's deparsed query in PostgreSQL — docs/sql.md)
    `SELECT view_name, namespace, description FROM (SELECT viewname AS view_name, definition AS view_sql, schemaname as namespace, obj_description(class.oid, 'pg_class') AS description FROM pg_catalog.pg_views views
      INNER JOIN pg_catalog.pg_namespace ns ON views.schemaname = ns.nspname INNER JOIN pg_catalog.pg_class class ON class.relnamespace = ns.oid AND class.relname = views.viewname
      WHERE schemaname = ANY (ARRAY['public'])) prisma ORDER BY view_name`,
  ]);
});

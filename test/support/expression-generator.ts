/**
 * Random, well-typed SQL scalar expressions from a seed, for differential tests against
 * PostgreSQL: literals of a dozen types (NULLs, infinities, edge values) under the functions and
 * operators applications use, nested a few levels, so that constant folding, NULL handling, error
 * order and each function's edge cases meet. Functions whose last bit depends on the C library
 * (ln, exp, sin, …) are left out: PostgreSQL's answers differ from JavaScript's by an ulp there.
 */
type Pick = (type: TypeName) => string;
type TypeName = keyof typeof LITERALS;

const LITERALS = {
  int: ['0', '1', '-1', '2147483647', '42', '-7', '3', 'NULL::int'],
  bigint: ['9223372036854775807', '-5::bigint', '10000000000', 'NULL::bigint'],
  num: ['1.5', '-0.005', '123.456', '0.0', '1e10', '99999999.99', '2.5', '-2.5', '0.1', 'NULL::numeric', '1e-20'],
  float: ['1.5::float8', '-0.0::float8', '1e300::float8', '0.1::float8', '3::float8', "'NaN'::float8", "'Infinity'::float8", 'NULL::float8'],
  text: ["'abc'", "''", "' Hello World '", "'a,b,c'", "'ÄÖü'", "'123'", "'x''y'", "'The quick brown fox'", 'NULL::text', "'a_b%c'", "'  '"],
  bool: ['true', 'false', 'NULL::bool'],
  date: ["'2024-02-29'::date", "'1999-12-31'::date", "'2000-01-01'::date", "'infinity'::date", "'0001-01-01 BC'::date", 'NULL::date'],
  ts: ["'2024-02-29 13:45:12.345678'::timestamp", "'1999-12-31 23:59:59'::timestamp", "'2000-01-01'::timestamp", "'-infinity'::timestamp"],
  iv: ["'1 day'::interval", "'1 mon 2 days 03:04:05'::interval", "'-3 hours'::interval", "'1 year -1 day'::interval", "'36 hours'::interval", "'0.5 sec'::interval"],
  jsonb: [`'{"a":1,"b":[1,2,{"c":null}]}'::jsonb`, `'[1,"x",true,null]'::jsonb`, `'"str"'::jsonb`, `'{}'::jsonb`, `'{"a":{"b":2},"c":"d"}'::jsonb`, `'3.50'::jsonb`, 'NULL::jsonb'],
  arr: ['ARRAY[1,2,3]', "'{}'::int[]", "'{1,NULL,3}'::int[]", 'ARRAY[3,1,2,1]', 'NULL::int[]'],
  tarr: ["ARRAY['a','b']", `'{x,NULL,"y z"}'::text[]`, "string_to_array('a,b,,c', ',')"],
} as const;

type Form = (a: Pick, r: Random) => string;

const FORMS: Record<TypeName, Form[]> = {
  int: [
    (a, r) => `${a('int')} ${r.pick(['+', '-', '*', '/', '%', '&', '|', '#', '<<'])} ${a('int')}`, (a) => `abs(${a('int')})`, (a) => `length(${a('text')})`,
    (a) => `strpos(${a('text')}, ${a('text')})`, (a) => `array_length(${a('arr')}, 1)`, (a) => `cardinality(${a('arr')})`, (a) => `greatest(${a('int')}, ${a('int')}, ${a('int')})`,
    (a) => `coalesce(${a('int')}, ${a('int')})`, (a) => `nullif(${a('int')}, ${a('int')})`, (a) => `(${a('date')} - ${a('date')})`, (a) => `mod(${a('int')}, ${a('int')})`,
    (a) => `gcd(${a('int')}, ${a('int')})`, (a) => `${a('num')}::int`, (a) => `${a('text')}::int`, (a) => `array_position(${a('arr')}, ${a('int')})`,
    (a, r) => `extract(${r.pick(['year', 'month', 'day', 'dow', 'hour'])} from ${a('ts')})::int`, (a) => `(${a('jsonb')} ->> 'a')::int`, (a) => `jsonb_array_length(${a('jsonb')})`,
    (a) => `-${a('int')}`, (a) => `case when ${a('bool')} then ${a('int')} else ${a('int')} end`, (a) => `${a('bigint')}::int`, (a) => `width_bucket(${a('num')}, 0, 100, 5)`,
  ],
  bigint: [(a, r) => `${a('bigint')} ${r.pick(['+', '-', '*', '/', '%'])} ${a('int')}`, (a) => `abs(${a('bigint')})`, (a) => `${a('num')}::bigint`, (a) => `${a('int')}::bigint * ${a('int')}`],
  num: [
    (a, r) => `${a('num')} ${r.pick(['+', '-', '*', '/', '%'])} ${a('num')}`, (a) => `round(${a('num')})`, (a, r) => `round(${a('num')}, ${r.pick(['0', '1', '2', '-1', '5'])})`,
    (a, r) => `trunc(${a('num')}, ${r.pick(['0', '1', '-1', '3'])})`, (a) => `ceil(${a('num')})`, (a) => `floor(${a('num')})`, (a) => `abs(${a('num')})`, (a) => `sqrt(${a('num')})`,
    (a, r) => `power(${a('num')}, ${r.pick(['2', '0.5', '-1', '3', '0'])})`, (a) => `mod(${a('num')}, ${a('num')})`, (a) => `${a('int')}::numeric`, (a) => `${a('num')}::numeric(10,2)`,
    (a, r) => `extract(${r.pick(['epoch', 'second', 'millisecond', 'julian', 'year', 'day'])} from ${a('ts')})`, (a) => `extract(epoch from ${a('iv')})`, (a) => `div(${a('num')}, ${a('num')})`,
    (a) => `${a('text')}::numeric`, (a) => `trim_scale(${a('num')})`, (a) => `sign(${a('num')})`, (a) => `(${a('jsonb')} -> 'a')::numeric`, (a) => `round(${a('num')} / 3, 4)`,
  ],
  float: [(a, r) => `${a('float')} ${r.pick(['+', '-', '*', '/'])} ${a('float')}`, (a) => `sqrt(${a('float')})`, (a) => `${a('num')}::float8`, (a) => `round(${a('float')})`, (a) => `trunc(${a('float')})`, (a) => `${a('text')}::float8`],
  text: [
    (a) => `upper(${a('text')})`, (a) => `lower(${a('text')})`, (a) => `initcap(${a('text')})`, (a, r) => `${a('text')} || ${a(r.pick(['text', 'int', 'num', 'date'] as const))}`,
    (a, r) => `substr(${a('text')}, ${a('int')}, ${r.pick(['2', '0', '5', '-1'])})`, (a) => `left(${a('text')}, ${a('int')})`, (a) => `right(${a('text')}, ${a('int')})`,
    (a, r) => `lpad(${a('text')}, ${r.pick(['5', '0', '12', '-1'])}, ${a('text')})`, (a) => `trim(${a('text')})`, (a) => `ltrim(${a('text')}, ${a('text')})`,
    (a, r) => `repeat(${a('text')}, ${r.pick(['0', '2', '-1'])})`, (a) => `replace(${a('text')}, ${a('text')}, ${a('text')})`, (a) => `reverse(${a('text')})`,
    (a, r) => `split_part(${a('text')}, ',', ${r.pick(['1', '2', '-1', '0', '5'])})`, (a) => `translate(${a('text')}, 'abc', 'xy')`, (a) => `md5(${a('text')})`,
    (a, r) => `to_char(${a('int')}, ${r.pick(["'999'", "'FM0000'", "'S999'", "'RN'", "'9,999'", "'999th'"])})`,
    (a, r) => `to_char(${a('num')}, ${r.pick(["'FM999.00'", "'999.999'", "'S9999.9'", "'FM9.99EEEE'", "'MI999.9'", "'9G999D99'"])})`,
    (a, r) => `to_char(${a('ts')}, ${r.pick(["'YYYY-MM-DD Day'", "'HH24:MI:SS.US'", "'Mon DD, YYYY HH12:MI AM'", "'IYYY-IW-ID'", "'DDD J Q'", "'FMDay FMMonth'"])})`,
    (a, r) => `${a(r.pick(['int', 'num', 'float', 'date', 'ts', 'iv', 'jsonb', 'arr', 'tarr', 'bool', 'bigint'] as const))}::text`,
    (a, r) => `${a('jsonb')} ->> ${r.pick(["'a'", "'c'", '0', '-1'])}`, (a) => `${a('jsonb')} #>> '{b,2,c}'`, (a) => `concat(${a('text')}, ${a('int')}, ${a('num')})`,
    (a, r) => `format(${r.pick(["'%s-%s'", "'%L|%I'", "'%5s|%-5s|'", "'%2$s %1$s'"])}, ${a('text')}, ${a('int')})`, (a) => `quote_literal(${a('text')})`, (a) => `quote_ident(${a('text')})`,
    (a, r) => `regexp_replace(${a('text')}, ${r.pick(["'[aeiou]'", "'(\\w)(\\w)'", "'^\\s+'"])}, ${r.pick(["'X'", "'\\2\\1'", "''"])}, ${r.pick(["'g'", "''"])})`,
    (a, r) => `array_to_string(${a(r.pick(['arr', 'tarr'] as const))}, ',', '*')`, (a) => `to_hex(${a('int')})`, (a) => `case when ${a('bool')} then ${a('text')} else ${a('text')} end`,
    (a) => `jsonb_typeof(${a('jsonb')})`, (a) => `${a('text')}::varchar(3)`, (a) => `age(${a('ts')}, ${a('ts')})::text`, (a) => `justify_interval(${a('iv')})::text`,
  ],
  bool: [
    (a, r) => `${a('bool')} ${r.pick(['AND', 'OR'])} ${a('bool')}`, (a) => `NOT ${a('bool')}`, (a, r) => `${a('int')} ${r.pick(['<', '=', '>=', '<>'])} ${a('int')}`,
    (a, r) => `${a('text')} LIKE ${r.pick(["'a%'", "'%b%'", "'_b_'"])}`, (a) => `${a('text')} ~ '[0-9]+'`, (a) => `${a('date')} < ${a('date')}`,
    (a) => `${a('int')} IN (${a('int')}, ${a('int')})`, (a) => `${a('int')} BETWEEN ${a('int')} AND ${a('int')}`, (a) => `${a('text')} IS NULL`, (a) => `${a('jsonb')} ? 'a'`,
    (a) => `${a('jsonb')} @> '{"a":1}'`, (a) => `${a('arr')} && ${a('arr')}`, (a) => `${a('int')} IS DISTINCT FROM ${a('int')}`, (a) => `${a('int')} = ANY(${a('arr')})`,
    (a) => `${a('int')} > ALL(${a('arr')})`, (a) => `${a('text')} SIMILAR TO '%(b|c)%'`, (a) => `${a('iv')} < ${a('iv')}`,
  ],
  date: [(a) => `${a('date')} + ${a('int')}`, (a, r) => `date_trunc(${r.pick(["'month'", "'year'", "'week'"])}, ${a('ts')})::date`,
    (a, r) => `make_date(${r.pick(['2024', '-44', '0'])}, ${r.pick(['2', '13'])}, ${r.pick(['29', '31', '1'])})`, (a) => `${a('ts')}::date`],
  ts: [(a) => `${a('date')} + ${a('iv')}`, (a) => `${a('ts')} - ${a('iv')}`, (a, r) => `date_trunc(${r.pick(["'hour'", "'quarter'", "'decade'", "'millennium'"])}, ${a('ts')})`,
    (a) => `${a('date')}::timestamp`, (a) => `date_bin('15 minutes', ${a('ts')}, '2000-01-01')`],
  iv: [(a) => `${a('int')} * ${a('iv')}`, (a) => `${a('ts')} - ${a('ts')}`, (a) => `age(${a('ts')}, ${a('ts')})`, (a) => `justify_hours(${a('iv')})`,
    (a, r) => `${a('iv')} / ${r.pick(['2', '3', '0.5', '0'])}`, (a) => `make_interval(days => ${a('int')}, hours => 5)`, (a) => `-${a('iv')}`, (a) => `${a('text')}::interval`],
  jsonb: [(a, r) => `jsonb_build_object('a', ${a(r.pick(['int', 'text', 'num', 'bool'] as const))}, 'b', ${a('jsonb')})`, (a, r) => `to_jsonb(${a(r.pick(['text', 'num', 'ts', 'arr', 'bool'] as const))})`,
    (a, r) => `${a('jsonb')} -> ${r.pick(["'a'", "'b'", '0', '-1'])}`, (a, r) => `${a('jsonb')} - ${r.pick(["'a'", '0'])}`, (a) => `${a('jsonb')} || ${a('jsonb')}`,
    (a) => `jsonb_set(${a('jsonb')}, '{a}', ${a('jsonb')})`, (a) => `jsonb_strip_nulls(${a('jsonb')})`, (a) => `${a('jsonb')} #- '{b,0}'`, (a) => `jsonb_insert(${a('jsonb')}, '{b,1}', '"new"')`],
  arr: [(a) => `array_append(${a('arr')}, ${a('int')})`, (a) => `${a('arr')} || ${a('arr')}`, (a) => `array_remove(${a('arr')}, ${a('int')})`,
    (a, r) => `(${a('arr')})[${r.pick(['1:2', '2:', ':1', '0:5'])}]`, (a) => `ARRAY[${a('int')}, ${a('int')}]`, (a) => `${a('tarr')}::int[]`, (a) => `array_fill(${a('int')}, ARRAY[2])`],
  tarr: [(a) => `regexp_split_to_array(${a('text')}, ',')`, (a) => `array_append(${a('tarr')}, ${a('text')})`, (a) => `${a('arr')}::text[]`],
};

/** A small deterministic generator (mulberry32). */
export class Random {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

const TYPES = Object.keys(LITERALS) as TypeName[];

/** The columns of EXPRESSION_TABLE by the type they hold (arrays are no column type in DSQL). */
const COLUMNS: Partial<Record<TypeName, string>> = { int: 'i', bigint: 'b', num: 'n', float: 'f', text: 't', bool: 'bo', date: 'd', ts: 'ts', iv: 'iv', jsonb: 'j' };

/**
 * A table whose rows hold the generator's literals (row k the (3k+1)th of each type's list), for
 * expressions over columns: their values reach functions at run time, not folded when planned.
 */
export function expressionTable(rows = 4): string[] {
  const names = Object.entries(COLUMNS) as [TypeName, string][];
  const values = Array.from({ length: rows }, (_, k) => `(${k}, ${names.map(([type]) => LITERALS[type][(k * 3 + 1) % LITERALS[type].length]).join(', ')})`);
  return [
    `CREATE TABLE expression_table (k int PRIMARY KEY, i int, b bigint, n numeric, f float8, t text, bo bool, d date, ts timestamp, iv interval, j jsonb)`,
    `INSERT INTO expression_table VALUES ${values.join(', ')}`,
  ];
}

/**
 * One expression of a random type, at most `maxDepth` calls deep; with `columns`, a leaf is
 * expression_table's column of its type more often than a literal.
 */
export function randomExpression(random: Random, maxDepth = 3, columns = false): string {
  const generate = (type: TypeName, depth: number): string => {
    if (depth > maxDepth || random.next() < 0.3) return columns && COLUMNS[type] !== undefined && random.next() < 0.6 ? COLUMNS[type]! : random.pick(LITERALS[type]);
    return '(' + random.pick(FORMS[type])((t) => generate(t, depth + 1), random) + ')';
  };
  return generate(random.pick(TYPES), 0);
}

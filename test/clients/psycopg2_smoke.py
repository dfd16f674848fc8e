"""psycopg2 (libpq) against Strata: DDL, parameters of several types, errors, rollback."""
import datetime
import decimal
import os
import sys

import psycopg2

c = psycopg2.connect(host='127.0.0.1', port=int(os.environ['STRATA_PORT']), user='admin', dbname='postgres',
                     password=os.environ['STRATA_TOKEN'], sslmode='require')
cur = c.cursor()
cur.execute("CREATE TABLE py (id int PRIMARY KEY, name text, amount numeric(10,2), at timestamptz, flag bool)")
c.commit()
cur.execute("INSERT INTO py VALUES (%s, %s, %s, %s, %s)",
            (1, "o'neil", decimal.Decimal('12.50'), datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc), True))
c.commit()
cur.execute("SELECT id, name, amount, at, flag FROM py WHERE id = %s", (1,))
row = cur.fetchone()
assert row == (1, "o'neil", decimal.Decimal('12.50'), datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc), True), row
try:
    cur.execute("SELECT 1/0")
    sys.exit("expected division by zero")
except psycopg2.Error as e:
    assert e.pgcode == '22012', e.pgcode
c.rollback()
cur.execute("SELECT count(*) FROM py")
assert cur.fetchone() == (1,)
print("ok")

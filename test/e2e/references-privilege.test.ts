/**
 * A foreign key to a table one does not own needs the REFERENCES privilege on it, as in
 * PostgreSQL 15 (checkFkeyPermissions), not its ownership; dropping the key or the referencing
 * table needs only the referencing table's ownership.
 */
import { test } from 'node:test';
import { same, useRoleServers } from '../support/role-pair.js';

const { skip, admin, as } = useRoleServers([
    'CREATE ROLE app WITH LOGIN',
    'GRANT CREATE ON SCHEMA public TO app',
    'CREATE TABLE p (id int PRIMARY KEY, k int UNIQUE)',
    'INSERT INTO p VALUES (1, 10)',
  ]);



test('REFERENCES decides who may point a foreign key at a table', { skip }, async () => {
  const app = await as('app');
  await same(app, ['CREATE TABLE c (pid int REFERENCES p(id))']);
  await same(admin(), ['GRANT REFERENCES ON p TO app']);
  await same(app, [
    'CREATE TABLE c (pid int REFERENCES p(id))',
    'CREATE TABLE c2 (pid int, CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p(k))',
    'INSERT INTO c VALUES (1)',
    'INSERT INTO c VALUES (2)',
    'ALTER TABLE c2 ADD CONSTRAINT fk2 FOREIGN KEY (pid) REFERENCES p(id) NOT VALID',
  ]);
  await same(admin(), ['REVOKE REFERENCES ON p FROM app']);
  await same(app, [
    'ALTER TABLE c2 ADD CONSTRAINT fk3 FOREIGN KEY (pid) REFERENCES p(id) NOT VALID',
    'CREATE TABLE self_ref (id int PRIMARY KEY, parent int REFERENCES self_ref(id))',
    'ALTER TABLE c2 DROP CONSTRAINT fk',
    'DROP TABLE c',
  ]);
  // REFERENCES on the referenced columns is enough; on other columns it is not.
  await same(admin(), ['GRANT REFERENCES (k) ON p TO app']);
  await same(app, [
    'ALTER TABLE c2 ADD CONSTRAINT fk4 FOREIGN KEY (pid) REFERENCES p(id) NOT VALID',
    'ALTER TABLE c2 ADD CONSTRAINT fk5 FOREIGN KEY (pid) REFERENCES p(k) NOT VALID',
    'CREATE TABLE c3 (pk int REFERENCES p(k))',
  ]);
  await same(admin(), [
    "SELECT conname, conrelid::regclass::text AS rel FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
    'DROP TABLE p',
    'ALTER TABLE c2 DROP CONSTRAINT fk2',
    'ALTER TABLE c2 DROP CONSTRAINT fk5',
    'DROP TABLE c3',
  ]);
});

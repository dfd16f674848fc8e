/**
 * The SQL a user wrote, named back from the parse tree's enum for a 0A000 message: `ALTER TABLE
 * … CLUSTER ON is not supported`, not the parser's `AT_ClusterOn`.
 */

/** ALTER TABLE subcommands whose SQL is not their enum name spelled out. */
const ALTER_TABLE_FORMS: Readonly<Record<string, string>> = {
  AT_SetOptions: 'ALTER COLUMN … SET (…)', AT_ResetOptions: 'ALTER COLUMN … RESET (…)',
  AT_SetCompression: 'ALTER COLUMN … SET COMPRESSION', AT_SetIdentity: 'ALTER COLUMN … SET identity options',
  AT_DropIdentity: 'ALTER COLUMN … DROP IDENTITY', AT_DropCluster: 'SET WITHOUT CLUSTER', AT_DropOids: 'SET WITHOUT OIDS',
  AT_SetUnLogged: 'SET UNLOGGED', AT_SetTableSpace: 'SET TABLESPACE', AT_ColumnDefault: 'ALTER COLUMN … SET/DROP DEFAULT', AT_SetRelOptions: 'SET (…)', AT_ResetRelOptions: 'RESET (…)',
  AT_AddInherit: 'INHERIT', AT_DropInherit: 'NO INHERIT', AT_AddOf: 'OF', AT_DropOf: 'NOT OF',
  AT_EnableRowSecurity: 'ENABLE ROW LEVEL SECURITY', AT_DisableRowSecurity: 'DISABLE ROW LEVEL SECURITY',
  AT_ForceRowSecurity: 'FORCE ROW LEVEL SECURITY', AT_NoForceRowSecurity: 'NO FORCE ROW LEVEL SECURITY',
  AT_GenericOptions: 'OPTIONS (…)', AT_DetachPartitionFinalize: 'DETACH PARTITION … FINALIZE',
};

/** `AT_ClusterOn` → `CLUSTER ON`, `AT_EnableTrig` → `ENABLE TRIGGER`. */
export function alterTableForm(subtype: string): string {
  const known = ALTER_TABLE_FORMS[subtype];
  if (known) return known;
  const name = subtype.replace(/^AT_/, '').replace(/Trig/, 'Trigger');
  return spelledOut(name);
}

/** Object types whose SQL is not their enum name spelled out. */
const OBJECT_TYPES: Readonly<Record<string, string>> = {
  OBJECT_OPCLASS: 'OPERATOR CLASS', OBJECT_OPFAMILY: 'OPERATOR FAMILY', OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_FDW: 'FOREIGN DATA WRAPPER', OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
  OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY', OBJECT_TSPARSER: 'TEXT SEARCH PARSER', OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
  OBJECT_ACCESS_METHOD: 'ACCESS METHOD', OBJECT_EVENT_TRIGGER: 'EVENT TRIGGER', OBJECT_FOREIGN_SERVER: 'SERVER',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE', OBJECT_USER_MAPPING: 'USER MAPPING', OBJECT_STATISTIC_EXT: 'STATISTICS',
};

/** `OBJECT_OPCLASS` → `OPERATOR CLASS`, `OBJECT_TRIGGER` → `TRIGGER`. */
export function objectTypeWords(objectType: string): string {
  return OBJECT_TYPES[objectType] ?? objectType.replace(/^OBJECT_/, '').replace(/_/g, ' ');
}

function spelledOut(camel: string): string {
  return camel.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

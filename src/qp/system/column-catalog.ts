import { SqlError } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, TableInfo } from '../catalog/catalog.js';
import { generatedAdbin, generatedExpressionText } from './check-catalog.js';

/**
 * information_schema.columns' identity and generation columns, as PostgreSQL 15's view defines
 * them: is_identity, identity_generation, identity_start, identity_increment, identity_maximum,
 * identity_minimum, identity_cycle, is_generated, generation_expression. ORMs read these to
 * rebuild a column's definition (drizzle-kit's pull and push do).
 */
export const IDENTITY_AND_GENERATION_SPEC = `is_identity varchar, identity_generation varchar, identity_start varchar, identity_increment varchar,
  identity_maximum varchar, identity_minimum varchar, identity_cycle varchar, is_generated varchar, generation_expression varchar`;

/** The values of IDENTITY_AND_GENERATION_SPEC's columns for the column at `position` (0-based) of `table`. */
export function identityAndGenerationColumns(catalog: CatalogSnapshot, table: TableInfo, position: number): SqlValue[] {
  const column = table.columns[position]!;
  return [...identityValues(catalog, column.identity), ...generationValues(catalog, table, position)];
}

function identityValues(catalog: CatalogSnapshot, identity: { generation: 'a' | 'd'; sequenceId: number } | undefined): SqlValue[] {
  // PostgreSQL's view computes identity_cycle without looking at attidentity: 'NO' for any other column.
  if (!identity) return ['NO', null, null, null, null, null, 'NO'];
  const sequence = catalog.sequenceById(identity.sequenceId);
  // An identity column always owns its sequence; a catalog without it is corrupt, not a user error.
  if (!sequence) throw new SqlError('XX000', `identity sequence ${identity.sequenceId} is missing from the catalog`);
  return [
    'YES', identity.generation === 'a' ? 'ALWAYS' : 'BY DEFAULT',
    sequence.start, sequence.increment, sequence.maxValue, sequence.minValue, sequence.cycle ? 'YES' : 'NO',
  ];
}

/**
 * is_generated and generation_expression: PostgreSQL prints the expression with pg_get_expr; an
 * expression Strata's printer cannot show PostgreSQL's way reads as written (as column_default
 * does), so one such column does not make the whole view fail.
 */
function generationValues(catalog: CatalogSnapshot, table: TableInfo, position: number): SqlValue[] {
  const text = table.columns[position]!.generatedText;
  if (!text) return ['NEVER', null];
  try {
    return ['ALWAYS', generatedExpressionText(catalog, generatedAdbin(table.id, position + 1), false) ?? text];
  } catch (error) {
    if (error instanceof SqlError && error.code === '0A000') return ['ALWAYS', text];
    throw error;
  }
}

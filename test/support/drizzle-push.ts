/**
 * drizzle-kit's push plan (`pushSchema` from drizzle-kit/api) against a server. drizzle-kit runs
 * its catalog queries in promises that never reject, so a query the server refuses would leave
 * it waiting forever: the pool's query is wrapped so the first refusal fails the plan at once,
 * naming the query.
 */
import pg from 'pg';

export async function drizzlePushPlan(config: pg.ClientConfig, schema: Record<string, unknown>, schemaFilters?: string[], tablesFilter?: string[]): Promise<string[]> {
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { pushSchema } = await import('drizzle-kit/api');
  const pool = new pg.Pool({ ...config, max: 1 });
  let refuse: (error: Error) => void = () => {};
  const refused = new Promise<never>((_, reject) => { refuse = reject; });
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: typeof query }).query = async (...args: unknown[]) => {
    try {
      return await query(...args);
    } catch (error) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
      refuse(new Error(`refused drizzle-kit's query: ${(error as Error).message}\n${text}`));
      throw error;
    }
  };
  try {
    return (await Promise.race([pushSchema(schema, drizzle(pool), schemaFilters, tablesFilter), refused])).statementsToExecute;
  } finally {
    await pool.end();
  }
}

/**
 * One writer, one row per commit, in order (`INSERT INTO log VALUES (n)` for n = 1, 2, …): a
 * backup or a restore taken while it runs must hold exactly 1..k for some k between the count
 * acknowledged before it started and the count written by the end (the backup tests).
 */
export interface OrderedWriter {
  /** Commits acknowledged so far. */
  readonly acknowledged: number;
  /** Stops after the commit in flight; resolves once it is answered. */
  stop(): Promise<void>;
}

export function startOrderedWriter(client: { query(text: string, values: unknown[]): Promise<unknown> }): OrderedWriter {
  let acknowledged = 0;
  let writing = true;
  const running = (async () => {
    while (writing) {
      await client.query('INSERT INTO log VALUES ($1)', [acknowledged + 1]);
      acknowledged++;
    }
  })();
  return {
    get acknowledged() { return acknowledged; },
    stop: () => { writing = false; return running; },
  };
}

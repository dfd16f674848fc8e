import type { ErrorFields } from '../wire/backend.js';
import type { ControlPlane } from './control-plane.js';

/**
 * Which cluster a connection is for, from the SNI name its ClientHello carried (DSQL routes on
 * the endpoint `<id>.dsql.<region>.on.aws`, reference/dsql.md §5.3).
 *
 * No SNI (a plain connection, `host=127.0.0.1`), a name that is not a DSQL endpoint
 * (`localhost`) and the data directory's own endpoint all go to the default cluster, as before
 * there were others; its token check then refuses an SNI that is not its endpoint. A DSQL
 * endpoint of no cluster here, or of one not serving, is refused with a FATAL error that says
 * so (DSQL's text for this case is not recorded; ours follows its `unable to accept
 * connection, …` messages and its 08006 for refusals). An IDLE or INACTIVE cluster takes the
 * connection: connecting is what makes it ACTIVE again (reference/dsql.md §7.2).
 */
export type ConnectionRoute =
  | { readonly kind: 'default' }
  | { readonly kind: 'cluster'; readonly id: string }
  | { readonly kind: 'refuse'; readonly error: ErrorFields };

const DSQL_ENDPOINT = /^[a-z0-9]{26}\.dsql\.[a-z0-9-]{1,20}\.on\.aws$/;

export function routeConnection(serverName: string | null, defaultEndpoint: string, plane: ControlPlane | null): ConnectionRoute {
  if (serverName === null || serverName === defaultEndpoint || !DSQL_ENDPOINT.test(serverName)) return { kind: 'default' };
  const record = plane?.clusterAt(serverName);
  if (record === undefined) {
    return { kind: 'refuse', error: { severity: 'FATAL', code: '08006', message: 'unable to accept connection, cluster not found', detail: `No cluster has the endpoint ${serverName}.` } };
  }
  if (record.status !== 'ACTIVE' && record.status !== 'IDLE' && record.status !== 'INACTIVE') {
    return { kind: 'refuse', error: { severity: 'FATAL', code: '08006', message: `unable to accept connection, cluster is ${record.status}`, detail: `Cluster ${record.id} is ${record.status}; connections need an ACTIVE cluster.` } };
  }
  return { kind: 'cluster', id: record.id };
}

/**
 * The answer to a connection whose INACTIVE cluster could not be reopened (or not in time, or
 * strata is stopping): 57P03 cannot_connect_now, PostgreSQL's code for "the database system is
 * starting up / shutting down", which drivers and poolers treat as worth a retry.
 */
export function resumeRefusal(id: string, reason: string): ErrorFields {
  return {
    severity: 'FATAL', code: '57P03', message: `unable to accept connection, cluster ${id} is resuming from INACTIVE and is not ready`,
    detail: `Resuming the cluster failed: ${reason}.`, hint: 'Connect again in a moment.',
  };
}

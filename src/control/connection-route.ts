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
 * connection, …` messages and its 08006 for refusals).
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
  if (record.status !== 'ACTIVE') {
    return { kind: 'refuse', error: { severity: 'FATAL', code: '08006', message: `unable to accept connection, cluster is ${record.status}`, detail: `Cluster ${record.id} is ${record.status}; connections need an ACTIVE cluster.` } };
  }
  return { kind: 'cluster', id: record.id };
}

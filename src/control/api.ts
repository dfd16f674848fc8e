import type { Env, HttpExchange, HttpReply, ListeningServer, TlsCredentials } from '../env/env.js';
import { ApiError, unsupportedField, validation } from './api-error.js';
import type { ClusterView } from './control-plane.js';
import type { ClusterService } from './cluster-service.js';
import { parseQuery, type RequestSignature } from './request-signature.js';
import { BACKUP_ROUTES } from './backup-api.js';
import type { BackupPlane } from './backup-plane.js';

/**
 * The control-plane API as DSQL serves it at `dsql.<region>.api.aws` (restJson1, signing name
 * `dsql`; reference/dsql.md §7.1): the HTTP method and path pick the operation, the input is
 * the JSON body plus path and query members, the output JSON. Every request is SigV4-verified
 * first. Operations Strata does not have (cluster policies, streams, VPC endpoint service
 * names) are refused by name with a ValidationException, never answered as if they worked.
 */

export const MAX_API_BODY_BYTES = 1024 * 1024;

/** What the API serves: DSQL's cluster operations, and AWS Backup's when backups are on. */
export interface ApiServices {
  readonly clusters: ClusterService;
  readonly backups: BackupPlane | null;
}

type Handler = (services: ApiServices, request: ParsedRequest) => Promise<unknown>;

interface ParsedRequest {
  readonly params: readonly string[];
  readonly query: Record<string, string | string[]>;
  readonly body: Record<string, unknown>;
}

interface Route {
  readonly method: string;
  readonly path: RegExp;
  readonly handle: Handler;
}

const SEGMENT = '([^/]+)';

function route(method: string, path: string, handle: (clusters: ClusterService, request: ParsedRequest) => Promise<unknown>): Route {
  return { method, path: pathPattern(path), handle: (services, request) => handle(services.clusters, request) };
}

function pathPattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/\{\w+\}/g, SEGMENT)}$`);
}

/** AWS Backup's operations (backup-api.ts), served when the node has backups. */
const BACKUP: readonly Route[] = BACKUP_ROUTES.map(([method, path, handle]) => ({
  method, path: pathPattern(path),
  handle: (services: ApiServices, request: ParsedRequest) => {
    if (services.backups === null) throw new ApiError(404, 'UnknownOperationException', 'AWS Backup is not served by this node');
    return handle(services.backups, request);
  },
}));

function notServed(operation: string, what: string): () => Promise<unknown> {
  return async () => { throw validation('unknownOperation', `${operation}: ${what} are not supported by Strata`); };
}

const ROUTES: readonly Route[] = [
  route('POST', '/cluster', createCluster),
  route('GET', '/cluster', listClusters),
  route('GET', '/cluster/{identifier}', async (clusters, { params }) => getView(await clusters.get(params[0]!))),
  route('POST', '/cluster/{identifier}', updateCluster),
  route('DELETE', '/cluster/{identifier}', async (clusters, { params }) => summary(await clusters.delete(params[0]!))),
  route('GET', '/tags/{resourceArn}', async (clusters, { params }) => ({ tags: await clusters.tagsOf(params[0]!) })),
  route('POST', '/tags/{resourceArn}', async (clusters, { params, body }) => { await clusters.tag(params[0]!, tagsOf(body['tags'], true)); return {}; }),
  route('DELETE', '/tags/{resourceArn}', untagResource),
  route('GET', '/cluster/{identifier}/policy', notServed('GetClusterPolicy', 'cluster policies')),
  route('POST', '/cluster/{identifier}/policy', notServed('PutClusterPolicy', 'cluster policies')),
  route('DELETE', '/cluster/{identifier}/policy', notServed('DeleteClusterPolicy', 'cluster policies')),
  route('GET', '/clusters/{identifier}/vpc-endpoint-service-name', notServed('GetVpcEndpointServiceName', 'VPC endpoints (AWS PrivateLink)')),
  route('POST', '/stream/{clusterIdentifier}', notServed('CreateStream', 'change data capture streams')),
  route('GET', '/stream/{clusterIdentifier}', notServed('ListStreams', 'change data capture streams')),
  route('GET', '/stream/{clusterIdentifier}/{streamIdentifier}', notServed('GetStream', 'change data capture streams')),
  route('DELETE', '/stream/{clusterIdentifier}/{streamIdentifier}', notServed('DeleteStream', 'change data capture streams')),
];

/**
 * Answers one request: verified, routed, and every failure in the shape the SDK deserializes.
 * The signing name picks the API (as AWS's host names do): `dsql` DSQL's, `backup` AWS Backup's.
 */
export async function answer(services: ApiServices, signature: RequestSignature, request: HttpExchange, requestId: string): Promise<HttpReply> {
  try {
    const service = await signature.verify(request);
    const found = findRoute(service === 'backup' ? BACKUP : ROUTES, request);
    const output = await found.route.handle(services, { params: found.params, query: parseQuery(request.query), body: parseBody(request.body) });
    return reply(200, requestId, {}, output);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return reply(error.status, requestId, { 'x-amzn-errortype': error.type }, { message: error.message, ...error.fields });
  }
}

function reply(status: number, requestId: string, headers: Record<string, string>, body: unknown): HttpReply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

function findRoute(routes: readonly Route[], request: HttpExchange): { route: Route; params: string[] } {
  let pathMatched = false;
  for (const candidate of routes) {
    const match = candidate.path.exec(request.path);
    if (match === null) continue;
    pathMatched = true;
    if (candidate.method !== request.method) continue;
    let params: string[];
    try {
      params = match.slice(1).map((part) => decodeURIComponent(part));
    } catch {
      throw validation('cannotParse', `The path ${request.path} is not validly escaped`);
    }
    return { route: candidate, params };
  }
  if (pathMatched) throw new ApiError(405, 'UnknownOperationException', `${request.method} is not an operation on ${request.path}`);
  throw new ApiError(404, 'UnknownOperationException', `No operation at ${request.method} ${request.path}`);
}

function parseBody(body: Uint8Array): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw validation('cannotParse', 'The request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw validation('cannotParse', 'The request body is not a JSON object');
  return value as Record<string, unknown>;
}

/** GetCluster's output. */
function getView(view: ClusterView): unknown {
  return view;
}

/** What UpdateCluster and DeleteCluster answer. */
function summary(view: ClusterView): unknown {
  return { identifier: view.identifier, arn: view.arn, status: view.status, creationTime: view.creationTime };
}

function booleanField(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw validation('fieldValidationFailed', `${name} must be a boolean`, [{ name, message: 'must be a boolean' }]);
  return value;
}

function tagsOf(value: unknown, required: boolean): Record<string, string> {
  if (value === undefined || value === null) {
    if (required) throw validation('fieldValidationFailed', 'tags is required', [{ name: 'tags', message: 'required' }]);
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((tag) => typeof tag === 'string')) {
    throw validation('fieldValidationFailed', 'tags must map tag keys to string values', [{ name: 'tags', message: 'must map keys to strings' }]);
  }
  return value as Record<string, string>;
}

/**
 * Linking clusters through the API, customer KMS keys and resource policies have no Strata
 * counterpart: refused by name. (A linked cluster is a distributed deployment's layout.)
 */
function refuseUnsupported(body: Record<string, unknown>): void {
  if (body['multiRegionProperties'] !== undefined) {
    throw unsupportedField('multiRegionProperties', 'Creating or linking Multi-Region clusters through the API (multiRegionProperties; strata local up --regions lays one out)');
  }
  const key = body['kmsEncryptionKey'];
  if (key !== undefined && key !== 'AWS_OWNED_KMS_KEY') throw unsupportedField('kmsEncryptionKey', 'Customer managed KMS keys (kmsEncryptionKey)');
  if (body['policy'] !== undefined || body['bypassPolicyLockoutSafetyCheck'] !== undefined) throw unsupportedField('policy', 'Cluster resource policies (policy)');
}

async function createCluster(clusters: ClusterService, { body }: ParsedRequest): Promise<unknown> {
  refuseUnsupported(body);
  const clientToken = body['clientToken'];
  if (clientToken !== undefined && (typeof clientToken !== 'string' || clientToken.length < 1 || clientToken.length > 128)) {
    throw validation('fieldValidationFailed', 'clientToken must be 1 to 128 characters', [{ name: 'clientToken', message: '1 to 128 characters' }]);
  }
  const protect = booleanField(body, 'deletionProtectionEnabled');
  const { tags: _tags, ...view } = await clusters.create({
    tags: tagsOf(body['tags'], false),
    ...(protect === undefined ? {} : { deletionProtectionEnabled: protect }),
    ...(clientToken === undefined ? {} : { clientToken: clientToken as string }),
  });
  return view;
}

async function updateCluster(clusters: ClusterService, { params, body }: ParsedRequest): Promise<unknown> {
  refuseUnsupported(body);
  return summary(await clusters.update(params[0]!, booleanField(body, 'deletionProtectionEnabled')));
}

function listClusters(clusters: ClusterService, { query }: ParsedRequest): Promise<unknown> {
  const text = (name: string): string | undefined => {
    const value = query[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const maxText = text('max-results');
  const max = maxText === undefined ? undefined : Number(maxText);
  return clusters.list(max, text('next-token'));
}

async function untagResource(clusters: ClusterService, { params, query }: ParsedRequest): Promise<unknown> {
  const keys = query['tagKeys'];
  if (keys === undefined) throw validation('fieldValidationFailed', 'tagKeys is required', [{ name: 'tagKeys', message: 'required' }]);
  await clusters.untag(params[0]!, Array.isArray(keys) ? keys : [keys]);
  return {};
}

export interface ControlApiOptions {
  readonly env: Env;
  readonly host: string;
  readonly port: number;
  readonly clusters: ClusterService;
  readonly backups?: BackupPlane | null;
  readonly signature: RequestSignature;
  /** Serve HTTPS with this key and certificate (a distributed cluster with mutual TLS on its links). */
  readonly tls?: TlsCredentials | null;
}

/** Listens for the API on `host:port` (0: any free port). */
export function startControlApi(options: ControlApiOptions): Promise<ListeningServer> {
  const { env } = options;
  const requestId = (): string => {
    let hex = '';
    for (let i = 0; i < 32; i++) hex += '0123456789abcdef'[env.random.int(16)];
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  return env.net.listenHttp(options.host, options.port, MAX_API_BODY_BYTES, (request) => answer({ clusters: options.clusters, backups: options.backups ?? null }, options.signature, request, requestId()), options.tls ?? null);
}

import type { ClusterView, ControlPlane, CreateClusterInput } from './control-plane.js';

/**
 * What DSQL's cluster operations (api.ts) act on: the clusters one node answers for. Two serve
 * it: the embedded node's control plane, where clusters are created and deleted through the API
 * (`controlPlaneClusters`), and a distributed deployment's control role, which answers for the
 * one cluster its processes make up (src/node/roles/deployed-cluster.ts). Each throws the
 * ApiError DSQL would answer.
 */
export interface ClusterService {
  create(input: CreateClusterInput): Promise<ClusterView>;
  get(identifier: string): Promise<ClusterView>;
  /** One page in identifier order; `nextToken` is the last identifier of the previous page. */
  list(maxResults: number | undefined, nextToken: string | undefined): Promise<ClusterPage>;
  /** UpdateCluster: deletion protection is the property there is to change. */
  update(identifier: string, deletionProtectionEnabled: boolean | undefined): Promise<ClusterView>;
  delete(identifier: string): Promise<ClusterView>;
  tagsOf(arn: string): Promise<Record<string, string>>;
  tag(arn: string, tags: Record<string, string>): Promise<void>;
  untag(arn: string, keys: readonly string[]): Promise<void>;
}

export interface ClusterPage {
  readonly clusters: readonly { readonly identifier: string; readonly arn: string }[];
  readonly nextToken?: string;
}

/** The embedded node's clusters: its control plane's registry. */
export function controlPlaneClusters(plane: ControlPlane): ClusterService {
  return {
    create: async (input) => plane.view(await plane.create(input)),
    get: async (identifier) => plane.view(plane.find(identifier)),
    list: async (maxResults, nextToken) => {
      const page = plane.list(maxResults, nextToken);
      return {
        clusters: page.clusters.map((record) => ({ identifier: record.id, arn: plane.arnOf(record.id) })),
        ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
      };
    },
    update: async (identifier, protect) => plane.view(await plane.update(identifier, protect)),
    delete: async (identifier) => plane.view(await plane.delete(identifier)),
    tagsOf: async (arn) => ({ ...plane.findByArn(arn).tags }),
    tag: (arn, tags) => plane.tag(arn, tags),
    untag: (arn, keys) => plane.untag(arn, keys),
  };
}

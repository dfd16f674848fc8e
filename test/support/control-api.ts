/**
 * A DSQL SDK client of a `strata local up` cluster's control node (its API, docs/distributed.md
 * "The control API"), with the keys from the cluster's identity.json, over HTTPS trusting the
 * cluster CA when the cluster runs `--tls`; one signing with a wrong secret, which the API
 * must refuse; and AWS Backup's client of the same node.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { DSQLClient } from '@aws-sdk/client-dsql';
import { BackupClient } from '@aws-sdk/client-backup';
import { parseClusterConfig } from '../../src/node/roles/cluster-config.js';

export interface ControlApiClients {
  readonly client: DSQLClient;
  readonly forged: DSQLClient;
  /** AWS Backup's client of the same node. */
  readonly backup: BackupClient;
  readonly identity: { clusterId: string; region: string; endpoint: string; accessKeyId: string; secretAccessKey: string };
  /** Where the API is: http:// or https://. */
  readonly url: string;
}

export function controlApiClient(dir: string, controlNode: string): ControlApiClients {
  const config = parseClusterConfig(readFileSync(join(dir, 'cluster.json'), 'utf8'), 'cluster.json');
  const control = config.nodes.find((node) => node.name === controlNode);
  if (control === undefined || control.role !== 'control') throw new Error(`${controlNode} is no control node of ${dir}`);
  const identity = JSON.parse(readFileSync(join(dir, 'identity.json'), 'utf8')) as ControlApiClients['identity'];
  const url = `${config.tls === undefined ? 'http' : 'https'}://${control.host}:${control.port}`;
  const transport = config.tls === undefined ? {} : { requestHandler: { httpsAgent: new Agent({ ca: readFileSync(config.tls.caFile) }) } };
  const { accessKeyId, secretAccessKey } = identity;
  return {
    identity, url,
    client: new DSQLClient({ endpoint: url, region: identity.region, credentials: { accessKeyId, secretAccessKey }, ...transport }),
    forged: new DSQLClient({ endpoint: url, region: identity.region, credentials: { accessKeyId, secretAccessKey: 'x'.repeat(40) }, maxAttempts: 1, ...transport }),
    backup: new BackupClient({ endpoint: url, region: identity.region, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1, ...transport }),
  };
}

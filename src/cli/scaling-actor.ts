/**
 * The local supervisor's side of automatic scaling (docs/distributed.md "Automatic scaling"):
 * it follows the control leader's scaling request in etcd (src/node/roles/autoscaler.ts) and
 * carries out each one once — a query processor or a shard's storage replica more in an AZ
 * (`local add`'s change to the config, marked as the scaling's), or an added one fewer (`local
 * remove`'s) — and answers under the done key. The supervisor's own loop then starts or stops the process, as for a change by
 * hand.
 *
 * Once: a request at or below the last answer is done already. An add that was written to the
 * config but not answered (the supervisor died in between) is found in the config by its
 * request number and answered, not added twice.
 */
import { scalingKeys, type ClusterConfig } from '../node/roles/cluster-config.js';
import { observeKey } from '../node/roles/leadership.js';
import { describe, parseScalingDone, parseScalingRequest, type ScalingDone, type ScalingRequest } from '../node/roles/autoscaler.js';
import { addToConfig, etcdOf, linkTlsOfTools, readState, removeFromConfig, withConfigLock } from './local-cluster.js';
import { SystemTimers } from '../env/timers.js';

const RETRY_MS = 1_000;

export async function startScalingActor(dir: string, config: ClusterConfig, log: (line: string) => void): Promise<{ stop(): Promise<void> }> {
  const coordination = await etcdOf(config, linkTlsOfTools(config));
  const keys = scalingKeys(config);
  const encoder = new TextEncoder();
  let answered = -1;
  let latest: ScalingRequest | null = null;
  let acting = false;
  let retry: NodeJS.Timeout | undefined;
  const timers = new SystemTimers();
  const done = await observeKey(coordination, timers, keys.done, (value) => {
    answered = Math.max(answered, parseScalingDone(value)?.seq ?? -1);
  });
  const act = async (): Promise<void> => {
    if (acting) return;
    acting = true;
    try {
      // Requests that came while one was carried out: the newest is the one that counts.
      while (latest !== null && latest.seq > answered) {
        const request = latest;
        const answer = await carryOut(dir, request);
        await coordination.transaction([], [{ type: 'put', key: encoder.encode(keys.done), value: encoder.encode(JSON.stringify(answer)) }]);
        answered = Math.max(answered, request.seq);
        log(`scaling request ${request.seq} (${describe(request)}): ${answer.outcome}${answer.name === undefined ? '' : ` ${answer.name}`}${answer.detail === undefined ? '' : ` — ${answer.detail}`}`);
      }
    } catch (error) {
      // The config's lock held by a `local add` by hand, etcd out of reach: again in a moment.
      log(`scaling request ${latest?.seq}: ${(error as Error).message}; trying again in ${RETRY_MS / 1000} s`);
      retry = setTimeout(() => void act(), RETRY_MS);
    } finally {
      acting = false;
    }
  };
  const requests = await observeKey(coordination, timers, keys.request, (value) => {
    const request = parseScalingRequest(value);
    if (request === null || request.seq <= answered) return;
    latest = request;
    void act();
  });
  return {
    async stop() {
      clearTimeout(retry);
      await requests.close();
      await done.close();
      await coordination.close();
    },
  };
}

/** One request, carried out on the config (under its lock): what to answer. */
async function carryOut(dir: string, request: ScalingRequest): Promise<ScalingDone> {
  return withConfigLock(dir, async () => {
    const { config } = readState(dir);
    if (request.kind === 'add') {
      const already = config.nodes.find((n) => n.added?.by === 'scaling' && n.added.request === request.seq);
      if (already !== undefined) return { seq: request.seq, outcome: 'done', name: already.name };
      try {
        const { name } = await addToConfig(dir, { role: request.role, az: request.az, shard: request.shard, added: { by: 'scaling', request: request.seq } });
        return { seq: request.seq, outcome: 'done', name };
      } catch (error) {
        return { seq: request.seq, outcome: 'refused', detail: (error as Error).message };
      }
    }
    if (!config.nodes.some((n) => n.name === request.name)) return { seq: request.seq, outcome: 'done', name: request.name, detail: 'not in the cluster (removed already)' };
    try {
      removeFromConfig(dir, request.name);
      return { seq: request.seq, outcome: 'done', name: request.name };
    } catch (error) {
      return { seq: request.seq, outcome: 'refused', name: request.name, detail: (error as Error).message };
    }
  });
}

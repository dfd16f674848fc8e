import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeUsageFile, type UsageFile } from '../metering/usage-store.js';
import { renderUsage, usageReport } from '../metering/usage-report.js';
import { parseOptions } from './args.js';

export const USAGE_USAGE = 'usage: strata usage [--data-dir DIR [--cluster ID] | --dir DIR [--region R]] [--json]';

/**
 * `strata usage`: the cluster's metered usage in DSQL's CloudWatch names (docs/metering.md):
 * totals since the data directory began and each minute of the last hour. Every query-processor
 * process keeps its own file under `usage/` (the embedded node's data directory, or a local
 * cluster's directory; a cluster created through the control plane keeps its own, under
 * `clusters/<id>/usage/`, named by `--cluster`); this sums them. A linked cluster's two regions
 * are billed each on its own, as DSQL bills each region's cluster: `--region R` sums that
 * region's files alone. The files are written every few seconds, so the newest seconds may not
 * show yet. Returns the exit status: 0, or 2 for wrong options or no usage files.
 */
export async function usageCommand(args: string[], out: (line: string) => void, err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  nowMicros: number = Date.now() * 1000): Promise<number> {
  let options;
  try {
    options = parseOptions(args, { 'data-dir': 'string', dir: 'string', cluster: 'string', region: 'string', json: 'flag' });
    if (options.has('data-dir') && options.has('dir')) throw new Error('give --data-dir (embedded) or --dir (a local cluster), not both');
    if (options.has('cluster') && options.has('dir')) throw new Error('--cluster names a cluster created in an embedded node\'s --data-dir');
    if (options.has('region') && !options.has('dir')) throw new Error('--region names a region of a local cluster (--dir)');
    if (options.has('cluster') && !/^[a-z0-9]{26}$/.test(String(options.get('cluster')))) throw new Error(`invalid --cluster "${String(options.get('cluster'))}" (a cluster id)`);
  } catch (error) {
    err(`strata usage: ${(error as Error).message}`);
    err(USAGE_USAGE);
    return 2;
  }
  const base = resolve(String(options.get('data-dir') ?? options.get('dir') ?? './strata-data'));
  const dir = options.has('cluster') ? join(base, 'clusters', String(options.get('cluster'))) : base;
  const files = readUsageFiles(join(dir, 'usage'));
  if (typeof files === 'string') {
    err(`strata usage: ${files}`);
    return 2;
  }
  const regions = [...new Set(files.map((file) => file.region).filter((region): region is string => region !== undefined))].sort();
  const region = options.get('region') as string | undefined;
  if (region !== undefined && !regions.includes(region)) {
    err(`strata usage: no usage of region ${region} in ${join(dir, 'usage')} (its regions: ${regions.join(', ') || 'none'})`);
    return 2;
  }
  const report = { ...usageReport(region === undefined ? files : files.filter((file) => file.region === region), nowMicros), regions };
  if (options.has('json')) {
    out(JSON.stringify(report, null, 2));
    return 0;
  }
  const lines = renderUsage(report);
  if (region !== undefined) lines[0] = `Region ${region}: ${lines[0]}`;
  else if (regions.length > 1) lines.splice(1, 0, `  (a linked cluster in ${regions.join(', ')}: both summed; --region R for one region's bill)`);
  for (const line of lines) out(line);
  return 0;
}

/** Every usage file in the directory, or the problem as text. */
function readUsageFiles(directory: string): UsageFile[] | string {
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return `no usage in ${directory} (has the cluster run here?)`;
  }
  const files: UsageFile[] = [];
  for (const name of names) {
    try {
      files.push(decodeUsageFile(readFileSync(join(directory, name))));
    } catch (error) {
      return `${join(directory, name)}: ${(error as Error).message}`;
    }
  }
  return files;
}

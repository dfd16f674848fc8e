/** A small, strict option parser: `--name value` and `--flag`; unknown options are errors. */
export function parseOptions(args: readonly string[], spec: Record<string, 'string' | 'flag'>): Map<string, string | true> {
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.startsWith('--') ? arg.slice(2).split('=', 2) : [arg, undefined];
    const kind = spec[name!];
    if (!arg.startsWith('--') || !kind) throw new Error(`unknown option "${arg}"`);
    if (kind === 'flag') {
      options.set(name!, true);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new Error(`option --${name} needs a value`);
    options.set(name!, value);
  }
  return options;
}

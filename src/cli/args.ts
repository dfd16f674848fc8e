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

/** `--name N` as a positive integer, undefined when not given; throws naming the option otherwise. */
export function positiveIntegerOption(options: Map<string, string | true>, name: string): number | undefined {
  const text = options.get(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`--${name} must be a positive integer, not "${String(text)}"`);
  }
  return value;
}

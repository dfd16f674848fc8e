/**
 * The history model of Jepsen and Elle: a sequence of operations, each an invocation or a
 * completion (ok, fail, info) by a logical process, whose value is a transaction made of
 * micro-operations:
 *
 *   ['append', key, element]   append element to the list at key
 *   ['r', key, list | null]    read the list at key (null in an invocation: not yet known)
 *   ['w', key, value]          write a register (rw-register histories)
 *
 * Completions mean: ok — the transaction committed; fail — it certainly did not take effect;
 * info — unknown (a timeout, a lost connection during COMMIT): it may or may not have committed.
 *
 * Keys and elements are numbers or strings. Keywords in EDN files become their names (`:x` is
 * the key 'x'); any other composite key becomes its EDN text.
 */
import { EdnSymbol, EdnTagged, Keyword, ednGet, readEdnForms, writeEdn, type EdnValue } from './edn.js';

export type Key = number | string;
export type Element = number | string;
export type Process = number | string;
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

export type AppendMop = readonly ['append', Key, Element];
export type ReadMop = readonly ['r', Key, readonly Element[] | null];
export type WriteMop = readonly ['w', Key, Element | null];
export type RegisterReadMop = readonly ['r', Key, Element | null];
export type MicroOp = AppendMop | ReadMop | WriteMop;
export type Txn = readonly MicroOp[];

export interface Op {
  /** Position in the history; unique and increasing. */
  readonly index: number;
  readonly type: OpType;
  readonly process: Process;
  readonly value: Txn;
  /** Whatever clock the recorder was given (Elle uses nanoseconds since the test began). */
  readonly time?: number;
  readonly f?: string;
}

export type History = readonly Op[];

/** A completed transaction: its completion, and the invocation it answers when known. */
export interface Transaction {
  /** Dense id, 0..n-1 in history order of completions. */
  readonly id: number;
  readonly type: 'ok' | 'fail' | 'info';
  readonly op: Op;
  readonly invoke: Op | undefined;
}

export class HistoryFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryFormatError';
  }
}

const OP_TYPES = new Set<string>(['invoke', 'ok', 'fail', 'info']);

/** The name of a keyword, a symbol or a string; undefined for anything else. */
function nameOf(value: EdnValue | undefined): string | undefined {
  if (value instanceof Keyword || value instanceof EdnSymbol) return value.name;
  if (typeof value === 'string') return value;
  return undefined;
}

function scalarOf(value: EdnValue, what: string): number | string {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (value instanceof Keyword) return value.name;
  if (typeof value === 'boolean') return String(value);
  if (value === null) throw new HistoryFormatError(`${what} is nil`);
  if (value instanceof EdnTagged) return scalarOf(value.value, what);
  return writeEdn(value);
}

function mopFromEdn(form: EdnValue): MicroOp {
  if (!Array.isArray(form) || form.length < 2 || form.length > 3) {
    throw new HistoryFormatError(`a micro-op must be [f k v], got ${writeEdn(form)}`);
  }
  const f = nameOf(form[0]);
  const key = scalarOf(form[1]!, 'a key');
  const value = form.length === 3 ? form[2]! : null;
  if (f === 'append') return ['append', key, scalarOf(value, 'an appended element')];
  if (f === 'w') return ['w', key, value === null ? null : scalarOf(value, 'a written value')];
  if (f === 'r') {
    if (value === null) return ['r', key, null];
    if (Array.isArray(value)) return ['r', key, value.map((e) => scalarOf(e, 'a read element'))];
    // A register read: keep the scalar as a one-element view for the rw-register checker.
    return ['r', key, [scalarOf(value, 'a read value')]] as unknown as ReadMop;
  }
  throw new HistoryFormatError(`unknown micro-op function ${writeEdn(form[0]!)}`);
}

function opFromEdn(form: EdnValue, position: number): Op {
  if (!(form instanceof Map)) throw new HistoryFormatError(`an operation must be a map, got ${writeEdn(form)}`);
  const type = nameOf(ednGet(form, 'type'));
  if (type === undefined || !OP_TYPES.has(type)) throw new HistoryFormatError(`bad :type in ${writeEdn(form)}`);
  const value = ednGet(form, 'value');
  if (!Array.isArray(value)) throw new HistoryFormatError(`:value must be a transaction in ${writeEdn(form)}`);
  const index = ednGet(form, 'index');
  const process = ednGet(form, 'process');
  const time = ednGet(form, 'time');
  const f = nameOf(ednGet(form, 'f'));
  return {
    index: typeof index === 'number' ? index : position,
    type: type as OpType,
    process: process === undefined || process === null ? 'none' : scalarOf(process, 'a process'),
    value: value.map(mopFromEdn),
    ...(typeof time === 'number' ? { time } : {}),
    ...(f !== undefined ? { f } : {}),
  };
}

/** Parses an Elle/Jepsen EDN history: a sequence of op maps (or one vector of them). */
export function parseEdnHistory(text: string): Op[] {
  let forms = readEdnForms(text);
  if (forms.length === 1 && Array.isArray(forms[0])) forms = forms[0];
  return checkIndices(forms.map((form, i) => opFromEdn(form, i)));
}

function mopFromJson(raw: unknown): MicroOp {
  if (!Array.isArray(raw)) throw new HistoryFormatError(`a micro-op must be [f, k, v], got ${JSON.stringify(raw)}`);
  return mopFromEdn(raw.map(jsonToEdn));
}

function jsonToEdn(raw: unknown): EdnValue {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'boolean') return raw;
  if (Array.isArray(raw)) return raw.map(jsonToEdn);
  throw new HistoryFormatError(`unexpected JSON value ${JSON.stringify(raw)}`);
}

/**
 * Reads the JSON form: an array of ops (as elle-cli and our workload write them) or a JSON text
 * of one. Unknown fields are ignored; `index` defaults to the position.
 */
export function parseJsonHistory(input: string | readonly unknown[]): Op[] {
  const raw: unknown = typeof input === 'string' ? JSON.parse(input) : input;
  if (!Array.isArray(raw)) throw new HistoryFormatError('a JSON history must be an array of operations');
  return checkIndices(
    raw.map((entry: unknown, position): Op => {
      if (typeof entry !== 'object' || entry === null) throw new HistoryFormatError(`bad operation ${JSON.stringify(entry)}`);
      const o = entry as Record<string, unknown>;
      if (typeof o.type !== 'string' || !OP_TYPES.has(o.type)) throw new HistoryFormatError(`bad type in ${JSON.stringify(o)}`);
      if (!Array.isArray(o.value)) throw new HistoryFormatError(`value must be a transaction in ${JSON.stringify(o)}`);
      const process = typeof o.process === 'number' || typeof o.process === 'string' ? o.process : 'none';
      return {
        index: typeof o.index === 'number' ? o.index : position,
        type: o.type as OpType,
        process,
        value: o.value.map(mopFromJson),
        ...(typeof o.time === 'number' ? { time: o.time } : {}),
        ...(typeof o.f === 'string' ? { f: o.f } : {}),
      };
    }),
  );
}

function checkIndices(ops: Op[]): Op[] {
  for (let i = 1; i < ops.length; i++) {
    if (!(ops[i]!.index > ops[i - 1]!.index)) {
      throw new HistoryFormatError(`operation indices must increase: ${ops[i - 1]!.index} then ${ops[i]!.index}`);
    }
  }
  return ops;
}

/** The history as EDN text, one op per line, so Elle's own tools can read a failing run. */
export function historyToEdn(history: History): string {
  const lines: string[] = [];
  for (const op of history) {
    const value = op.value.map((mop) => {
      const [f, k, v] = mop;
      const ednValue: EdnValue = v === null ? null : Array.isArray(v) ? [...(v as Element[])] : (v as Element);
      return [Keyword.of(f), k, ednValue] as EdnValue;
    });
    const parts = [`:index ${op.index}`, `:type :${op.type}`, `:process ${writeEdn(op.process)}`];
    if (op.time !== undefined) parts.push(`:time ${op.time}`);
    parts.push(`:f :${op.f ?? 'txn'}`, `:value ${writeEdn(value)}`);
    lines.push(`{${parts.join(', ')}}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Pairs completions with their invocations (per process, in order) and returns the completed
 * transactions. An invocation never completed counts as info: the client died not knowing.
 * Completions without an invocation (hand-written histories) stand alone.
 */
export function completedTransactions(history: History): Transaction[] {
  const pending = new Map<Process, Op>();
  const completed: { op: Op; invoke: Op | undefined }[] = [];
  for (const op of history) {
    if (op.type === 'invoke') {
      const previous = pending.get(op.process);
      if (previous !== undefined) completed.push({ op: { ...previous, type: 'info' }, invoke: previous });
      pending.set(op.process, op);
      continue;
    }
    const invoke = pending.get(op.process);
    pending.delete(op.process);
    completed.push({ op, invoke });
  }
  for (const invoke of pending.values()) completed.push({ op: { ...invoke, type: 'info' }, invoke });
  completed.sort((a, b) => a.op.index - b.op.index);
  return completed.map(({ op, invoke }, id) => ({ id, type: op.type as 'ok' | 'fail' | 'info', op, invoke }));
}

/** Renders an element list or scalar the way Elle prints it: [1 2 3]. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return `[${value.map(showValue).join(' ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** One op the way Elle prints it in explanations. */
export function showOp(op: Op): string {
  const txn = op.value.map(([f, k, v]) => `[:${f} ${showValue(k)} ${showValue(v)}]`).join(' ');
  return `{:index ${op.index}, :type :${op.type}, :process ${showValue(op.process)}, :value [${txn}]}`;
}

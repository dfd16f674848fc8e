import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkListAppend, type AnomalyType, type CheckResult } from './list-append.js';
import type { MicroOp, Op, OpType } from './history.js';
import { simulate } from './simulate.js';

/**
 * Elle's shorthand for a transaction: "ax1" appends 1 to x, "ry12" reads y = [1 2], "rx" reads
 * x = [] (the initial state). Keys are single letters, elements single digits.
 */
function txn(text: string): MicroOp[] {
  const mops: MicroOp[] = [];
  for (const [, f, key, digits] of text.matchAll(/([ar])([a-z])(\d*)/g)) {
    if (f === 'a') mops.push(['append', key!, Number(digits)]);
    else mops.push(['r', key!, [...digits!].map(Number)]);
  }
  return mops;
}

/** A history of completions only (as Elle's own tests write them), indices in order. */
function history(...entries: (string | [OpType, string])[]): Op[] {
  return entries.map((entry, index) => {
    const [type, text] = typeof entry === 'string' ? (['ok', entry] as const) : entry;
    return { index, type, process: index, value: txn(text) };
  });
}

function types(result: CheckResult): AnomalyType[] {
  return Object.keys(result.counts).sort() as AnomalyType[];
}

function check(ops: Op[], model: 'serializable' | 'snapshot-isolation' | 'read-committed' = 'serializable'): CheckResult {
  return checkListAppend(ops, { consistencyModel: model });
}

test('an empty history and a serial history are valid under serializability', () => {
  assert.deepEqual(check([]).anomalies, []);
  const serial = history('ax1', 'rx1ay1', 'rx1ry1ax2', 'rx12ry1', 'ay2ry12az1', 'rz1ry12rx12');
  const result = check(serial);
  assert.equal(result.valid, true, JSON.stringify(result.anomalies, null, 1));
  assert.deepEqual(types(result), []);
  assert.ok(result.stats.edges > 0, 'the serial history has dependencies');
});

test('G0: two transactions append to two keys in opposite orders', () => {
  const result = check(history('ax1ay1', 'ax2ay2', 'rx12ry21'), 'read-committed');
  assert.equal(result.valid, false);
  assert.deepEqual(types(result), ['G0']);
  const g0 = result.anomalies[0]!;
  assert.deepEqual(g0.steps!.map((s) => s.type), ['ww', 'ww']);
  assert.equal(g0.cycle!.length, 3);
  assert.equal(g0.cycle![0], g0.cycle![2]);
});

test('G1a: a committed read shows an aborted append', () => {
  const result = check(history(['fail', 'ax1'], 'rx1'), 'read-committed');
  assert.deepEqual(types(result), ['G1a']);
  assert.equal(result.valid, false);
  assert.match(result.anomalies[0]!.explanation, /failed/);
});

test('G1b: a read of an intermediate state (also G-single: the read misses the final append)', () => {
  const result = check(history('ax1ax2', 'rx1'));
  assert.deepEqual(types(result), ['G-single', 'G1b']);
  // A transaction reading its own intermediate state is fine.
  assert.deepEqual(types(check(history('ax1rx1ax2', 'rx12'))), []);
});

test('G1c: circular information flow through ww and wr edges', () => {
  const result = check(history('ax1ry1', 'ax2ay1', 'rx12ry1'), 'read-committed');
  assert.deepEqual(types(result), ['G1c']);
  const steps = result.anomalies[0]!.steps!.map((s) => s.type).sort();
  assert.deepEqual(steps, ['wr', 'ww']);
});

test('G-single (read skew) is forbidden by snapshot isolation, allowed by read committed', () => {
  const ops = history('ax1ay1', 'ax2ry', 'rx12');
  const si = check(ops, 'snapshot-isolation');
  assert.deepEqual(types(si), ['G-single']);
  assert.equal(si.valid, false);
  assert.deepEqual(si.anomalies[0]!.steps!.map((s) => s.type).sort(), ['rw', 'ww']);
  assert.match(si.anomalies[0]!.explanation, /observed the initial \(nil\) state of "y"/);
  assert.match(si.anomalies[0]!.explanation, /a contradiction!$/);
  assert.equal(check(ops, 'read-committed').valid, true);
});

test('G-nonadjacent: two rw edges apart is forbidden by snapshot isolation', () => {
  const result = check(history('ax1', 'rx1ry', 'ay1', 'ry1rx'), 'snapshot-isolation');
  assert.deepEqual(types(result), ['G-nonadjacent']);
  assert.equal(result.valid, false);
  const kinds = result.anomalies[0]!.steps!.map((s) => s.type);
  assert.equal(kinds.filter((k) => k === 'rw').length, 2);
});

test('a cycle whose two rw edges touch (rw rw wr) is G2-item: allowed by snapshot isolation', () => {
  // A misses B's append to x, B misses C's append to y, A reads C's append to z.
  const ops = history('rxrz1', 'ax1ry', 'ay1az1');
  const si = check(ops, 'snapshot-isolation');
  assert.deepEqual(types(si), ['G2-item']);
  assert.equal(si.valid, true);
  assert.deepEqual(si.anomalies[0]!.steps!.map((s) => s.type).sort(), ['rw', 'rw', 'wr']);
  assert.equal(check(ops, 'serializable').valid, false);
  // Elle's rw rw wr rw wr history: no cycle closes at all, so it is valid.
  assert.equal(check(history('rx5ay1', 'ryaz2', 'rzat3', 'rt3au4', 'ruax5'), 'serializable').valid, true);
});

test('G2-item (write skew) is reported, allowed under SI and forbidden under serializability', () => {
  const ops = history('rxay1', 'ryax1', 'rx1ry1');
  const si = check(ops, 'snapshot-isolation');
  assert.deepEqual(types(si), ['G2-item']);
  assert.equal(si.valid, true);
  assert.equal(si.anomalies[0]!.allowed, true);
  const serializable = check(ops, 'serializable');
  assert.equal(serializable.valid, false);
  assert.equal(serializable.anomalies[0]!.allowed, false);
});

test('lost update: two committed transactions read the same state and both append', () => {
  const result = check(history('ax0', 'rx0ax1', 'rx0ax2'), 'snapshot-isolation');
  assert.deepEqual(types(result), ['G2-item', 'lost-update']);
  assert.equal(result.valid, false);
  const lost = result.anomalies.find((a) => a.type === 'lost-update')!;
  assert.equal(lost.key, 'x');
  assert.equal(lost.ops!.length, 2);
  // One transaction appending twice after its read is no lost update.
  assert.deepEqual(types(check(history('rxax1ax2', 'rx12'))), []);
});

test('internal consistency: a transaction must see its own reads and appends', () => {
  // T2 also reads T1's final append 4 while T1's 4 overwrote T2's 3: G0 and G1c besides.
  assert.deepEqual(types(check(history('ax1ax2ax4', 'ax3rx1234'), 'read-committed')), ['G0', 'G1c', 'internal']);
  const cases = ['rx12ax3rx12', 'rx12ax3rx023', 'rx12ax3rx1234', 'rx12ax3rx1', 'ax3rx', 'ax3rx1234'];
  for (const text of cases) {
    assert.ok(types(check(history('ax1', 'ax2', text))).includes('internal'), text);
  }
  assert.deepEqual(types(check(history('ax1', 'ax2', 'ay5ay6', 'rx12ry56ax3rx123ax4rx1234'))), []);
});

test('future read: a transaction reads an element it appends later', () => {
  const result = check(history('rx1ax1'));
  assert.ok(types(result).includes('future-read'), JSON.stringify(result.counts));
});

test('dirty update: a committed append builds on an aborted one', () => {
  const result = check(history(['fail', 'ax1'], 'ax2', 'rx12'));
  assert.ok(types(result).includes('dirty-update'));
  assert.ok(types(result).includes('G1a'));
  // An unknown outcome (info) between them hides nothing: the failed write was built on.
  const indirect = check(history(['fail', 'ax1'], ['info', 'ax2'], 'ax3', 'rx123'));
  assert.ok(types(indirect).includes('dirty-update'));
});

test('duplicate elements and incompatible orders', () => {
  // [1 2 1] looks as if 1 came last, so Elle (and we) also see a G-single here.
  assert.deepEqual(types(check(history('ax1ry1', 'ax2ay1', 'rx121'), 'read-committed')), ['G-single', 'G1c', 'duplicate-elements']);
  const result = check(history('ax1ry1', 'ax2', 'ax3ay1', 'rx13', 'rx123'), 'read-committed');
  assert.deepEqual(types(result), ['G1c', 'incompatible-order']);
  assert.match(result.anomalies.find((a) => a.type === 'incompatible-order')!.explanation, /\[1 3\].*\[1 2 3\]/);
});

test('garbage read: an element nobody appended', () => {
  const result = check(history('ax1', 'rx19'), 'read-committed');
  assert.deepEqual(types(result), ['garbage-read']);
  assert.equal(result.valid, false);
});

test('an append no read shows still follows every observed one (Elle: unobserved writes)', () => {
  const pairs: Op[] = [];
  const texts = ['ax1ay1', 'ax2ay2', 'ax3ay3', 'rx12', 'ry2'];
  texts.forEach((text, i) => {
    const value = txn(text);
    pairs.push({ index: i, type: 'invoke', process: i, value: value.map((m) => (m[0] === 'r' ? (['r', m[1], null] as MicroOp) : m)) });
  });
  texts.forEach((text, i) => pairs.push({ index: 5 + i, type: 'ok', process: i, value: txn(text) }));
  assert.deepEqual(types(check(pairs)), ['G-single', 'G0']);
});

test('info transactions: a nil read proves nothing, an observed append proves the commit', () => {
  const ops: Op[] = [
    { index: 0, type: 'info', process: 0, value: [['append', 'x', 2], ['r', 'y', null]] },
    { index: 1, type: 'ok', process: 1, value: txn('ax1ay1') },
    { index: 2, type: 'ok', process: 2, value: txn('rx12ry1') },
  ];
  const result = check(ops);
  assert.equal(result.valid, true, JSON.stringify(result.anomalies));
  // An invocation that never completed is info too: reading its append is no aborted read.
  const crashed: Op[] = [
    { index: 0, type: 'invoke', process: 0, value: txn('ax1') },
    { index: 1, type: 'invoke', process: 1, value: [['r', 'x', null]] },
    { index: 2, type: 'ok', process: 1, value: txn('rx1') },
  ];
  const afterCrash = check(crashed);
  assert.equal(afterCrash.valid, true, JSON.stringify(afterCrash.anomalies));
  assert.equal(afterCrash.stats.info, 1);
});

test('keys and elements may be strings', () => {
  const ops: Op[] = [
    { index: 0, type: 'ok', process: 0, value: [['append', 'acct-1', 'a'], ['append', 'acct-2', 'b']] },
    { index: 1, type: 'ok', process: 1, value: [['append', 'acct-1', 'c'], ['append', 'acct-2', 'd']] },
    { index: 2, type: 'ok', process: 2, value: [['r', 'acct-1', ['a', 'c']], ['r', 'acct-2', ['d', 'b']]] },
  ];
  assert.deepEqual(types(check(ops)), ['G0']);
});

test('simulated databases: serial and SI pass, SI without first-committer-wins and read committed are caught', () => {
  const serial = check(simulate({ isolation: 'serial', transactions: 600, seed: 7 }), 'serializable');
  assert.equal(serial.valid, true, JSON.stringify(serial.counts));
  assert.deepEqual(serial.counts, {});

  const si = check(simulate({ isolation: 'snapshot-isolation', transactions: 1500, seed: 11 }), 'snapshot-isolation');
  assert.equal(si.valid, true, JSON.stringify(si.anomalies.filter((a) => !a.allowed).slice(0, 2), null, 1));
  assert.deepEqual(Object.keys(si.counts), ['G2-item'], 'SI shows write skew, and only that');

  const noFcw = check(simulate({ isolation: 'no-first-committer', transactions: 1500, seed: 11 }), 'snapshot-isolation');
  assert.equal(noFcw.valid, false);
  assert.ok((noFcw.counts['lost-update'] ?? 0) > 0, JSON.stringify(noFcw.counts));

  const rc = check(simulate({ isolation: 'read-committed', transactions: 1500, seed: 11 }), 'snapshot-isolation');
  assert.equal(rc.valid, false);
  assert.ok((rc.counts['G-single'] ?? 0) > 0, JSON.stringify(rc.counts));
  assert.ok((rc.counts.internal ?? 0) > 0, 'a transaction reading a key twice sees two states');
});

test('a history of 10,000 transactions from an SI database checks completely', () => {
  const ops = simulate({ isolation: 'snapshot-isolation', transactions: 10_000, processes: 10, seed: 3 });
  const result = check(ops, 'snapshot-isolation');
  assert.equal(result.valid, true, JSON.stringify(result.counts));
  assert.ok(result.stats.ok > 5_000, `${result.stats.ok} committed`);
  assert.ok(result.stats.fail > 0 && result.stats.info > 0);
});


test('with the bounded search out of budget, the exact pass still finds the SI-forbidden cycle', () => {
  // A ww chain of 300 transactions on "ring", closed by one rw edge: the last one misses the
  // first one's append to "anti". Elle's "unfindable G-single", without the noise.
  const n = 300;
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const extra: MicroOp = i === 0 ? ['append', 'anti', 0] : i === n - 1 ? ['r', 'anti', []] : ['append', `k${i}`, 0];
    ops.push({ index: i, type: 'ok', process: i % 7, value: [['append', 'ring', i], extra] });
  }
  ops.push({ index: n, type: 'ok', process: 99, value: [['r', 'ring', Array.from({ length: n }, (_, i) => i)]] });
  const starved = checkListAppend(ops, { consistencyModel: 'snapshot-isolation', cycleSearchBudget: 5 });
  assert.equal(starved.stats.cycleSearchIncomplete, true);
  assert.equal(starved.valid, false);
  assert.deepEqual(types(starved), ['G-single']);
  assert.equal(starved.anomalies[0]!.cycle!.length, n + 1);

  const nonadjacent = checkListAppend(history('ax1', 'rx1ry', 'ay1', 'ry1rx'), { consistencyModel: 'snapshot-isolation', cycleSearchBudget: 1 });
  assert.deepEqual(types(nonadjacent), ['G-nonadjacent']);
});

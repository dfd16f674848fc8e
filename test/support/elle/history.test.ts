import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completedTransactions, historyToEdn, parseEdnHistory, parseJsonHistory, HistoryFormatError, type Op } from './history.js';
import { HistoryRecorder } from './recorder.js';
import { checkListAppend } from './list-append.js';

test('EDN histories: keywords become names, missing indices and processes get defaults', () => {
  const ops = parseEdnHistory('{:type :invoke :value [[:append :x 1] [:r :y nil]]}\n{:type :ok :value [[:append :x 1] [:r :y [3 4]]]}');
  assert.deepEqual(ops, [
    { index: 0, type: 'invoke', process: 'none', value: [['append', 'x', 1], ['r', 'y', null]] },
    { index: 1, type: 'ok', process: 'none', value: [['append', 'x', 1], ['r', 'y', [3, 4]]] },
  ]);
  assert.throws(() => parseEdnHistory('{:index 2 :type :ok :value []} {:index 1 :type :ok :value []}'), HistoryFormatError);
  assert.throws(() => parseEdnHistory('{:type :done :value []}'), HistoryFormatError);
  assert.throws(() => parseEdnHistory('{:type :ok :value [[:cas :x 1]]}'), HistoryFormatError);
});

test('a history written as EDN reads back the same', () => {
  const ops: Op[] = [
    { index: 0, type: 'invoke', process: 3, time: 10, f: 'txn', value: [['append', 'k', 'e'], ['r', 7, null]] },
    { index: 1, type: 'ok', process: 3, time: 12, f: 'txn', value: [['append', 'k', 'e'], ['r', 7, [1, 2]]] },
  ];
  assert.deepEqual(parseEdnHistory(historyToEdn(ops)), ops);
  assert.deepEqual(parseJsonHistory(JSON.stringify(ops)), ops);
});

test('completions pair with invocations per process; unfinished invocations count as info', () => {
  const ops = parseJsonHistory([
    { index: 0, type: 'invoke', process: 0, value: [['append', 1, 1]] },
    { index: 1, type: 'invoke', process: 1, value: [['r', 1, null]] },
    { index: 2, type: 'ok', process: 1, value: [['r', 1, []]] },
    { index: 3, type: 'invoke', process: 2, value: [['append', 1, 2]] },
    { index: 4, type: 'fail', process: 2, value: [['append', 1, 2]] },
  ]);
  const txns = completedTransactions(ops);
  assert.deepEqual(txns.map((t) => [t.id, t.type, t.op.index, t.invoke?.index]), [
    [0, 'info', 0, 0],
    [1, 'ok', 2, 1],
    [2, 'fail', 4, 3],
  ]);
});

test('the recorder writes invocations and completions with the injected clock', () => {
  let now = 100;
  const recorder = new HistoryRecorder({ clock: () => now++ });
  const a = recorder.invoke(0, [['append', 'x', 1], ['r', 'x', null]]);
  const b = recorder.invoke(1, [['r', 'x', null]]);
  recorder.ok(a, [['append', 'x', 1], ['r', 'x', [1]]]);
  recorder.ok(b, [['r', 'x', [1]]]);
  const c = recorder.invoke(0, [['append', 'x', 2]]);
  recorder.fail(c);
  const d = recorder.invoke(2, [['append', 'x', 3]]);
  recorder.info(d);
  const e = recorder.invoke(3, [['append', 'x', 4]]);
  assert.equal(recorder.inFlight, 1);
  const history = recorder.history();
  assert.deepEqual(history.map((op) => [op.index, op.type, op.process, op.time]), [
    [0, 'invoke', 0, 100], [1, 'invoke', 1, 101], [2, 'ok', 0, 102], [3, 'ok', 1, 103],
    [4, 'invoke', 0, 104], [5, 'fail', 0, 105], [6, 'invoke', 2, 106], [7, 'info', 2, 107], [8, 'invoke', 3, 108],
  ]);
  assert.deepEqual(history[1]!.value, [['r', 'x', null]]);
  const result = checkListAppend(history, { consistencyModel: 'serializable' });
  assert.equal(result.valid, true, JSON.stringify(result.anomalies));
  assert.deepEqual([result.stats.ok, result.stats.fail, result.stats.info], [2, 1, 2]);
  void e;
});

test('the recorder refuses what would make the history meaningless', () => {
  const recorder = new HistoryRecorder({ clock: () => 0 });
  const a = recorder.invoke(0, [['append', 'x', 1]]);
  assert.throws(() => recorder.invoke(0, [['r', 'x', null]]), /in flight/);
  assert.throws(() => recorder.invoke(1, [['append', 'x', 1]]), /twice/);
  assert.throws(() => recorder.ok(a, [['append', 'y', 1]]), /matches the invocation/);
  recorder.info(a);
  assert.throws(() => recorder.fail(a), /in flight/);
  assert.throws(() => recorder.invoke(0, [['r', 'x', null]]), /fresh process/);
});

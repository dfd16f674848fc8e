import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ephemeralRange, freePorts, pickingSpan } from './ports.js';

test('free ports are distinct, bindable, and below the ephemeral range outgoing connections take their local ports from', async () => {
  const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const ports = await freePorts(40);
  assert.equal(new Set(ports).size, 40);
  for (const port of ports) {
    assert.ok(port >= 10_000 && port < ephemeralStart, `${port} lies in [10000, ${ephemeralStart})`);
    const server = createServer();
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
    await new Promise((resolve) => server.close(resolve));
  }
});

test('free ports leave out the ports asked to be avoided', async () => {
  const [first] = ephemeralRange();
  const avoid = new Set<number>();
  while (avoid.size < 2_000) avoid.add(10_000 + Math.floor(Math.random() * (first - 10_000)));
  const ports = await freePorts(200, '127.0.0.1', avoid);
  assert.equal(new Set(ports).size, 200);
  assert.deepEqual(ports.filter((p) => avoid.has(p)), []);
});

test('ports are picked below the ephemeral range where there is room, else above it, else by the OS', () => {
  assert.deepEqual(pickingSpan([32_768, 60_999]), { start: 10_000, end: 32_768 });
  assert.deepEqual(pickingSpan([1_024, 49_151]), { start: 49_152, end: 65_536 });
  assert.deepEqual(pickingSpan([10_500, 60_999]), { start: 61_000, end: 65_536 });
  assert.equal(pickingSpan([1_024, 65_000]), null);
});

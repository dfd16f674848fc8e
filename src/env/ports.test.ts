import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePorts } from './ports.js';

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

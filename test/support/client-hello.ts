/**
 * A real TLS ClientHello: the first bytes node:tls sends (with `servername` as its SNI, or none)
 * to a server that never answers, read until the shared port's peek finds them whole.
 */
import net from 'node:net';
import tls from 'node:tls';
import { classifyFirstBytes } from '../../src/control/first-bytes.js';

export async function clientHello(servername: string | undefined): Promise<Uint8Array> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const received = new Promise<Uint8Array>((resolve) => {
    server.once('connection', (socket) => {
      let bytes = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        if (classifyFirstBytes(bytes, false).kind !== 'more') {
          resolve(bytes);
          socket.destroy();
        }
      });
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const client = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername === undefined ? {} : { servername }) });
  client.on('error', () => {});
  const bytes = await received;
  client.destroy();
  server.close();
  return bytes;
}

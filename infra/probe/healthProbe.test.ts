import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PeerUnhealthyError, probe } from './healthProbe';

describe('peer health probe', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') return void res.writeHead(200).end('{"status":"healthy"}');
      if (req.url === '/down') return void res.writeHead(503).end('{"status":"unhealthy"}');
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end('{}'), 400);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('resolves when the peer answers 200 in time', async () => {
    const result = await probe(`${base}/ok`, 1000);
    assert.equal(result.status, 200);
  });
  it('fails the invocation when the peer answers 503', async () => {
    await assert.rejects(probe(`${base}/down`, 1000), (e: Error) => e instanceof PeerUnhealthyError && /answered 503/.test(e.message));
  });
  it('fails the invocation when the peer answers after the deadline', async () => {
    await assert.rejects(probe(`${base}/slow`, 100), (e: Error) => e instanceof PeerUnhealthyError && /TimeoutError/.test(e.message));
  });
  it('fails the invocation when nothing listens', async () => {
    await assert.rejects(probe('http://127.0.0.1:1/health', 500), PeerUnhealthyError);
  });
});

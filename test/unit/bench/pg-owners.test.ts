import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cpuByOwner, portOwners } from '../../bench/lib/pg-owners.js';

describe("the ingest bench's split of PostgreSQL's CPU by client (pg-owners)", () => {
  it.runIf(process.platform === 'linux')(
    'names the process holding a connection by its local port',
    async () => {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      await once(socket, 'connect');
      try {
        const owners = portOwners([{ name: 'me', pid: process.pid }]);
        expect(owners.get(socket.localPort!)).toBe('me');
        expect(portOwners([{ name: 'gone', pid: 2 ** 22 + 1 }]).size).toBe(0);
      } finally {
        socket.destroy();
        server.close();
      }
    },
  );

  it.runIf(process.platform === 'linux')(
    'sums each backend since before under its owner, a new one from 0, an unknown client as other',
    async () => {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      await once(socket, 'connect');
      try {
        const before = new Map([[10, { port: socket.localPort!, cpu: 1 }]]);
        const after = new Map([
          [10, { port: socket.localPort!, cpu: 1.5 }],
          [11, { port: socket.localPort!, cpu: 0.25 }],
          [12, { port: null, cpu: 0.125 }],
        ]);
        expect(cpuByOwner(before, after, [{ name: 'me', pid: process.pid }])).toEqual({
          me: 0.75,
          other: 0.125,
        });
      } finally {
        socket.destroy();
        server.close();
      }
    },
  );
});

/** A vendor's webhook receiver on loopback for tests: records every delivery, can fail on purpose. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  /** The raw body, as the signature covers it. */
  body: string;
}

export interface WebhookReceiver {
  /** Where truc should send (http on 127.0.0.1; the test profile allows it). */
  url: string;
  /** Deliveries answered 204, oldest first (set `length = 0` to forget them). */
  received: ReceivedDelivery[];
  /** Answer 500 this many times before answering 204 again. */
  failNext: number;
  /** How a failure answers (default 500, no headers), e.g. a 429 with Retry-After. */
  failWith?: { status: number; headers?: Record<string, string> };
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hooks'): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: '', received: [], failNext: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (receiver.failNext > 0) {
        receiver.failNext -= 1;
        res.writeHead(receiver.failWith?.status ?? 500, receiver.failWith?.headers).end();
        return;
      }
      receiver.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between the server under test and a real service, which the test
 * can turn into an outage: `refuse` (nothing listens: ECONNREFUSED), `cut` (every open
 * connection is reset), `stall` (bytes stop flowing both ways and new connections hang, as in
 * a network partition) and `heal` (back to normal; stalled connections resume).
 */
export interface TcpProxy {
  port: number;
  /** The URL with its host and port replaced by the proxy's. */
  via(url: string): string;
  refuse(): Promise<void>;
  cut(): void;
  stall(): void;
  heal(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream?: net.Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let stalled = false;
  let listening = false;

  const flow = (pair: Pair) => {
    const { client, upstream } = pair;
    if (!upstream) return;
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const stop = (pair: Pair) => {
    pair.client.unpipe();
    pair.upstream?.unpipe();
    pair.client.pause();
    pair.upstream?.pause();
  };
  const connectUpstream = (pair: Pair) => {
    const upstream = net.connect(target.port, target.host);
    pair.upstream = upstream;
    const end = () => {
      pairs.delete(pair);
      pair.client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end).on('close', end);
    upstream.once('connect', () => (stalled ? stop(pair) : flow(pair)));
  };

  const server = net.createServer((client) => {
    const pair: Pair = { client };
    pairs.add(pair);
    client
      .on('error', () => undefined)
      .on('close', () => {
        pairs.delete(pair);
        pair.upstream?.destroy();
      });
    // In a partition the SYN is answered (by the proxy here) but nothing ever comes back.
    if (!stalled) connectUpstream(pair);
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        listening = true;
        resolve();
      });
    });
  const cut = () => {
    for (const pair of [...pairs]) {
      pair.client.resetAndDestroy();
      pair.upstream?.resetAndDestroy();
      pairs.delete(pair);
    }
  };

  await listen(0);
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async refuse() {
      cut();
      if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      listening = false;
    },
    cut,
    stall() {
      stalled = true;
      for (const pair of pairs) stop(pair);
    },
    async heal() {
      stalled = false;
      if (!listening) await listen(port);
      for (const pair of pairs) {
        if (!pair.upstream) connectUpstream(pair);
        else {
          flow(pair);
          pair.client.resume();
          pair.upstream.resume();
        }
      }
    },
    async close() {
      cut();
      if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      listening = false;
    },
  };
}

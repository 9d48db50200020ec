import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP proxy to a real server (Postgres) that a test can cut and restore, as a
 * network partition or a database restart would.
 */
export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
  /** `url` (a postgres:// URL) pointed at this proxy. */
  urlFor(url: string): string;
}

export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let listener: Server;
  let proxyPort = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      listener = createServer((client) => {
        const upstream = connect(port, host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      listener.listen(proxyPort, "127.0.0.1", () => {
        proxyPort = (listener.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = async () => {
    await new Promise<void>((resolve) => {
      listener.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  };
  await listen();
  const urlFor = (url: string) => {
    const via = new URL(url);
    via.hostname = "127.0.0.1";
    via.port = String(proxyPort);
    return via.toString();
  };
  return { port: proxyPort, cut, restore: listen, close: cut, urlFor };
}

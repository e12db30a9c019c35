import { createServer, type IncomingMessage, type Server } from "node:http";

/**
 * A local HTTP receiver that speaks what Ayvlo's channels send to: any webhook
 * (POST /hook/<name>), a Slack incoming webhook (POST /slack/<name>, answers
 * "ok"), PagerDuty Events v2 (POST /pagerduty/v2/enqueue, answers 202 with the
 * dedup_key). It records every request; `POST /_config/<name>` makes the next
 * requests to <name> fail, and `GET /_received/<name>` returns what arrived.
 */
export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
  status: number;
}

export function startReceiver(port = 0): Promise<{ server: Server; port: number }> {
  const received = new Map<string, Received[]>();
  const failures = new Map<string, { remaining: number; status: number; every?: number; count: number }>();
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://receiver");
    const [, kind, name = "default"] = url.pathname.split("/");
    if (kind === "_received") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received.get(name) ?? []));
      return;
    }
    if (kind === "_config") {
      const config = JSON.parse(body || "{}") as { fail?: number; status?: number; every?: number };
      failures.set(name, { remaining: config.fail ?? 0, status: config.status ?? 503, every: config.every, count: 0 });
      received.set(name, []);
      res.writeHead(204).end();
      return;
    }
    const key = kind === "pagerduty" ? "pagerduty" : name;
    const failure = failures.get(key);
    let status = kind === "pagerduty" ? 202 : 200;
    if (failure) {
      failure.count += 1;
      // `every: 2` fails every other request; `fail: n` fails the next n.
      if (failure.every ? failure.count % failure.every === 1 : failure.remaining > 0) {
        failure.remaining -= 1;
        status = failure.status;
      }
    }
    const list = received.get(key) ?? [];
    list.push({ path: url.pathname, headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body, at: Date.now(), status });
    received.set(key, list);
    if (status >= 400) res.writeHead(status).end("failing on purpose");
    else if (kind === "pagerduty") {
      const dedup = (JSON.parse(body) as { dedup_key?: string }).dedup_key;
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ status: "success", message: "Event processed", dedup_key: dedup }));
    } else if (kind === "slack") res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    else res.writeHead(200).end();
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

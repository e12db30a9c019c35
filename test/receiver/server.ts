import { createServer, type IncomingMessage, type Server } from "node:http";
import { llmReply, matchLlmPath, type LlmBehaviour } from "./llm.ts";

/**
 * A local HTTP receiver that speaks what Ayvlo's channels send to: any webhook
 * (POST /hook/<name>), a Slack incoming webhook (POST /slack/<name>, answers
 * "ok"), PagerDuty Events v2 (POST /pagerduty/v2/enqueue, answers 202 with the
 * dedup_key), and the Anthropic Messages and OpenAI Chat Completions APIs
 * (see llm.ts; `/anthropic/<name>/v1/messages`, `/openai/<name>/v1/chat/completions`).
 * It records every request; `POST /_config/<name>` makes the next requests to
 * <name> fail (`{fail, status, every}`) or sets an LLM mode (`{mode, status,
 * delayMs}`), and `GET /_received/<name>` returns what arrived.
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
  const llmBehaviours = new Map<string, LlmBehaviour>();
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://receiver");
    const [, kind, name = "default"] = url.pathname.split("/");
    if (kind === "_received") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received.get(name) ?? []));
      return;
    }
    if (kind === "_config") {
      const config = JSON.parse(body || "{}") as { fail?: number; status?: number; every?: number } & Partial<LlmBehaviour>;
      failures.set(name, { remaining: config.fail ?? 0, status: config.status ?? 503, every: config.every, count: 0 });
      llmBehaviours.set(name, { mode: config.mode ?? "ok", status: config.status, delayMs: config.delayMs });
      received.set(name, []);
      res.writeHead(204).end();
      return;
    }
    const llm = matchLlmPath(url.pathname);
    if (llm) {
      const reply = llmReply(llm.provider, llmBehaviours.get(llm.name) ?? { mode: "ok" }, req.headers, body);
      const list = received.get(llm.name) ?? [];
      list.push({ path: url.pathname, headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body, at: Date.now(), status: reply.status });
      received.set(llm.name, list);
      const send = () => res.writeHead(reply.status, reply.headers).end(reply.body);
      if (reply.delayMs === 0) send();
      else {
        // A client that gives up (a timeout) closes the socket: stop waiting, so shutdown is not held up.
        const timer = setTimeout(send, reply.delayMs);
        res.on("close", () => clearTimeout(timer));
      }
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

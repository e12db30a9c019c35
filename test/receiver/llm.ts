/**
 * The LLM half of the local receiver: enough of the Anthropic Messages API
 * (`POST /anthropic[/<name>]/v1/messages`) and the OpenAI Chat Completions API
 * (`POST /openai[/<name>]/v1/chat/completions`) for the real SDKs to talk to.
 * Requests are checked as the real services would (auth header, version
 * header, required fields) and answered with a well-formed response whose text
 * is an explanation as JSON. A mode set with `POST /_config/<name>` changes
 * the answer: `error` (an error status with the vendor's error body),
 * `invalid` (text that is not JSON), `wrong-shape` (JSON that is not an
 * explanation), `slow` (the good answer after `delayMs`).
 */
export type LlmProvider = "anthropic" | "openai";
export type LlmMode = "ok" | "error" | "invalid" | "wrong-shape" | "slow";

export interface LlmBehaviour {
  mode: LlmMode;
  /** Status for `error` (default 529 for Anthropic, 500 for OpenAI). */
  status?: number | undefined;
  /** Delay for `slow` (default 5000 ms). */
  delayMs?: number | undefined;
}

export interface LlmReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  delayMs: number;
}

const PATH = /^\/(anthropic|openai)(?:\/([^/]+))?\/v1\/(messages|chat\/completions)$/;

/** The provider and the receiver name (the optional path segment; else the provider) of an LLM request, or null. */
export function matchLlmPath(pathname: string): { provider: LlmProvider; name: string } | null {
  const m = PATH.exec(pathname);
  if (!m) return null;
  const provider = m[1] as LlmProvider;
  if ((provider === "anthropic") !== (m[3] === "messages")) return null;
  return { provider, name: m[2] ?? provider };
}

/** The answer to one LLM request. */
export function llmReply(provider: LlmProvider, behaviour: LlmBehaviour, headers: Record<string, string | string[] | undefined>, body: string): LlmReply {
  const request = parseJson(body);
  const problem = provider === "anthropic" ? checkAnthropic(headers, request) : checkOpenAi(headers, request);
  if (problem) return errorReply(provider, problem.status, problem.message);
  if (behaviour.mode === "error") return errorReply(provider, behaviour.status ?? (provider === "anthropic" ? 529 : 500), "failing on purpose");
  const req = request as { model: string; messages: Array<{ role: string; content: unknown }> };
  const text = behaviour.mode === "invalid" ? '{"summary": "The value rose sharply", "likely_causes": [' : behaviour.mode === "wrong-shape" ? JSON.stringify({ summary: "Only a summary, nothing else" }) : JSON.stringify(cannedExplanation(provider, anomalyIdIn(req.messages)));
  const delayMs = behaviour.mode === "slow" ? (behaviour.delayMs ?? 5_000) : 0;
  const inputTokens = Math.ceil(body.length / 4);
  const outputTokens = Math.ceil(text.length / 4);
  if (provider === "anthropic") {
    const message = {
      id: `msg_${crypto.randomUUID().replaceAll("-", "")}`,
      type: "message",
      role: "assistant",
      model: req.model,
      content: [{ type: "text", text, citations: null }],
      stop_reason: "end_turn",
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, server_tool_use: null, service_tier: "standard" },
    };
    return { status: 200, headers: { "content-type": "application/json", "request-id": `req_${crypto.randomUUID()}` }, body: JSON.stringify(message), delayMs };
  }
  const completion = {
    id: `chatcmpl-${crypto.randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: req.model,
    choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
    service_tier: "default",
    system_fingerprint: "fp_receiver",
  };
  return { status: 200, headers: { "content-type": "application/json", "x-request-id": `req_${crypto.randomUUID()}` }, body: JSON.stringify(completion), delayMs };
}

/** A valid explanation (without `source`), naming its provider and the anomaly id it was asked about. */
export function cannedExplanation(provider: LlmProvider, anomalyId: string) {
  return {
    summary: `Explained by ${provider}: anomaly ${anomalyId} is far above its expected band.`,
    likely_causes: [
      { cause: "A burst of traffic or a batch job.", confidence: 0.55 },
      { cause: "A data-collection glitch.", confidence: 0.25 },
    ],
    business_impact: { summary: "Short-lived; no lasting impact expected." },
    recommendations: { immediate: ["Check recent deploys."], short_term: ["Label the anomaly."], long_term: ["Add the cause to the runbook."] },
    views: { technical: "Robust z far beyond the band.", business: "A sudden jump.", executive: "One-off spike, watching." },
  };
}

type Problem = { status: number; message: string } | null;

function checkAnthropic(headers: Record<string, string | string[] | undefined>, body: unknown): Problem {
  const auth = headers["x-api-key"] ?? (typeof headers.authorization === "string" && /^Bearer \S+$/.test(headers.authorization) ? headers.authorization : undefined);
  if (!auth) return { status: 401, message: "x-api-key header or Authorization: Bearer is required" };
  if (!headers["anthropic-version"]) return { status: 400, message: "anthropic-version header is required" };
  const b = body as { model?: unknown; max_tokens?: unknown; messages?: unknown; system?: unknown } | undefined;
  if (typeof b?.model !== "string" || b.model === "") return { status: 400, message: "model: Field required" };
  if (typeof b.max_tokens !== "number" || !Number.isInteger(b.max_tokens) || b.max_tokens < 1) return { status: 400, message: "max_tokens: Field required" };
  if (!validMessages(b.messages, ["user", "assistant"])) return { status: 400, message: "messages: at least one user/assistant message is required" };
  if (b.system !== undefined && typeof b.system !== "string" && !Array.isArray(b.system)) return { status: 400, message: "system: must be a string or a list of text blocks" };
  return null;
}

function checkOpenAi(headers: Record<string, string | string[] | undefined>, body: unknown): Problem {
  if (typeof headers.authorization !== "string" || !/^Bearer \S+$/.test(headers.authorization)) return { status: 401, message: "You didn't provide an API key." };
  const b = body as { model?: unknown; messages?: unknown } | undefined;
  if (typeof b?.model !== "string" || b.model === "") return { status: 400, message: "you must provide a model parameter" };
  if (!validMessages(b.messages, ["system", "developer", "user", "assistant", "tool"])) return { status: 400, message: "messages: a non-empty list of messages is required" };
  return null;
}

function validMessages(messages: unknown, roles: string[]): boolean {
  return Array.isArray(messages) && messages.length > 0 && messages.every((m: { role?: unknown; content?: unknown }) => typeof m?.role === "string" && roles.includes(m.role) && (typeof m.content === "string" || Array.isArray(m.content)));
}

function errorReply(provider: LlmProvider, status: number, message: string): LlmReply {
  const body =
    provider === "anthropic"
      ? { type: "error", error: { type: status === 401 ? "authentication_error" : status === 400 ? "invalid_request_error" : status === 529 ? "overloaded_error" : "api_error", message } }
      : { error: { message, type: status === 401 || status === 400 ? "invalid_request_error" : "server_error", param: null, code: status === 401 ? "invalid_api_key" : null } };
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body), delayMs: 0 };
}

function anomalyIdIn(messages: Array<{ role: string; content: unknown }>): string {
  const text = messages.map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content))).join("\n");
  return /"id": "([^"]+)"/.exec(text)?.[1] ?? "unknown";
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { PointProblem } from "../src/ingest/points.ts";

/** The closed list of error kinds: one status and one problem `type` each (RFC 9457). */
export const ERRORS = {
  VALIDATION: { status: 400, title: "Invalid request" },
  UNAUTHORIZED: { status: 401, title: "Authentication required" },
  /** The password was right (or not yet checked) but a second factor is needed: the problem lists `methods`. */
  MFA_REQUIRED: { status: 401, title: "A second factor is required" },
  FORBIDDEN: { status: 403, title: "Not allowed" },
  NOT_FOUND: { status: 404, title: "Not found" },
  METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed" },
  CONFLICT: { status: 409, title: "Conflict" },
  GONE: { status: 410, title: "Gone" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Payload too large" },
  IDEMPOTENCY_MISMATCH: { status: 422, title: "Idempotency-Key reused with a different request" },
  RATE_LIMITED: { status: 429, title: "Rate limit exceeded" },
  INTERNAL: { status: 500, title: "Internal error" },
  UNAVAILABLE: { status: 503, title: "Service unavailable" },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const PROBLEM_BASE = "https://ayvlo.dev/problems/";

/** Thrown by middleware and handlers for an expected failure; rendered once, in `onError`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly errors: PointProblem[] | undefined;
  readonly headers: Record<string, string>;
  /** Extension members of the problem (RFC 9457 §3.2), e.g. `methods` of mfa-required. */
  readonly extensions: Record<string, unknown>;
  constructor(code: ErrorCode, detail: string, options: { errors?: PointProblem[]; headers?: Record<string, string>; extensions?: Record<string, unknown> } = {}) {
    super(detail);
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

export function problemType(code: ErrorCode): string {
  return PROBLEM_BASE + code.toLowerCase().replaceAll("_", "-");
}

/** Writes an RFC 9457 problem+json response. */
export function problemResponse(c: Context, error: ApiError): Response {
  const { status, title } = ERRORS[error.code];
  const body = {
    type: problemType(error.code),
    title,
    status,
    detail: error.message,
    ...error.extensions,
    ...(error.errors ? { errors: error.errors } : {}),
    request_id: c.get("requestId") as string | undefined,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", ...error.headers },
  });
}

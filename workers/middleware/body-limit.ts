import { bodyLimit } from "hono/body-limit";
import { ApiError, problemResponse } from "../errors.ts";

/** Answers 413 once a body passes `maxBytes`, whether or not Content-Length was sent. */
export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => problemResponse(c, new ApiError("PAYLOAD_TOO_LARGE", `the body is larger than ${maxBytes} bytes`)),
  });
}

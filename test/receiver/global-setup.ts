import type { TestProject } from "vitest/node";
import { startReceiver } from "./server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    receiverPort: number;
  }
}

/** Starts the local receiver once for the workers project; tests reach it as RECEIVER_URL. */
export default async function setup(project: TestProject) {
  const { server, port } = await startReceiver();
  project.provide("receiverPort", port);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

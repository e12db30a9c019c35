/**
 * Signed checkpoints of a tenant's chain head: a JWS over { tenant, seq, hash,
 * time }, written hourly to R2 and listed at /v1/audit/checkpoints. With the
 * JWKS, anyone can check offline that a signed head is ours and that the chain
 * they hold reaches it unchanged.
 */
import { z } from "zod";
import { verifyChain, type AuditEntry, type ChainHead, type ChainVerification } from "./chain.ts";
import { signJws, verifyJws, type Jwks } from "./jws.ts";

/** The JWS `typ` of a checkpoint. */
export const CHECKPOINT_TYP = "ayvlo-audit-checkpoint+jwt";

/** The signed claims of a checkpoint. */
export const CheckpointPayloadSchema = z.object({
  iss: z.literal("ayvlo"),
  sub: z.string().min(1),
  tenant_id: z.string().min(1),
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.number().int(),
  iat: z.number().int(),
});
export type CheckpointPayload = z.infer<typeof CheckpointPayloadSchema>;

/** The claims to sign for a tenant's head at `at` (epoch ms). */
export function checkpointPayload(tenantId: string, head: ChainHead, at: number): CheckpointPayload {
  return { iss: "ayvlo", sub: `tenant:${tenantId}`, tenant_id: tenantId, seq: head.seq, hash: head.hash, at, iat: Math.floor(at / 1000) };
}

/** Signs a tenant's head at `at` as a checkpoint JWS (typ CHECKPOINT_TYP, so it cannot pass for a session token or vice versa). */
export function signCheckpoint(tenantId: string, head: ChainHead, at: number, privateKey: CryptoKey, kid: string): Promise<string> {
  return signJws(checkpointPayload(tenantId, head, at), privateKey, kid, CHECKPOINT_TYP);
}

/** A verified checkpoint, or why not. */
export type CheckpointVerification = { ok: true; checkpoint: CheckpointPayload } | { ok: false; reason: "bad_jws" | "bad_claims" | "wrong_tenant" | "wrong_typ"; detail?: string };

/** Verifies a checkpoint's signature (JWKS), its claims and that it is about `tenantId`. */
export async function verifyCheckpoint(jws: string, jwks: Jwks, tenantId: string): Promise<CheckpointVerification> {
  const verified = await verifyJws(jws, jwks);
  if (!verified.ok) return { ok: false, reason: "bad_jws", detail: verified.reason };
  if (verified.header.typ !== CHECKPOINT_TYP) return { ok: false, reason: "wrong_typ" };
  const claims = CheckpointPayloadSchema.safeParse(verified.payload);
  if (!claims.success) return { ok: false, reason: "bad_claims" };
  if (claims.data.tenant_id !== tenantId || claims.data.sub !== `tenant:${tenantId}`) return { ok: false, reason: "wrong_tenant" };
  return { ok: true, checkpoint: claims.data };
}

/**
 * What the offline script does: verify each checkpoint, then the chain from
 * `start` with the checkpoints' heads as trusted anchors. A bad checkpoint
 * fails the whole check — a forged head must not pass as an unchecked one.
 */
export async function verifyChainWithCheckpoints(entries: readonly AuditEntry[], start: ChainHead, checkpoints: readonly string[], jwks: Jwks, tenantId: string): Promise<{ ok: false; reason: "bad_checkpoint"; index: number; detail: string } | ChainVerification> {
  const heads: ChainHead[] = [];
  for (const [index, jws] of checkpoints.entries()) {
    const v = await verifyCheckpoint(jws, jwks, tenantId);
    if (!v.ok) return { ok: false, reason: "bad_checkpoint", index, detail: v.detail ?? v.reason };
    heads.push({ seq: v.checkpoint.seq, hash: v.checkpoint.hash });
  }
  return verifyChain(entries, start, { checkpoints: heads });
}

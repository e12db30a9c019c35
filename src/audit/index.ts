/** The tamper-evident audit chain: canonical form, entries, erasable personal data, signed checkpoints. */
export { canonicalJson, type Json, type JsonObject } from "./canonical.ts";
export { appendEntry, entryHash, genesisHash, genesisHead, verifyChain, type AuditEntry, type AuditInput, type ChainFault, type ChainHead, type ChainVerification } from "./chain.ts";
export { eraseSubject, openPersonal, personalRefOf, sealPersonal, type OpenedPersonal, type PersonalRecord, type PersonalRef } from "./personal.ts";
export { base64UrlDecode, base64UrlEncode, exportPublicJwk, generateEs256KeyPair, jwkThumbprint, signJws, verifyJws, type Jwks, type JwsVerification, type PublicJwk } from "./jws.ts";
export { CHECKPOINT_TYP, checkpointPayload, signCheckpoint, CheckpointPayloadSchema, verifyChainWithCheckpoints, verifyCheckpoint, type CheckpointPayload, type CheckpointVerification } from "./checkpoint.ts";

import { base64UrlDecode, base64UrlEncode } from "../../src/audit/index.ts";

/**
 * A software passkey for tests: a P-256 key pair (WebCrypto) that answers
 * WebAuthn ceremonies the way a browser and authenticator would, producing
 * the JSON that navigator.credentials.create()/get() hand to the page.
 * Only "none" attestation; ES256 (COSE alg -7) credentials.
 */

// Authenticator data flags (WebAuthn §6.1).
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

const text = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

// The few CBOR shapes we need (RFC 8949): small maps, ints, text and byte strings.
function cborHead(major: number, n: number): Uint8Array {
  if (n < 24) return Uint8Array.of((major << 5) | n);
  if (n < 0x100) return Uint8Array.of((major << 5) | 24, n);
  return Uint8Array.of((major << 5) | 25, n >> 8, n & 0xff);
}
const cborInt = (n: number) => (n >= 0 ? cborHead(0, n) : cborHead(1, -1 - n));
const cborBytes = (b: Uint8Array) => concat(cborHead(2, b.length), b);
const cborText = (s: string) => concat(cborHead(3, text.encode(s).length), text.encode(s));
const cborMap = (entries: Array<[Uint8Array, Uint8Array]>) => concat(cborHead(5, entries.length), ...entries.flat());

function u32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** WebCrypto's raw r||s ECDSA signature as the ASN.1 DER SEQUENCE { r INTEGER, s INTEGER } WebAuthn requires. */
export function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (half: Uint8Array) => {
    let i = 0;
    while (i < half.length - 1 && half[i] === 0) i++;
    let body: Uint8Array = half.slice(i);
    if (body[0]! & 0x80) body = concat(Uint8Array.of(0), body);
    return concat(Uint8Array.of(0x02, body.length), body);
  };
  const r = integer(raw.slice(0, 32));
  const s = integer(raw.slice(32));
  return concat(Uint8Array.of(0x30, r.length + s.length), r, s);
}

export interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}

export interface RequestOptions {
  challenge: string;
  rpId?: string;
}

export class SoftAuthenticator {
  /** The counter the next assertion will carry (the last one sent + 1). */
  counter = 0;
  userHandle: string | null = null;

  readonly credentialId: Uint8Array;
  readonly origin: string;
  private readonly keys: CryptoKeyPair;

  private constructor(credentialId: Uint8Array, keys: CryptoKeyPair, origin: string) {
    this.credentialId = credentialId;
    this.keys = keys;
    this.origin = origin;
  }

  static async create(origin = "https://ayvlo.test"): Promise<SoftAuthenticator> {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
    return new SoftAuthenticator(crypto.getRandomValues(new Uint8Array(16)), keys, origin);
  }

  /** The credential id, base64url, as the server names it. */
  get id(): string {
    return base64UrlEncode(this.credentialId);
  }

  private clientData(type: "webauthn.create" | "webauthn.get", challenge: string, origin: string): Uint8Array {
    return text.encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create(): a "none" attestation of a new ES256 credential. */
  async register(options: CreationOptions, overrides: { origin?: string; rpId?: string } = {}) {
    const rpId = overrides.rpId ?? options.rp.id ?? new URL(this.origin).hostname;
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    const coseKey = cborMap([
      [cborInt(1), cborInt(2)], // kty: EC2
      [cborInt(3), cborInt(-7)], // alg: ES256
      [cborInt(-1), cborInt(1)], // crv: P-256
      [cborInt(-2), cborBytes(base64UrlDecode(jwk.x!)!)],
      [cborInt(-3), cborBytes(base64UrlDecode(jwk.y!)!)],
    ]);
    const attested = concat(new Uint8Array(16), Uint8Array.of(this.credentialId.length >> 8, this.credentialId.length & 0xff), this.credentialId, coseKey);
    const authData = concat(await sha256(text.encode(rpId)), Uint8Array.of(UP | UV | BE | BS | AT), u32(this.counter), attested);
    const attestationObject = cborMap([
      [cborText("fmt"), cborText("none")],
      [cborText("attStmt"), cborMap([])],
      [cborText("authData"), cborBytes(authData)],
    ]);
    this.userHandle = options.user.id;
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: {
        clientDataJSON: base64UrlEncode(this.clientData("webauthn.create", options.challenge, overrides.origin ?? this.origin)),
        attestationObject: base64UrlEncode(attestationObject),
        transports: ["internal", "hybrid"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform" as const,
    };
  }

  /**
   * navigator.credentials.get(): an assertion over authenticatorData (counter
   * moved forward unless `counter` is given) || SHA-256(clientDataJSON).
   */
  async authenticate(options: RequestOptions, overrides: { counter?: number; origin?: string } = {}) {
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    const counter = overrides.counter ?? ++this.counter;
    const authData = concat(await sha256(text.encode(rpId)), Uint8Array.of(UP | UV | BE | BS), u32(counter));
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, overrides.origin ?? this.origin);
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, concat(authData, await sha256(clientDataJSON))));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: {
        clientDataJSON: base64UrlEncode(clientDataJSON),
        authenticatorData: base64UrlEncode(authData),
        signature: base64UrlEncode(derSignature(raw)),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform" as const,
    };
  }
}

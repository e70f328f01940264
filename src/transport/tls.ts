/**
 * TLS for everything a node serves and dials. With a CA, it is mutual: the
 * node requires a client certificate signed by that CA, and verifies the peers
 * it dials against it; a certificate from elsewhere, or none, is refused.
 */
export interface TlsOptions {
  /** This node's certificate chain, PEM. */
  cert: string;
  /** Its private key, PEM. */
  key: string;
  /** The cluster's CA, PEM: when given, nodes require and verify each other's certificates. */
  ca?: string;
}

/** What Bun.serve takes. */
export function serverTls(tls: TlsOptions): Record<string, unknown> {
  return tls.ca === undefined
    ? { cert: tls.cert, key: tls.key }
    : { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true };
}

/** What Bun's fetch and WebSocket take when dialling another node. */
export function clientTls(tls: TlsOptions): Record<string, unknown> {
  return tls.ca === undefined ? { cert: tls.cert, key: tls.key } : { cert: tls.cert, key: tls.key, ca: tls.ca };
}

/**
 * What wire reports when bytes from outside are wrong: too large, malformed,
 * too deep, the wrong shape. It knows no actors: the transport that called it
 * answers the peer (BAD_REQUEST over HTTP and links).
 */
export class WireError extends Error {
  override readonly name = "WireError";
}

export function badRequest(message: string): WireError {
  return new WireError(message);
}

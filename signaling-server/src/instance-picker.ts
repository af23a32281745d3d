/**
 * Which signaling WebSocket URI POST /rooms hands out. With one instance it is
 * this instance's own public URL; a scaled-out deployment can pick the
 * least-loaded instance (or keep one shared URL behind a load balancer and
 * rely on the bus). The URI is stored with the room, so GET /rooms/:name
 * returns the same one, unless `uriForExistingRoom` says otherwise.
 */
export interface PickContext {
  roomname: string;
  /** The validated Host header of the request, when it had one. */
  requestHost: string | undefined;
  /** Whether the request came over https (directly or via a trusted proxy). */
  requestSecure?: boolean;
}

export interface InstancePicker {
  pickWebSocketUri(context: PickContext): Promise<string>;
  /**
   * The URI GET /rooms/:name hands out for a room stored with `stored`, to the
   * client that asked in `context`. Without this method, `stored` as is.
   */
  uriForExistingRoom?(stored: string, context: PickContext): Promise<string>;
}

/** Turns an http(s) base URL into the matching ws(s) URL. */
export function toWebSocketUri(publicUrl: string): string {
  const url = new URL(publicUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.search = "";
  url.hash = "";
  const text = url.toString();
  // "ws://host/" and "ws://host" name the same endpoint; the original used the short form.
  return url.pathname === "/" ? text.replace(/\/$/, "") : text;
}

/**
 * This instance's own URL: from publicUrl if set, else from the Host of the
 * request being answered. Without publicUrl the stored URI is never handed to
 * anyone else: it came from the creator's Host header, which would let one
 * client send every joiner (and their password) to a host of its choosing.
 * Each client instead gets the host it reached the API at itself, which is
 * also an absolute URI an original browser client can open as is.
 */
export class OwnUrlPicker implements InstancePicker {
  constructor(
    private readonly publicUrl: string | undefined,
    private readonly fallbackHost: () => string,
  ) {}

  async pickWebSocketUri({ requestHost, requestSecure }: PickContext): Promise<string> {
    if (this.publicUrl) return toWebSocketUri(this.publicUrl);
    return `${requestSecure ? "wss" : "ws"}://${requestHost ?? this.fallbackHost()}`;
  }

  uriForExistingRoom(_stored: string, context: PickContext): Promise<string> {
    return this.pickWebSocketUri(context);
  }
}

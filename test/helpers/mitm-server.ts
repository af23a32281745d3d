/**
 * A hostile signaling server for tests: it sits in front of a real kad
 * server and relays its HTTP API and WebSocket frames, recording everything
 * clients send it. As a man in the middle it also swaps the SDP and the
 * candidates of each initiate chain for its own node-datachannel endpoints
 * (one towards the sender, one towards the receiver) and pipes the `share`
 * channels between them, recording every byte that passes: exactly what a
 * server operator could do to a transfer that binds nothing to the code.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import type { Candidate, SessionDescription } from "../../src/protocol/signaling-messages.js";
import type { RtcChannel } from "../../src/webrtc/channel.js";
import { RtcPeer } from "../../src/webrtc/peer.js";

export interface RelayServer {
  url: string;
  /** Everything clients sent: request lines, HTTP bodies, WebSocket frames. */
  received: string[];
  /** Bytes the man in the middle saw on the share channels (text and binary). */
  piped: Uint8Array[];
  close(): Promise<void>;
}

/** Where the attacker's peers gather candidates (a browser test's namespace address: Chromium skips loopback). */
type Ice = { iceServers: never[]; bindAddress: string };

/** The attacker's two peers for one initiate chain. */
class Interception {
  readonly towardSender: Promise<RtcPeer>;
  readonly towardReceiver: Promise<RtcPeer>;
  private answerToSender: Promise<SessionDescription> | undefined;

  constructor(
    private readonly senderOffer: SessionDescription,
    private readonly piped: Uint8Array[],
    ice: Ice,
  ) {
    this.towardSender = RtcPeer.create("mitm-a", ice);
    this.towardReceiver = RtcPeer.create("mitm-b", ice).then((peer) => {
      const own = peer.createShareChannel();
      void this.pipe(peer, own, "to-receiver");
      return peer;
    });
  }

  /** Our offer to the receiver, in place of the sender's. */
  async offerToReceiver(): Promise<SessionDescription> {
    return (await this.towardReceiver).createOffer();
  }

  /** The receiver's answer goes to our peer; the sender gets ours. */
  async answerFromReceiver(answer: SessionDescription): Promise<SessionDescription> {
    (await this.towardReceiver).acceptAnswer(answer);
    this.answerToSender ??= this.towardSender.then(async (peer) => {
      const reply = await peer.acceptOffer(this.senderOffer);
      const own = peer.createShareChannel();
      void this.pipe(peer, own, "to-sender");
      return reply;
    });
    return this.answerToSender;
  }

  async candidatesFromSender(candidates: Candidate[]): Promise<Candidate[]> {
    (await this.towardSender).addRemoteCandidates(candidates);
    return (await this.towardReceiver).localCandidates();
  }

  async candidatesFromReceiver(candidates: Candidate[]): Promise<Candidate[]> {
    (await this.towardReceiver).addRemoteCandidates(candidates);
    return (await this.towardSender).localCandidates();
  }

  /** What arrives on `peer`'s remote channel goes out on the other peer's own channel. */
  private async pipe(peer: RtcPeer, own: RtcChannel, direction: "to-receiver" | "to-sender") {
    const other = direction === "to-receiver" ? this.towardSender : this.towardReceiver;
    const from = await (await other).remoteChannel.promise.catch(() => undefined);
    if (!from) return;
    await own.opened.catch(() => undefined);
    let chain = Promise.resolve();
    from.onMessage((message) => {
      this.piped.push(typeof message === "string" ? new TextEncoder().encode(message) : message);
      chain = chain.then(async () => {
        if (!own.isOpen) return;
        if (typeof message === "string") own.sendText(message);
        else await own.sendBinary(message);
      });
      chain.catch(() => undefined);
    });
    peer.lost.promise.catch(() => undefined);
  }

  close(): void {
    void this.towardSender.then((peer) => peer.close());
    void this.towardReceiver.then((peer) => peer.close());
  }
}

type Frame = { type?: string; payload?: unknown; id?: string; replyId?: string };

function isDescription(value: unknown): value is SessionDescription {
  return typeof value === "object" && value !== null && "sdp" in value && "type" in value;
}

/** The same description with another DTLS fingerprint: the peer's certificate will not match it. */
function spoilFingerprint(description: SessionDescription): SessionDescription {
  const sdp = description.sdp.replace(/(a=fingerprint:\S+ )([0-9A-F])/i, (_, head, digit) => {
    return `${head}${digit === "0" ? "1" : "0"}`;
  });
  return { ...description, sdp };
}

/**
 * Starts the relay in front of `upstream` (http://host:port). With `intercept`
 * it is a man in the middle of every initiate chain; with `spoilAnswers`
 * (and no `intercept`) it only changes the fingerprint in that many first
 * answers, so that DTLS refuses those connections.
 */
export async function startRelayServer(
  upstream: string,
  options: { intercept: boolean; bindAddress?: string; spoilAnswers?: number },
): Promise<RelayServer> {
  let answersToSpoil = options.spoilAnswers ?? 0;
  const ice: Ice = { iceServers: [], bindAddress: options.bindAddress ?? "127.0.0.1" };
  const received: string[] = [];
  const piped: Uint8Array[] = [];
  const interceptions: Interception[] = [];
  const target = new URL(upstream);
  let self = "";

  const http = createServer((req, res) => relayHttp(req, res));
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => "signaling" });
  http.on("upgrade", (req, socket, head) => {
    received.push(`${req.method} ${req.url}`);
    wss.handleUpgrade(req, socket, head, (client) => relaySocket(client, req));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  self = `127.0.0.1:${(http.address() as AddressInfo).port}`;

  function relayHttp(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      received.push(`${req.method} ${req.url}\n${body.toString()}`);
      const forward = request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => parts.push(chunk));
          answer.on("end", () => {
            const text = Buffer.concat(parts).toString().replaceAll(target.host, self);
            const headers = { ...answer.headers };
            delete headers["content-length"];
            res.writeHead(answer.statusCode ?? 502, headers);
            res.end(text);
          });
        },
      );
      forward.on("error", () => res.destroy());
      forward.end(body);
    });
  }

  function relaySocket(client: WebSocket, req: IncomingMessage): void {
    const server = new WebSocket(`ws://${target.host}${req.url ?? "/"}`, "signaling");
    const pending: string[] = [];
    let fromClient = Promise.resolve();
    let fromServer = Promise.resolve();
    const toServer = (text: string) => {
      if (server.readyState === WebSocket.OPEN) server.send(text);
      else pending.push(text);
    };
    server.on("open", () => {
      for (const text of pending.splice(0)) server.send(text);
    });
    /** Per socket: the chain this member is part of, and as which side. */
    const role: { interception?: Interception; side?: "sender" | "receiver" } = {};
    client.on("message", (data) => {
      const text = data.toString();
      received.push(text);
      fromClient = fromClient.then(async () => toServer(await rewriteFromClient(text, role)));
      fromClient.catch(() => client.close());
    });
    server.on("message", (data) => {
      const text = data.toString();
      fromServer = fromServer.then(() => {
        noteFromServer(text, role);
        if (client.readyState === WebSocket.OPEN) client.send(text);
      });
    });
    client.on("close", () => server.close());
    server.on("close", () => client.close());
    server.on("error", () => client.close());
  }

  /** The server forwarding an initiate makes this member the receiver of the newest chain. */
  function noteFromServer(text: string, role: { interception?: Interception; side?: string }) {
    if (!options.intercept) return;
    const frame = JSON.parse(text) as Frame;
    if (frame.type === "initiate") {
      role.interception = interceptions.at(-1);
      role.side = "receiver";
    }
  }

  async function rewriteFromClient(
    text: string,
    role: { interception?: Interception; side?: "sender" | "receiver" },
  ): Promise<string> {
    if (answersToSpoil > 0) {
      const frame = JSON.parse(text) as Frame;
      if (isDescription(frame.payload) && frame.payload.type === "answer") {
        answersToSpoil -= 1;
        return JSON.stringify({ ...frame, payload: spoilFingerprint(frame.payload) });
      }
    }
    if (!options.intercept) return text;
    const frame = JSON.parse(text) as Frame;
    if (frame.type === "initiate") {
      const payload = frame.payload as { id: string; offerSDP: SessionDescription };
      const interception = new Interception(payload.offerSDP, piped, ice);
      interceptions.push(interception);
      role.interception = interception;
      role.side = "sender";
      const offerSDP = await interception.offerToReceiver();
      return JSON.stringify({ ...frame, payload: { ...payload, offerSDP } });
    }
    const interception = role.interception;
    if (!interception || frame.replyId === undefined) return text;
    if (role.side === "receiver" && isDescription(frame.payload)) {
      const payload = await interception.answerFromReceiver(frame.payload);
      return JSON.stringify({ ...frame, payload });
    }
    if (Array.isArray(frame.payload)) {
      const candidates = frame.payload as Candidate[];
      const payload =
        role.side === "sender"
          ? await interception.candidatesFromSender(candidates)
          : await interception.candidatesFromReceiver(candidates);
      return JSON.stringify({ ...frame, payload });
    }
    return text;
  }

  return {
    url: `http://${self}`,
    received,
    piped,
    close: async () => {
      for (const interception of interceptions) interception.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

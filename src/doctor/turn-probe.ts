/**
 * Whether a TURN allocation succeeds with the credentials the server gave:
 * a relay-only peer connection gathers, and a `typ relay` candidate is the
 * proof that coturn accepted them and allocated a relay address.
 */
import type { IceServerSpec } from "../webrtc/ice-servers.js";
import { guarded, loadNative } from "../webrtc/native.js";

export async function probeTurn(
  server: IceServerSpec,
  timeoutMs: number,
): Promise<string | undefined> {
  const native = await loadNative();
  const pc = new native.PeerConnection("kad-doctor", {
    iceServers: [server],
    iceTransportPolicy: "relay",
  });
  try {
    return await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      pc.onLocalCandidate(
        guarded(
          (candidate: string) => {
            const fields = candidate.replace(/^a=/, "").split(/\s+/);
            if (fields[7] !== "relay") return;
            clearTimeout(timer);
            resolve(`${fields[4]}:${fields[5]}`);
          },
          () => resolve(undefined),
        ),
      );
      pc.createDataChannel("doctor");
    });
  } finally {
    try {
      pc.close();
    } catch {
      // Already closed.
    }
  }
}

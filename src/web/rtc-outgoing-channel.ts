/**
 * This side's RTCDataChannel as the engine's OutgoingChannel: backpressure
 * through `bufferedAmount` and the `bufferedamountlow` event, with the
 * engine's water marks, and a closed channel as a failure of every wait.
 */
import type { OutgoingChannel } from "../engine/ports.js";
import { HIGH_WATER_BYTES, LOW_WATER_BYTES } from "../engine/transfer-limits.js";
import { KadError } from "../util/errors.js";
import { channelClosed } from "./channel-waits.js";

/** How often `drain` looks at the send buffer: the low-water event fires above zero. */
const DRAIN_POLL_MS = 50;

export function channelGone(): KadError {
  return new KadError("PEER_LEFT", "the other side left before the transfer finished");
}

export function rtcOutgoingChannel(
  channel: RTCDataChannel,
  pc: RTCPeerConnection,
): OutgoingChannel {
  channel.bufferedAmountLowThreshold = LOW_WATER_BYTES;
  const closed = channelClosed(channel);
  return {
    sendText: (text) => {
      if (channel.readyState !== "open") throw channelGone();
      channel.send(text);
    },
    sendBinary: async (chunk) => {
      if (channel.readyState !== "open") throw channelGone();
      channel.send(chunk as Uint8Array<ArrayBuffer>);
      if (channel.bufferedAmount <= HIGH_WATER_BYTES) return;
      await Promise.race([belowLowWater(channel), closed]);
      if (channel.readyState !== "open") throw channelGone();
    },
    get maxMessageSize() {
      return pc.sctp?.maxMessageSize ?? 0;
    },
    drain: () => Promise.race([emptied(channel), closed]),
    closedWithin: async (ms) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      });
      const result = await Promise.race([closed.then(() => true), timeout]);
      clearTimeout(timer);
      return result;
    },
  };
}

function belowLowWater(channel: RTCDataChannel): Promise<void> {
  if (channel.bufferedAmount <= channel.bufferedAmountLowThreshold) return Promise.resolve();
  return new Promise((resolve) => {
    channel.addEventListener("bufferedamountlow", () => resolve(), { once: true });
  });
}

function emptied(channel: RTCDataChannel): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (channel.bufferedAmount === 0 || channel.readyState !== "open") resolve();
      else setTimeout(check, DRAIN_POLL_MS);
    };
    check();
  });
}

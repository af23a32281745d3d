import { describe, expect, it } from "vitest";
import { withCandidates } from "../../../src/webrtc/early-candidates.js";

const HOST = "candidate:1 1 UDP 2114977791 127.0.0.1 54955 typ host";
const SRFLX = "candidate:2 1 UDP 1686052607 203.0.113.9 40000 typ srflx raddr 0.0.0.0 rport 0";

function candidate(line: string) {
  return { candidate: line, sdpMid: "0", sdpMLineIndex: 0 };
}

describe("withCandidates", () => {
  it("appends each candidate as an a= line at the end of the description", () => {
    const offer = {
      type: "offer" as const,
      sdp: "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n",
    };
    const result = withCandidates(offer, [candidate(HOST), candidate(SRFLX)]);
    expect(result.type).toBe("offer");
    expect(result.sdp).toBe(`${offer.sdp}a=${HOST}\r\na=${SRFLX}\r\n`);
  });

  it("keeps the description's own line ending and skips candidates it already has", () => {
    const answer = { type: "answer" as const, sdp: `v=0\na=mid:0\na=${HOST}\n` };
    expect(withCandidates(answer, [candidate(HOST)])).toBe(answer);
    expect(withCandidates(answer, [candidate(HOST), candidate(SRFLX)]).sdp).toBe(
      `v=0\na=mid:0\na=${HOST}\na=${SRFLX}\n`,
    );
  });

  it("without candidates, the description is unchanged", () => {
    const offer = { type: "offer" as const, sdp: "v=0\r\n" };
    expect(withCandidates(offer, [])).toBe(offer);
  });
});

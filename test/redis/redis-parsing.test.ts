/** The pure parts of the Redis layer: key names, membership entries, member lists. */
import { describe, expect, it } from "vitest";
import {
  instanceChannel,
  membershipEntry,
  parseMembershipEntry,
  roomKey,
  roomMembersKey,
} from "../../signaling-server/src/redis/redis-keys.js";
import { parseMembers } from "../../signaling-server/src/redis/redis-room-store.js";

describe("Redis keys", () => {
  it("puts a room and its members in one cluster slot, one channel per instance shard", () => {
    expect(roomKey("7-tiger-piano")).toBe("kad:room:{7-tiger-piano}");
    expect(roomMembersKey("7-tiger-piano")).toBe("kad:room:{7-tiger-piano}:members");
    expect(instanceChannel("ab12")).toBe("kad:bus:{ab12}");
  });

  it.each([
    ["room-1/peer", { roomName: "room-1", peerId: "peer" }],
    ["room-1/peer/with/slash", { roomName: "room-1", peerId: "peer/with/slash" }],
    ["/peer", null],
    ["room-1/", null],
    ["no-separator", null],
  ])("parses the membership entry %j", (entry, expected) => {
    expect(parseMembershipEntry(entry)).toEqual(expected);
  });

  it("round-trips membership entries", () => {
    expect(parseMembershipEntry(membershipEntry("abcde", "f00"))).toEqual({
      roomName: "abcde",
      peerId: "f00",
    });
  });
});

describe("parseMembers", () => {
  it("orders by join sequence, keeps colons in names and skips malformed entries", () => {
    expect(
      parseMembers({
        p3: "10:carol",
        p1: "2:alice: the first",
        broken: "no-sequence",
        p2: "9:bob",
        empty: ":x",
        nan: "abc:mallory",
      }),
    ).toEqual([
      { peerId: "p1", username: "alice: the first" },
      { peerId: "p2", username: "bob" },
      { peerId: "p3", username: "carol" },
    ]);
  });
});

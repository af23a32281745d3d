/** The signaling WebSocket: handshake, `connect` with every reply, and `users` (browser-protocol.md section 2). */
import { describe, expect, it } from "vitest";
import { MemoryRoomStore, type RoomStore } from "../../signaling-server/src/index.js";
import { POLL, uniqueRoom, useServer } from "./harness.js";
import { HandshakeRefused, SignalingClient } from "./signaling-client.js";

describe("the handshake", () => {
  it("accepts the signaling subprotocol and refuses a socket without it", async () => {
    const harness = await useServer();
    const client = await harness.open();
    expect(client.socket.protocol).toBe("signaling");
    await expect(SignalingClient.open(harness.wsUrl, { protocol: null })).rejects.toEqual(
      new HandshakeRefused(400),
    );
    await expect(SignalingClient.open(harness.wsUrl, { protocol: "chat" })).rejects.toEqual(
      new HandshakeRefused(400),
    );
  });

  it("refuses origins outside the allowlist", async () => {
    const harness = await useServer({ allowOrigins: ["https://kad.example"] });
    await expect(
      SignalingClient.open(harness.wsUrl, { origin: "https://evil.example" }),
    ).rejects.toEqual(new HandshakeRefused(403));
    const allowed = await harness.open({ origin: "https://kad.example" });
    expect(allowed.socket.protocol).toBe("signaling");
  });
});

describe("connect", () => {
  it("joins an open room: {err: null}", async () => {
    const harness = await useServer();
    const name = uniqueRoom();
    await harness.createRoom(name);
    const client = await harness.open();
    expect(await client.request("connect", { username: "alice", roomname: name })).toEqual({
      replyId: expect.any(String),
      payload: { err: null },
    });
  });

  it("answers notfound for an unknown room and for a malformed name", async () => {
    const harness = await useServer();
    const client = await harness.open();
    expect(
      (await client.request("connect", { username: "a", roomname: "no-such-room" })).payload,
    ).toEqual({ err: "notfound" });
    expect((await client.request("connect", { username: "a", roomname: "../x" })).payload).toEqual({
      err: "notfound",
    });
  });

  it("answers USERNAME_CONFLICT for a taken name, and frees it when its owner leaves", async () => {
    const harness = await useServer();
    const name = uniqueRoom();
    const [alice] = (await harness.roomWith(name, "alice")) as [SignalingClient];
    const second = await harness.open();
    expect(
      (await second.request("connect", { username: "alice", roomname: name })).payload,
    ).toEqual({ err: "USERNAME_CONFLICT" });
    await alice.close();
    await expect
      .poll(
        async () =>
          (await second.request("connect", { username: "alice", roomname: name })).payload,
        POLL,
      )
      .toEqual({ err: null });
  });

  it("checks passwords: CREDENTIALS when missing or wrong, joined when right", async () => {
    const harness = await useServer();
    const name = uniqueRoom();
    await harness.createRoom(name, "correct horse");
    const client = await harness.open();
    // The creator's own connect carries no password key; a joiner by link sends "".
    expect((await client.request("connect", { username: "a", roomname: name })).payload).toEqual({
      err: "CREDENTIALS",
    });
    expect(
      (await client.request("connect", { username: "a", roomname: name, password: "" })).payload,
    ).toEqual({ err: "CREDENTIALS" });
    expect(
      (
        await client.request("connect", {
          username: "a",
          roomname: name,
          password: "Correct horse",
        })
      ).payload,
    ).toEqual({ err: "CREDENTIALS" });
    expect(
      (
        await client.request("connect", {
          username: "a",
          roomname: name,
          password: "correct horse",
        })
      ).payload,
    ).toEqual({ err: null });
  });

  it("ignores a password sent to an open room", async () => {
    const harness = await useServer();
    const name = uniqueRoom();
    await harness.createRoom(name);
    const client = await harness.open();
    expect(
      (await client.request("connect", { username: "a", roomname: name, password: "" })).payload,
    ).toEqual({ err: null });
  });

  it("answers INTERNAL_ERROR when the store fails", async () => {
    const store = new MemoryRoomStore();
    const harness = await useServer({ store: store as RoomStore });
    const name = uniqueRoom();
    await harness.createRoom(name);
    const addMember = store.addMember.bind(store);
    store.addMember = () => Promise.reject(new Error("store down"));
    const client = await harness.open();
    expect((await client.request("connect", { username: "a", roomname: name })).payload).toEqual({
      err: "INTERNAL_ERROR",
    });
    // Once the store is back, the same socket joins: nothing half-done was left behind.
    store.addMember = addMember;
    expect((await client.request("connect", { username: "a", roomname: name })).payload).toEqual({
      err: null,
    });
    await store.close();
  });

  it("stays joined when only the expiry refresh fails", async () => {
    const store = new MemoryRoomStore();
    const harness = await useServer({ store: store as RoomStore });
    const name = uniqueRoom();
    await harness.createRoom(name);
    store.refreshRoom = () => Promise.reject(new Error("store hiccup"));
    const client = await harness.open();
    expect((await client.request("connect", { username: "a", roomname: name })).payload).toEqual({
      err: null,
    });
    expect((await client.request("users", {})).payload).toEqual([]);
    await store.close();
  });

  it("answers INVALID_REQUEST to a malformed payload and ALREADY_JOINED to a second connect", async () => {
    const harness = await useServer();
    const name = uniqueRoom();
    const [alice] = (await harness.roomWith(name, "alice")) as [SignalingClient];
    const stranger = await harness.open();
    for (const payload of [
      { username: "", roomname: name },
      { roomname: name },
      "x",
      null,
      { username: 1, roomname: name },
    ]) {
      expect((await stranger.request("connect", payload)).payload).toEqual({
        err: "INVALID_REQUEST",
      });
    }
    expect((await alice.request("connect", { username: "again", roomname: name })).payload).toEqual(
      { err: "ALREADY_JOINED" },
    );
  });

  it("honours only connect before joining", async () => {
    const harness = await useServer();
    const client = await harness.open();
    client.send({ type: "users", payload: {}, id: "u1" });
    client.send({ type: "initiate", payload: {}, id: "i1" });
    const name = uniqueRoom();
    await harness.createRoom(name);
    const reply = await client.request("connect", { username: "a", roomname: name });
    expect(reply.payload).toEqual({ err: null });
    expect(client.frames).toEqual([]);
  });
});

describe("users", () => {
  it("pushes the other members to everyone else on join and leave, and answers requests", async () => {
    const harness = await useServer();
    const name = uniqueRoom();
    const [alice] = (await harness.roomWith(name, "alice")) as [SignalingClient];
    const aliceList = (await alice.request("users", {})).payload;
    expect(aliceList).toEqual([]);

    const bob = await harness.open();
    const aliceSeesBob = alice.nextUsers();
    await bob.request("connect", { username: "bob", roomname: name });
    const pushed = (await aliceSeesBob).payload as Array<{ id: string; name: string }>;
    expect(pushed).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{32}$/), name: "bob" }]);
    const bobList = (await bob.request("users", {})).payload as Array<{ id: string; name: string }>;
    expect(bobList).toEqual([{ id: expect.any(String), name: "alice" }]);
    expect(bob.frames.filter((f) => f.type === "users")).toEqual([]);

    const carol = await harness.open();
    const aliceSeesCarol = alice.nextUsers();
    const bobSeesCarol = bob.nextUsers();
    await carol.request("connect", { username: "carol", roomname: name });
    expect(((await aliceSeesCarol).payload as Array<{ name: string }>).map((m) => m.name)).toEqual([
      "bob",
      "carol",
    ]);
    expect(((await bobSeesCarol).payload as Array<{ name: string }>).map((m) => m.name)).toEqual([
      "alice",
      "carol",
    ]);

    const aliceSeesLeave = alice.nextUsers();
    const carolSeesLeave = carol.nextUsers();
    await bob.close();
    expect((await aliceSeesLeave).payload).toEqual([{ id: expect.any(String), name: "carol" }]);
    expect((await carolSeesLeave).payload).toEqual([{ id: expect.any(String), name: "alice" }]);
  });

  it("keeps rooms apart", async () => {
    const harness = await useServer();
    const [alice] = (await harness.roomWith(uniqueRoom(), "alice")) as [SignalingClient];
    await harness.roomWith(uniqueRoom(), "bob");
    expect((await alice.request("users", {})).payload).toEqual([]);
    expect(alice.frames).toEqual([]);
  });
});

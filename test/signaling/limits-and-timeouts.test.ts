/** Every limit and timer of the server, driven by a fake clock where time matters. */
import { describe, expect, it } from "vitest";
import { MAX_PENDING_PER_REQUESTER } from "../../signaling-server/src/ws/pending-relays.js";
import { ANSWER, OFFER, peerIdOf } from "./chain-helpers.js";
import { FakeClock } from "./fake-clock.js";
import { POLL, uniqueRoom, useServer } from "./harness.js";
import { HandshakeRefused, type SignalingClient } from "./signaling-client.js";

describe("connection limits", () => {
  it("refuses connections over the per-IP limit with 429, and frees the slot on close", async () => {
    const harness = await useServer({ limits: { maxConnectionsPerIp: 3 } });
    const sockets = [await harness.open(), await harness.open(), await harness.open()];
    await expect(harness.open()).rejects.toEqual(new HandshakeRefused(429));
    // Another loopback address is another client.
    await harness.open({ localAddress: "127.0.0.2" });
    await sockets[0]?.close();
    await expect
      .poll(
        () =>
          harness.open().then(
            () => true,
            () => false,
          ),
        POLL,
      )
      .toBe(true);
  });

  it("refuses connections over the global limit with 503", async () => {
    const harness = await useServer({ limits: { maxConnections: 2 } });
    await harness.open();
    await harness.open({ localAddress: "127.0.0.2" });
    await expect(harness.open({ localAddress: "127.0.0.3" })).rejects.toEqual(
      new HandshakeRefused(503),
    );
  });

  it("answers ROOM_FULL beyond the members-per-room limit", async () => {
    const harness = await useServer({ limits: { maxMembersPerRoom: 2 } });
    const name = uniqueRoom();
    await harness.roomWith(name, "alice", "bob");
    const carol = await harness.open();
    expect((await carol.request("connect", { username: "carol", roomname: name })).payload).toEqual(
      { err: "ROOM_FULL" },
    );
  });
});

const QUIET_TIMERS = { unjoinedIdleMs: 3_600_000, pingIntervalMs: 3_600_000 };

async function join(
  client: SignalingClient,
  roomname: string,
  username: string,
  password: string,
): Promise<unknown> {
  const reply = await client.request("connect", { username, roomname, password });
  return (reply.payload as { err: unknown }).err;
}

describe("guessing", () => {
  it("stops connect attempts from an IP after too many unknown rooms", async () => {
    const clock = new FakeClock();
    const harness = await useServer({
      clock,
      limits: { failedConnectsPerIp: 3, unjoinedIdleMs: 3_600_000, pingIntervalMs: 3_600_000 },
    });
    const name = uniqueRoom();
    await harness.createRoom(name);
    const guesser = await harness.open();
    for (let i = 0; i < 3; i += 1) {
      expect(
        (await guesser.request("connect", { username: "g", roomname: `guess-${i}-room` })).payload,
      ).toEqual({ err: "notfound" });
    }
    expect((await guesser.request("connect", { username: "g", roomname: name })).payload).toEqual({
      err: "RATE_LIMITED",
    });
    const elsewhere = await harness.open({ localAddress: "127.0.0.2" });
    expect((await elsewhere.request("connect", { username: "g", roomname: name })).payload).toEqual(
      { err: null },
    );
    clock.advance(10 * 60_000);
    expect((await guesser.request("connect", { username: "g2", roomname: name })).payload).toEqual({
      err: null,
    });
  });

  it("bounds guessing in a room without locking out the holder of the password", async () => {
    const clock = new FakeClock();
    const harness = await useServer({
      clock,
      limits: { failedConnectsPerRoom: 2, failedConnectsPerIp: 100, ...QUIET_TIMERS },
    });
    const name = uniqueRoom();
    await harness.createRoom(name, "right");
    const guessers: SignalingClient[] = [];
    for (const localAddress of ["127.0.0.2", "127.0.0.3"]) {
      const guesser = await harness.open({ localAddress });
      guessers.push(guesser);
      expect(await join(guesser, name, "g", "wrong")).toBe("CREDENTIALS");
    }
    // The room is under attack: an address that guessed wrong here gets no more tries...
    expect(await join(guessers[0] as SignalingClient, name, "g", "wrong2")).toBe("RATE_LIMITED");
    // ...while another address with the right password still gets in.
    const owner = await harness.open({ localAddress: "127.0.0.4" });
    expect(await join(owner, name, "u", "right")).toBe(null);
    const fresh = await harness.open({ localAddress: "127.0.0.5" });
    expect(await join(fresh, name, "f", "wrong")).toBe("CREDENTIALS");
    expect(await join(fresh, name, "f", "wrong")).toBe("RATE_LIMITED");
    clock.advance(10 * 60_000);
    expect(await join(fresh, name, "f", "right")).toBe(null);
  });

  it("counts password checks per IP, right or wrong", async () => {
    const harness = await useServer({
      limits: { passwordChecksPerIpPerMinute: 2, failedConnectsPerIp: 100, ...QUIET_TIMERS },
    });
    const name = uniqueRoom();
    await harness.createRoom(name, "right");
    const looper = await harness.open({ localAddress: "127.0.0.2" });
    expect(await join(looper, name, "g", "wrong")).toBe("CREDENTIALS");
    expect(await join(looper, name, "g", "wrong")).toBe("CREDENTIALS");
    expect(await join(looper, name, "g", "right")).toBe("RATE_LIMITED");
    const other = await harness.open({ localAddress: "127.0.0.3" });
    expect(await join(other, name, "u", "right")).toBe(null);
  });

  it("refuses a taken name or a full room before checking the password", async () => {
    const harness = await useServer({ limits: { maxMembersPerRoom: 2, ...QUIET_TIMERS } });
    const name = uniqueRoom();
    await harness.createRoom(name, "right");
    expect(await join(await harness.open(), name, "alice", "right")).toBe(null);
    const looper = await harness.open({ localAddress: "127.0.0.2" });
    for (let i = 0; i < 3; i += 1) {
      expect(await join(looper, name, "alice", "right")).toBe("USERNAME_CONFLICT");
    }
    expect(await join(await harness.open(), name, "bob", "right")).toBe(null);
    expect(await join(looper, name, "carol", "right")).toBe("ROOM_FULL");
    expect(harness.server.metrics.value("kad_password_checks_total")).toBe(2);
  });
});

describe("pending replies", () => {
  it("answers busy when a connection owes too many replies", async () => {
    const harness = await useServer({ limits: { maxPendingRepliesPerConnection: 2 } });
    const [alice, bob] = (await harness.roomWith(uniqueRoom(), "alice", "bob")) as [
      SignalingClient,
      SignalingClient,
    ];
    const bobId = await peerIdOf(alice, "bob");
    for (const id of ["a1", "a2", "a3"])
      alice.send({ type: "initiate", payload: { id: bobId, offerSDP: OFFER }, id });
    expect(await alice.next((f) => f.replyId === "a3")).toEqual({
      replyId: "a3",
      payload: { err: "busy" },
    });
    const first = await bob.next((f) => f.type === "initiate");
    bob.send({ replyId: first.id, payload: ANSWER });
    expect((await alice.next((f) => f.replyId === "a1")).payload).toEqual(ANSWER);
  });

  it("keeps one requester from taking all of another member's slots", async () => {
    const harness = await useServer();
    const [alice, bob, carol] = (await harness.roomWith(uniqueRoom(), "alice", "bob", "carol")) as [
      SignalingClient,
      SignalingClient,
      SignalingClient,
    ];
    const bobId = await peerIdOf(alice, "bob");
    const carolId = await peerIdOf(alice, "carol");
    for (let i = 0; i <= MAX_PENDING_PER_REQUESTER; i += 1) {
      alice.send({ type: "initiate", payload: { id: bobId, offerSDP: OFFER }, id: `a${i}` });
    }
    const last = `a${MAX_PENDING_PER_REQUESTER}`;
    expect((await alice.next((f) => f.replyId === last)).payload).toEqual({ err: "busy" });
    carol.send({ type: "initiate", payload: { id: bobId, offerSDP: OFFER }, id: "c1" });
    const fromCarol = await bob.next(
      (f) => f.type === "initiate" && (f.payload as { id: string }).id === carolId,
    );
    expect(fromCarol.id).toEqual(expect.any(String));
  });
});

/** Alice and Bob in a room on a fake-clock server; Alice's initiate a1 has reached Bob. */
async function initiateUnderFakeClock() {
  const clock = new FakeClock();
  const harness = await useServer({ clock });
  const [alice, bob] = (await harness.roomWith(uniqueRoom(), "alice", "bob")) as [
    SignalingClient,
    SignalingClient,
  ];
  const bobId = await peerIdOf(alice, "bob");
  alice.send({ type: "initiate", payload: { id: bobId, offerSDP: OFFER }, id: "a1" });
  const step2 = await bob.next((f) => f.type === "initiate");
  return { clock, harness, alice, bob, step2 };
}

describe("timers", () => {
  it("expires each initiate step after 20 s and drops the late reply", async () => {
    const { clock, harness, alice, bob, step2 } = await initiateUnderFakeClock();
    clock.advance(19_999);
    expect((await alice.request("users", {})).payload).toHaveLength(1);
    expect(alice.frames).toEqual([]);
    clock.advance(1);
    expect(await alice.next((f) => f.replyId === "a1")).toEqual({
      replyId: "a1",
      payload: { err: "timeout" },
    });
    bob.send({ replyId: step2.id, payload: ANSWER });
    expect((await bob.request("users", {})).payload).toHaveLength(1);
    expect((await alice.request("users", {})).payload).toHaveLength(1);
    expect(alice.frames).toEqual([]);
    expect(harness.server.metrics.value("kad_relay_timeouts_total")).toBe(1);
  });

  it("expires a later step on its own 20 s timer", async () => {
    const { clock, alice, bob, step2 } = await initiateUnderFakeClock();
    clock.advance(15_000);
    bob.send({ replyId: step2.id, payload: ANSWER, id: "b1" });
    await alice.next((f) => f.replyId === "a1");
    clock.advance(15_000);
    expect(bob.frames).toEqual([]);
    clock.advance(5_000);
    expect(await bob.next((f) => f.replyId === "b1")).toEqual({
      replyId: "b1",
      payload: { err: "timeout" },
    });
  });

  it("drops sockets that do not join a room in time, but not members", async () => {
    const clock = new FakeClock();
    const harness = await useServer({
      clock,
      limits: { unjoinedIdleMs: 30_000, pingIntervalMs: 600_000 },
    });
    const [member] = (await harness.roomWith(uniqueRoom(), "member")) as [SignalingClient];
    const idle = await harness.open();
    clock.advance(29_999);
    expect(idle.closeCode).toBeUndefined();
    clock.advance(1);
    expect(await idle.closed).toBe(1008);
    expect(idle.closeReason).toBe("join a room sooner");
    expect((await member.request("users", {})).payload).toEqual([]);
  });

  it("terminates sockets that stop answering pings, and keeps live ones", async () => {
    const clock = new FakeClock();
    const harness = await useServer({ clock, limits: { pingIntervalMs: 30_000 } });
    const [live, dead] = (await harness.roomWith(uniqueRoom(), "live", "dead")) as [
      SignalingClient,
      SignalingClient,
    ];
    dead.socket.pause();
    for (let round = 0; round < 3; round += 1) {
      const pinged = new Promise((resolve) => live.socket.once("ping", resolve));
      clock.advance(30_000);
      await pinged;
      // The pong went out before this request, on the same stream.
      await live.request("users", {});
    }
    expect(harness.server.metrics.value("kad_connections_open")).toBe(1);
    expect(harness.server.metrics.value("kad_frames_rejected_total", { reason: "no-pong" })).toBe(
      1,
    );
    expect((await live.request("users", {})).payload).toEqual([]);
  });

  it("keeps a room alive while a member is connected, and lets it expire after", async () => {
    const clock = new FakeClock();
    const harness = await useServer({ clock, limits: { pingIntervalMs: 3_600_000 } });
    const name = uniqueRoom();
    const [member] = (await harness.roomWith(name, "member")) as [SignalingClient];
    for (let minute = 0; minute < 60; minute += 5) clock.advance(5 * 60_000);
    expect((await fetch(`${harness.server.url}/rooms/${name}`)).status).toBe(200);
    expect(member.closeCode).toBeUndefined();
    await member.close();
    await expect.poll(() => harness.server.metrics.value("kad_members_joined"), POLL).toBe(0);
    clock.advance(29 * 60_000);
    expect((await fetch(`${harness.server.url}/rooms/${name}`)).status).toBe(200);
    clock.advance(60_000);
    expect((await fetch(`${harness.server.url}/rooms/${name}`)).status).toBe(404);
  });
});

/** Structured logs: JSON lines with levels, the events an operator needs, and no secrets. */
import { Writable } from "node:stream";
import { pino } from "pino";
import { expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";
import { uniqueRoom, useServer } from "./harness.js";

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).trim().split("\n")) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: "debug" }, stream) };
}

it("logs room creation, refusals and abuse as JSON, without room names or passwords", async () => {
  const { lines, logger } = capture();
  const clock = new FakeClock();
  const harness = await useServer({ logger, clock, limits: { framesPerSecond: 1, frameBurst: 3 } });
  const name = uniqueRoom("secret-room");
  await harness.createRoom(name, "hunter2-password");
  const guesser = await harness.open();
  await guesser.request("connect", { username: "g", roomname: name, password: "wrong-guess" });
  const flooder = await harness.open();
  for (let i = 0; i < 10; i += 1) flooder.send({ type: "users", payload: {} });
  await flooder.closed;

  const messages = lines.map((line) => line.msg);
  expect(messages).toEqual(
    expect.arrayContaining([
      "signaling server listening",
      "room created",
      "connect refused",
      "closing a flooding socket",
    ]),
  );
  expect(lines.find((line) => line.msg === "connect refused")).toMatchObject({
    level: 20,
    reply: "CREDENTIALS",
    ip: "127.0.0.1",
  });
  expect(lines.find((line) => line.msg === "closing a flooding socket")).toMatchObject({
    level: 40,
  });
  expect(lines.find((line) => line.msg === "http request")).toMatchObject({
    route: "rooms-create",
    status: 201,
  });
  await fetch(`${harness.server.url}/rooms/${name}`);
  const all = JSON.stringify(lines);
  expect(all).not.toContain(name);
  expect(all).not.toContain("hunter2");
  expect(all).not.toContain("wrong-guess");
});

import { expect, it } from "vitest";
import {
  MemoryRoomStore,
  RoomLimitError,
} from "../../signaling-server/src/store/memory-room-store.js";
import { FakeClock } from "./fake-clock.js";
import { describeRoomStore } from "./room-store-contract.js";

describeRoomStore("memory", async () => {
  const clock = new FakeClock();
  return { store: new MemoryRoomStore({ clock }), advance: (ms) => clock.advance(ms) };
});

it("refuses rooms beyond maxRooms until some expire", async () => {
  const clock = new FakeClock();
  const store = new MemoryRoomStore({ clock, maxRooms: 2 });
  const record = (name: string) => ({
    name,
    passwordHash: null,
    webSocketUri: "ws://x",
    createdAt: 0,
  });
  await store.createRoom(record("room-1"), 1000);
  await store.createRoom(record("room-2"), 5000);
  await expect(store.createRoom(record("room-3"), 1000)).rejects.toBeInstanceOf(RoomLimitError);
  clock.advance(1001);
  expect(await store.createRoom(record("room-3"), 1000)).toBe(true);
  expect(store.size).toBe(2);
  await store.close();
});

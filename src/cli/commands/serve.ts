/** `kad serve`: runs the signaling server and web page in the foreground. */
import { Command } from "commander";
import {
  addServeOptions,
  resolveServeConfig,
} from "../../../signaling-server/src/cli/serve-options.js";

export function serveCommand(): Command {
  return addServeOptions(
    new Command("serve").description(
      "run the signaling server and web page that kad send/receive and browsers meet through",
    ),
  )
    .helpOption("-h, --help", "show help")
    .showHelpAfterError("(run kad serve --help for usage)")
    .exitOverride()
    .action(async (raw) => {
      // Loaded only now, so `kad --help` never pays for the server and its logger.
      const { bundledWebRoot, runServer } = await import(
        "../../../signaling-server/src/cli/run-server.js"
      );
      await runServer(resolveServeConfig(raw, process.env, bundledWebRoot()));
    });
}

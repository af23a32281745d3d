/**
 * The logging surface the server uses. A pino logger satisfies it; the
 * default is silent so tests and embedding programs get no output unless
 * they pass one. Secrets (passwords, room names as capabilities) are never logged.
 */
export interface LogFn {
  (object: Record<string, unknown>, message?: string): void;
  (message: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const ignore: LogFn = () => {};

export const silentLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => silentLogger,
};

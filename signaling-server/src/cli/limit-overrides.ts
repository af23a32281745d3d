/**
 * `--limit name=value` (and KAD_LIMITS="name=value,..."): operators tune any
 * of the server's limits without code. Names are the keys of DEFAULT_LIMITS;
 * values are whole numbers (milliseconds for the *Ms ones).
 */
import { InvalidArgumentError } from "commander";
import { DEFAULT_LIMITS, type ServerLimits } from "../limits/server-limits.js";

type LimitName = keyof ServerLimits;
export type LimitOverrides = Partial<ServerLimits>;

export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as LimitName[];

function isLimitName(name: string): name is LimitName {
  return (LIMIT_NAMES as string[]).includes(name);
}

/** Commander parser for one `--limit name=value`; accumulates into `previous`. */
export function parseLimitOverride(text: string, previous: LimitOverrides = {}): LimitOverrides {
  const match = /^([A-Za-z]+)=(\d{1,12})$/.exec(text.trim());
  if (!match?.[1] || !match[2]) {
    throw new InvalidArgumentError("must look like name=number, e.g. maxConnectionsPerIp=256");
  }
  const [, name, value] = match;
  if (!isLimitName(name)) {
    throw new InvalidArgumentError(`unknown limit "${name}"; known: ${LIMIT_NAMES.join(", ")}`);
  }
  const number = Number(value);
  if (number < 1) throw new InvalidArgumentError(`${name} must be at least 1`);
  return { ...previous, [name]: number };
}

/** "a=1,b=2" as one environment variable. */
export function parseLimitList(text: string): LimitOverrides {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .reduce<LimitOverrides>((all, part) => parseLimitOverride(part, all), {});
}

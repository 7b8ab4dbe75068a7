/**
 * Colour level for `new Chalk({ level })`, decided once from flags and environment, in this order:
 *   --color / --no-color  >  FORCE_COLOR  >  NO_COLOR (https://no-color.org)  >  stdout is a TTY.
 * Flags win because they are the most specific request; FORCE_COLOR beats NO_COLOR as in chalk's
 * own supports-color. We use 16 colours only, so level 1 is enough unless FORCE_COLOR asks for more.
 */
export type ColorLevel = 0 | 1 | 2 | 3;

export function colorLevel(flag: boolean | undefined, env: Record<string, string | undefined>, stdoutIsTTY: boolean): ColorLevel {
  const forced = forceColorLevel(env.FORCE_COLOR);
  if (flag === false) return 0;
  if (flag === true) return forced && forced > 0 ? forced : 1;
  if (forced !== null) return forced;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!stdoutIsTTY || env.TERM === 'dumb') return 0;
  return 1;
}

/** FORCE_COLOR as chalk reads it: '' / 'true' / '1' → 1, '2', '3', '0' / 'false' → 0; unset → null. */
function forceColorLevel(v: string | undefined): ColorLevel | null {
  if (v === undefined) return null;
  if (v === '' || v === 'true') return 1;
  if (v === 'false') return 0;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 0) return Math.min(3, n) as ColorLevel;
  return null;
}

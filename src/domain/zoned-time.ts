// Wall-clock time in an IANA zone ↔ instants, with Intl only (no dependency, works inside
// Temporal's workflow sandbox). A wall time inside a spring-forward gap moves forward to the
// first valid minute after it; one inside an autumn overlap takes its first occurrence.
export interface WallTime { year: number; month: number; day: number; hour: number; minute: number }

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading of an instant in a zone. */
export function wallTimeOf(instant: Date, timeZone: string): WallTime & { second: number } {
  const values: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') values[part.type] = Number(part.value);
  }
  return { year: values.year!, month: values.month!, day: values.day!, hour: values.hour!, minute: values.minute!, second: values.second! };
}

/** Offset of the zone from UTC at an instant, in minutes (Paris in winter: +60). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const w = wallTimeOf(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

function sameWall(a: WallTime, b: WallTime): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute;
}

/**
 * The instant a wall-clock time happens in a zone. In a gap (02:30 on a spring-forward night in
 * Paris does not exist) the result is the wall time shifted by the gap (03:30); in an overlap
 * (02:30 on an autumn night happens twice) it is the first of the two.
 */
export function instantOfWallTime(wall: WallTime, timeZone: string): Date {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // Try the offsets in force a day either side: one of them gives back the same wall time.
  const candidates = [...new Set([offsetMinutes(new Date(naive - 86_400_000), timeZone), offsetMinutes(new Date(naive + 86_400_000), timeZone)])]
    .map((offset) => new Date(naive - offset * 60_000))
    .filter((instant) => sameWall(wallTimeOf(instant, timeZone), wall))
    .sort((a, b) => a.getTime() - b.getTime());
  if (candidates[0]) return candidates[0];
  // In a gap: read the wall time with the offset before the transition, which lands after it.
  const before = offsetMinutes(new Date(naive - 86_400_000), timeZone);
  return new Date(naive - before * 60_000);
}

/** The calendar date `days` days after a wall date (handles month and year ends). */
export function addCalendarDays(wall: Pick<WallTime, 'year' | 'month' | 'day'>, days: number): Pick<WallTime, 'year' | 'month' | 'day'> {
  const d = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

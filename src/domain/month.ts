// A cycle month is the string `YYYY-MM`: it sorts, compares and reads without time-zone doubt.
// Pure: used by workflows, activities and the CLI alike.
export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

export class InvalidMonthError extends Error {
  constructor(value: string) {
    super(`month must look like YYYY-MM (e.g. 2026-12), got "${value}"`);
    this.name = 'InvalidMonthError';
  }
}

export function assertMonth(value: string): string {
  if (!MONTH_PATTERN.test(value)) throw new InvalidMonthError(value);
  return value;
}

/** The month an instant falls in, on the calendar of a time zone (18:00 Paris on the 5th is the 5th). */
export function monthOf(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(instant);
  const year = parts.find((p) => p.type === 'year')?.value ?? '';
  const month = parts.find((p) => p.type === 'month')?.value ?? '';
  return `${year}-${month}`;
}

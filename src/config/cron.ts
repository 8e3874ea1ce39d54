/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) in
 * an IANA time zone, as GitHub Actions' `schedule` writes them: numbers,
 * `*`, lists, ranges and steps. Only what the App needs: parse, and the
 * latest slot at or before a moment.
 */

export interface CronSchedule {
  expression: string;
  timezone: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  /** True when day-of-month or day-of-week was restricted (cron ORs them when both are). */
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

/** Parse `expression` in `timezone`; throws an Error naming the bad field and what is allowed. */
export function parseCron(expression: string, timezone = "UTC"): CronSchedule {
  checkTimezone(timezone);
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new Error(
      `cron "${expression}": expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  const sets = parts.map((part, i) => parseField(part, FIELDS[i]!, expression));
  const weekdays = new Set([...sets[4]!].map((d) => d % 7));
  return {
    expression,
    timezone,
    minutes: sets[0]!,
    hours: sets[1]!,
    days: sets[2]!,
    months: sets[3]!,
    weekdays,
    daysRestricted: parts[2] !== "*",
    weekdaysRestricted: parts[4] !== "*",
  };
}

/** Throws when `timezone` is not an IANA zone name this runtime knows. */
export function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new Error(
      `timezone "${timezone}" is not an IANA time zone name (e.g. UTC, Europe/Paris)`,
    );
  }
}

function parseField(text: string, field: (typeof FIELDS)[number], expression: string): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const match = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(item);
    if (!match) {
      throw new Error(
        `cron "${expression}": ${field.name} "${item}" is not a number, *, range or step`,
      );
    }
    const step = match[3] ? Number(match[3]) : 1;
    const from = match[1] === "*" ? field.min : Number(match[1]);
    const to = match[2] ? Number(match[2]) : match[1] === "*" || match[3] ? field.max : from;
    if (from < field.min || to > field.max || from > to || step < 1) {
      throw new Error(
        `cron "${expression}": ${field.name} "${item}" is outside ${field.min}-${field.max}`,
      );
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

interface LocalTime {
  minute: number;
  hour: number;
  day: number;
  month: number;
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

const formatters = new Map<string, Intl.DateTimeFormat>();

function localTime(date: Date, timezone: string): LocalTime {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      minute: "numeric",
      hour: "numeric",
      day: "numeric",
      month: "numeric",
      weekday: "short",
    });
    formatters.set(timezone, format);
  }
  const parts = format.formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    minute: Number(get("minute")),
    hour: Number(get("hour")),
    day: Number(get("day")),
    month: Number(get("month")),
    weekday: WEEKDAYS[get("weekday")] ?? 0,
  };
}

/** True when the minute starting at `date` is a slot of `schedule`. */
export function matchesCron(schedule: CronSchedule, date: Date): boolean {
  const t = localTime(date, schedule.timezone);
  if (!schedule.minutes.has(t.minute) || !schedule.hours.has(t.hour)) return false;
  if (!schedule.months.has(t.month)) return false;
  const dayOk = schedule.days.has(t.day);
  const weekdayOk = schedule.weekdays.has(t.weekday);
  if (schedule.daysRestricted && schedule.weekdaysRestricted) return dayOk || weekdayOk;
  return dayOk && weekdayOk;
}

/**
 * The latest slot at or before `now` (a whole minute, UTC instant), looking
 * back at most `lookbackMinutes`; null when none. Walking minute by minute is
 * cheap at this scale and needs no time-zone arithmetic.
 */
export function latestSlot(
  schedule: CronSchedule,
  now: Date,
  lookbackMinutes = 8 * 24 * 60,
): Date | null {
  const start = Math.floor(now.getTime() / 60_000) * 60_000;
  for (let i = 0; i <= lookbackMinutes; i++) {
    const candidate = new Date(start - i * 60_000);
    if (matchesCron(schedule, candidate)) return candidate;
  }
  return null;
}

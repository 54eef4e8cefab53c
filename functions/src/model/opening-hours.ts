import { z } from "zod";
import { dateFormat } from "./date-format";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** "09:00-13:00": opening and closing time of the same day, local time; "24:00" closes at midnight. */
const rangeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must look like "09:00-19:00"')
  .refine((range) => toMinutes(range.slice(0, 5)) < toMinutes(range.slice(6)), "must close after it opens");

function isTimeZone(name: string): boolean {
  try {
    dateFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * `vendor_configs.openingHours`: the hours the shop answers as open; a day left out is closed.
 * e.g. { timeZone: "Africa/Dakar", weekly: { mon: ["09:00-13:00", "15:00-19:00"], sat: ["10:00-14:00"] } }
 */
export const openingHoursSchema = z.object({
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "Africa/Dakar"').default("Africa/Dakar"),
  weekly: z
    .strictObject(
      Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(rangeSchema).optional()])) as Record<
        Weekday,
        z.ZodOptional<z.ZodArray<typeof rangeSchema>>
      >,
    )
    .refine(
      (weekly) => Object.values(weekly).some((ranges) => (ranges?.length ?? 0) > 0),
      "must open at least once a week (leave openingHours out to stay always open)",
    ),
});
export type OpeningHours = z.infer<typeof openingHoursSchema>;

export interface LocalTime {
  weekday: number; // 0 = Monday
  minutes: number; // since local midnight
  hhmm: string;
}

const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

export function localTime(now: Date, timeZone: string): LocalTime {
  const parts = dateFormat("en-US", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const hhmm = `${part("hour")}:${part("minute")}`;
  return { weekday: WEEKDAY_INDEX[part("weekday")] ?? 0, minutes: toMinutes(hhmm), hhmm };
}

export type OpenVerdict = { open: true } | { open: false; next?: { daysAhead: number; weekday: number; time: string } };

/** Whether the shop is open at `now`, and if not, when it opens next (within a week). */
export function openingVerdict(hours: OpeningHours, now: Date): OpenVerdict {
  const here = localTime(now, hours.timeZone);
  for (let daysAhead = 0; daysAhead <= 7; daysAhead += 1) {
    const weekday = (here.weekday + daysAhead) % 7;
    const ranges = [...(hours.weekly[WEEKDAYS[weekday]!] ?? [])].sort();
    for (const range of ranges) {
      const opens = toMinutes(range.slice(0, 5));
      const closes = toMinutes(range.slice(6));
      if (daysAhead === 0 && here.minutes >= opens && here.minutes < closes) return { open: true };
      if (daysAhead > 0 || opens > here.minutes)
        return { open: false, next: { daysAhead, weekday, time: range.slice(0, 5) } };
    }
  }
  return { open: false };
}

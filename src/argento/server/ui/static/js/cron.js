// Next run times of a cron schedule (the five standard fields, names, ranges, steps, and the @descriptors
// Argo accepts), in the CronWorkflow's timezone. Skips ahead by day and hour, so a year of look-ahead costs
// a few thousand steps at most.

const DESCRIPTORS = {
  "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
};
const NAMES = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
  sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6,
};
const RANGES = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

function field(text, [lo, hi]) {
  const allowed = new Set();
  for (const part of text.toLowerCase().split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText ? Number(stepText) : 1;
    let a = lo;
    let b = hi;
    if (range !== "*" && range !== "?") {
      const [x, y] = range.split("-").map((v) => (v in NAMES ? NAMES[v] : Number(v)));
      a = x;
      b = y ?? (stepText ? hi : x);
    }
    if (![a, b, step].every(Number.isInteger) || step < 1 || a < lo || b > hi) throw new Error(`bad cron field ${part}`);
    for (let v = a; v <= b; v += step) allowed.add(v);
  }
  return allowed;
}

/** Parse a schedule into matchers; throws on a malformed one. */
export function parseCron(schedule) {
  const text = DESCRIPTORS[schedule.trim()] || schedule.trim();
  const every = /^@every\s+(\S+)$/.exec(text);
  if (every) return { every: parseDuration(every[1]) };
  const parts = text.split(/\s+/);
  if (parts.length === 6 && parts[0].startsWith("CRON_TZ=")) parts.shift();
  if (parts.length !== 5) throw new Error(`expected 5 cron fields in ${schedule}`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => field(p, RANGES[i]));
  if (dow.has(7)) dow.add(0);
  return { minute, hour, dom, month, dow, domAny: parts[2] === "*" || parts[2] === "?", dowAny: parts[4] === "*" || parts[4] === "?" };
}

/** Go duration ("1h30m", "90s") in milliseconds. */
export function parseDuration(text) {
  const units = { ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  let rest = text;
  const re = /^(\d+(?:\.\d+)?)(ms|s|m|h)/;
  while (rest) {
    const m = re.exec(rest);
    if (!m) throw new Error(`bad duration ${text}`);
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

function partsIn(tz) {
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: tz || undefined, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
    hour: "numeric", minute: "numeric", weekday: "short",
  });
  const days = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
  return (t) => {
    const p = {};
    for (const { type, value } of fmt.formatToParts(t)) p[type] = value;
    return { month: +p.month, day: +p.day, hour: +p.hour, minute: +p.minute, weekday: days[p.weekday] };
  };
}

/** The next `count` run times (Date) of `schedule` after `from`, in timezone `tz` (IANA name or ""). */
export function nextRuns(schedule, { tz = "", count = 5, from = new Date(), last = null } = {}) {
  const spec = parseCron(schedule);
  if (spec.every) {
    let t = (last ? new Date(last).getTime() : from.getTime()) + spec.every;
    while (t <= from.getTime()) t += spec.every;
    return Array.from({ length: count }, (_, i) => new Date(t + i * spec.every));
  }
  const at = partsIn(tz);
  const out = [];
  let t = Math.floor(from.getTime() / 60000) * 60000 + 60000;
  for (let guard = 0; guard < 200000 && out.length < count; guard++) {
    const p = at(t);
    const dayOk = spec.domAny && spec.dowAny ? true
      : spec.domAny ? spec.dow.has(p.weekday)
      : spec.dowAny ? spec.dom.has(p.day)
      : spec.dom.has(p.day) || spec.dow.has(p.weekday);
    if (!spec.month.has(p.month) || !dayOk) t += ((23 - p.hour) * 60 + (60 - p.minute)) * 60000;
    else if (!spec.hour.has(p.hour)) t += (60 - p.minute) * 60000;
    else if (!spec.minute.has(p.minute)) t += 60000;
    else {
      out.push(new Date(t));
      t += 60000;
    }
  }
  return out;
}

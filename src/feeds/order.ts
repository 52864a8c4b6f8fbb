/**
 * What a subscriber has been handed, so that events reaching it from two sources (its own catch-up
 * reads and the shared poller's pages) are delivered once each and in order. Marketo returns
 * activities in date order; a date has second precision, so besides the latest date the ids seen
 * at that date are kept. An event older than the latest date, or seen at it, is not delivered.
 */
export interface Dated {
  id: number;
  activityDate: string;
}

export class HighWaterMark {
  private date = '';
  private readonly idsAtDate = new Set<number>();

  /** True (and remembered) when `event` comes after everything accepted so far. */
  accept(event: Dated): boolean {
    const date = normalDate(event.activityDate);
    if (date < this.date) return false;
    if (date === this.date) {
      if (this.idsAtDate.has(event.id)) return false;
    } else {
      this.date = date;
      this.idsAtDate.clear();
    }
    this.idsAtDate.add(event.id);
    return true;
  }
}

/** Marketo dates as comparable strings (`…Z`; an offset form is converted). */
function normalDate(text: string): string {
  if (text.endsWith('Z')) return text;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// When a weekly digest may go out: on an announcement day. arXiv announces nothing on Saturdays
// and Sundays, so there is no edition to send then. Shared by the schema checks, `paperboy
// profile new` and the archive's subscribe form (kept free of imports for the site build).
export const WEEKLY_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const;
export type WeeklyDay = (typeof WEEKLY_DAYS)[number];

export function isWeeklyDay(day: string): day is WeeklyDay {
  return (WEEKLY_DAYS as readonly string[]).includes(day);
}

export const WEEKEND_DAY_MESSAGE = 'weekly digests go out Monday to Friday only (arXiv announces no papers on Saturdays and Sundays): choose one of monday, tuesday, wednesday, thursday, friday';

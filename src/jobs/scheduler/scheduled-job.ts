/**
 * A job the worker runs on a schedule (Bull repeatable job): once per occurrence, whatever the number
 * of worker replicas. Register it from a worker module's provider (see ScheduleRegistry).
 */
export interface ScheduledJob {
  /** Unique, `<feature>.<what>`, e.g. `mail.purge-sent`. Also the Bull job name. */
  name: string;
  /** A cron expression evaluated in UTC (five fields, or six with seconds)... */
  cron?: string;
  /** ...or a fixed interval in milliseconds. */
  every?: number;
  /** The work; its resolved value is stored as the job's result (keep it small). */
  run(): Promise<unknown>;
}

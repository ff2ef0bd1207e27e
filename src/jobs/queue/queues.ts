/**
 * Every Bull queue the app uses, named in one place. Web and worker register the same list; only
 * the worker hosts processors. Features add their queue here.
 */
export const QUEUES = {
  /** Infrastructure jobs: ping (liveness of the worker), scheduled clean-ups. */
  system: 'system',
  /** Outgoing e-mail: one job per message, job id = the OutgoingEmail id (see src/mail). */
  mail: 'mail',
  /** Repeatable jobs from the scheduled-jobs registry (see src/jobs/scheduler). */
  scheduler: 'scheduler',
  /** Organizer tasks with live progress (e-mail attendees, CSV export); job id = the Task id (see src/jobs/tasks). */
  tasks: 'tasks',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

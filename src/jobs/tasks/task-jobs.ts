/** Bull job data on the `tasks` queue: the Task row holds everything else. */
export interface TaskJobData {
  taskId: string;
}

export const TASK_JOB = 'run';

/** The Redis pub/sub channel a task's progress is published on (any web replica can listen). */
export const taskChannel = (taskId: string) => `tasks:progress:${taskId}`;

/** What the progress bar needs; sent over SSE and rendered on the page without JavaScript. */
export interface TaskState {
  id: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed';
  progress: number;
  message?: string;
  error?: string | null;
  downloadUrl?: string | null;
}

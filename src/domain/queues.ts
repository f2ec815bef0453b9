// Metronome's task queues: one per family of jobs, so each family can run in its own worker
// processes (seed 000's "separate scheduler services") or all in one (the single-process pattern).
// Names derive from TEMPORAL_TASK_QUEUE, so a test with a queue of its own gets the whole family.
export const QUEUES = ['invitations', 'maintenance', 'tasks', 'imports', 'jobs'] as const;
export type QueueName = (typeof QUEUES)[number];

export const QUEUE_DESCRIPTIONS: Record<QueueName, string> = {
  invitations: 'the monthly invitation cycle and its reminders',
  maintenance: 'cleanup and health-check',
  tasks: 'one-off wall-clock tasks',
  imports: 'scheduled CSV contact imports',
  jobs: 'jobs registered over the HTTP API and organisation schedules',
};

export function isQueueName(value: string): value is QueueName {
  return (QUEUES as readonly string[]).includes(value);
}

/** The Temporal task queue of a family: the invitations keep the base name (TEMPORAL_TASK_QUEUE). */
export function taskQueueName(base: string, queue: QueueName): string {
  return queue === 'invitations' ? base : `${base}-${queue}`;
}

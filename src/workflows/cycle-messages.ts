import { defineQuery } from '@temporalio/workflow';
import type { CycleProgress } from '../domain/cycle';

/** Progress of a cycle (or one of its chunks): phase, chunks done, figures so far. */
export const cycleProgressQuery = defineQuery<CycleProgress>('progress');

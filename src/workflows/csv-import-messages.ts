import { defineQuery } from '@temporalio/workflow';
import type { CsvImportProgress } from '../domain/csv-import';

/** Progress of an organisation's import run: files done, figures so far. */
export const csvImportProgressQuery = defineQuery<CsvImportProgress>('csvImportProgress');

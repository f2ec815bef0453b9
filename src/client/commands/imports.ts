// `metronome imports …`: CSV contact imports (run now, status, the per-organisation Schedules).
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config';
import { closeDatabase, connectDatabase } from '../../db/connection';
import { getModels } from '../../db/models';
import { isOwnerId, type CsvImportResult } from '../../domain/csv-import';
import { applyImportSchedules, importOwners, importStatus, startImport, type ImportFileStatus } from '../imports';
import { printJson, printTable, UserError } from '../output';
import { connectTemporal, workflowUrl } from '../temporal';
import { Types } from 'mongoose';

export function parseOwnerId(value: string): string {
  const id = value.trim().toLowerCase();
  if (!isOwnerId(id)) throw new InvalidArgumentError(`--owner must be a user id (24 hexadecimal characters), got "${value}"`);
  return id;
}

export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError(`--limit must be a whole number from 1 to 1000, got "${value}"`);
  return n;
}

const say = (line: string): void => { process.stdout.write(`${line}\n`); };

function describeCounts(c: { rows: number; inserted: number; invalid: number; duplicatesInFile: number; duplicatesInDb: number }): string {
  return `${c.rows} rows: ${c.inserted} inserted, ${c.invalid} invalid, ${c.duplicatesInFile} duplicates in the file, ${c.duplicatesInDb} already in the database`;
}

function fileRows(files: ImportFileStatus[]) {
  return files.map((f) => ({
    owner: f.ownerId, file: f.fileName, status: f.status, rows: f.rows, inserted: f.inserted, invalid: f.invalid,
    dupFile: f.duplicatesInFile, dupDb: f.duplicatesInDb, read: f.size ? `${Math.round((100 * f.bytesRead) / f.size)}%` : '-', error: f.error?.slice(0, 60),
  }));
}

export function registerImportsCommand(program: Command): void {
  const imports = program.command('imports').description('CSV contact imports: one Schedule per organisation imports the files of CSV_IMPORT_DIR/<ownerId>/');

  imports.command('run')
    .description("import the organisation's pending CSV files now (attaches to a run already going)")
    .requiredOption('--owner <id>', 'the organisation (user id) whose folder to import', parseOwnerId)
    .option('--wait', 'wait for the run to finish and print its figures')
    .option('--json', 'print the result as JSON')
    .action(async (options: { owner: string; wait?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
      try {
        const owner = await getModels(db).User.collection.findOne({ _id: new Types.ObjectId(options.owner) }, { projection: { 'metadata.isActive': 1 } });
        if (!owner) throw new UserError(`--owner ${options.owner}: no such user`);
      } finally {
        await closeDatabase(db);
      }
      const temporal = await connectTemporal(config);
      try {
        const started = await startImport(temporal.client, config, options.owner);
        if (!options.json) say(`import ${started.workflowId} ${started.alreadyRunning ? 'is already running' : 'started'} — ${workflowUrl(config, started.workflowId)}`);
        if (!options.wait) {
          if (options.json) printJson({ workflowId: started.workflowId, alreadyRunning: started.alreadyRunning });
          return;
        }
        const result: CsvImportResult = await started.handle.result();
        if (options.json) return printJson(result);
        say(`done in ${result.durationMs} ms: ${result.filesTotal} files (${result.filesFailed} failed), ${describeCounts(result.counts)}`);
        for (const file of result.files) say(`  ${file.fileName}: ${file.status}${file.error ? ` — ${file.error}` : ''}; ${describeCounts(file)}`);
        if (result.filesFailed > 0) process.exitCode = 1;
      } finally {
        await temporal.close();
      }
    });

  imports.command('status')
    .description('the imported files (newest first) with their figures; with --owner also the live run')
    .option('--owner <id>', 'only this organisation', parseOwnerId)
    .option('--limit <n>', 'how many files to show (default 50)', parseLimit)
    .option('--json', 'print the status as JSON (row errors and duplicate samples included)')
    .action(async (options: { owner?: string; limit?: number; json?: boolean }) => {
      const config = loadConfig();
      const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
      const temporal = options.owner ? await connectTemporal(config) : undefined;
      try {
        const status = await importStatus(temporal?.client, db, { ...(options.owner && { ownerId: options.owner }), ...(options.limit && { limit: options.limit }) });
        if (options.json) return printJson(status);
        if (status.run) {
          const p = status.run.progress ?? status.run.result;
          say(`run ${status.run.workflowId}: ${status.run.workflowStatus}${p ? `, files ${p.filesDone}/${p.filesTotal}, ${describeCounts(p.counts)}` : ''}`);
        }
        if (status.files.length === 0) return say('no CSV files imported yet');
        printTable(fileRows(status.files));
        for (const file of status.files) {
          for (const problem of file.rowErrors.slice(0, 5)) say(`  ${file.fileName} row ${problem.row} ${problem.field}: ${problem.reason}`);
          if (file.invalid > 5) say(`  ${file.fileName}: … ${file.invalid} invalid rows in all (--json lists the first 100)`);
        }
      } finally {
        await closeDatabase(db);
        await temporal?.close();
      }
    });

  const schedules = imports.command('schedules').description("the organisations' import Schedules (csv-import-<ownerId>)");
  schedules.command('apply')
    .description('create or update, idempotently, one Schedule per active organisation that has a folder under CSV_IMPORT_DIR')
    .option('--all-active', 'every active organisation, with or without a folder')
    .option('--owner <id>', 'only this organisation', parseOwnerId)
    .option('--json', 'print the results as JSON')
    .action(async (options: { allActive?: boolean; owner?: string; json?: boolean }) => {
      const config = loadConfig();
      const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
      let owners: string[];
      try {
        owners = await importOwners(db, config, { ...(options.allActive && { allActive: true }), ...(options.owner && { ownerIds: [options.owner] }) });
      } finally {
        await closeDatabase(db);
      }
      if (options.owner && owners.length === 0) throw new UserError(`--owner ${options.owner}: no such active user`);
      const temporal = await connectTemporal(config);
      try {
        const results = await applyImportSchedules(temporal.client, config, owners);
        const failed = results.filter((r) => r.action === 'failed');
        if (failed.length) process.exitCode = 1;
        if (options.json) return printJson(results);
        if (results.length === 0) return say(`no organisation to schedule (none active with a folder under ${config.imports.dir}; --all-active schedules every active one)`);
        printTable(results.map((r) => ({ schedule: r.scheduleId, action: r.action, error: r.error })));
        say(`${results.length - failed.length} applied, ${failed.length} failed; every ${config.imports.interval.text}`);
      } finally {
        await temporal.close();
      }
    });
}

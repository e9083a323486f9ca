// Run by caseBudgets.test.ts as `node --import tsx`: a second worker process on the suite's
// database, with the same tools. Prints `ready <pid>` once its workers run; SIGTERM closes it.
import { createGovernance } from '../../../src/index.js';
import { openSql } from '../../support/testDatabase.js';
import { workerOptions } from '../../workers/support/sideEffectTools.js';
import { caseTools } from './caseWorkers.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');

const sql = await openSql(url);
const gov = await createGovernance(workerOptions(url, caseTools(sql)));
process.once('SIGTERM', () => {
  void (async () => {
    await gov.close();
    await sql.close();
    process.exit(0);
  })();
});
await gov.startWorkers();
process.stdout.write(`ready ${process.pid}\n`);

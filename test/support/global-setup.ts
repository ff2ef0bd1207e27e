import { TEMPLATE_DATABASE_URL } from './test-env';
import { prepareTemplate } from './test-databases';

/**
 * Once per `npm test` that runs a test needing the database: the migrated template every test
 * file's database is cloned from (see test-env.ts).
 */
export default async function globalSetup(): Promise<void> {
  await prepareTemplate(TEMPLATE_DATABASE_URL);
}

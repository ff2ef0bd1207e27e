import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommandRunner } from 'nest-commander';
import { staticSources } from '../web/static-files';

/**
 * Like Django's collectstatic: copies every static file into one directory laid out as its URL
 * (`<target>/app.css` is `/static/app.css`), for a reverse proxy to serve without the app.
 */
@Command({
  name: 'collectstatic',
  arguments: '<target>',
  description: 'Copy every static file into <target>, laid out as served under /static/',
})
export class CollectStaticCommand extends CommandRunner {
  async run([target]: string[]): Promise<void> {
    const root = resolve(target);
    for (const { urlPrefix, dir } of staticSources()) {
      const destination = join(root, urlPrefix.slice('/static/'.length));
      mkdirSync(destination, { recursive: true });
      cpSync(dir, destination, { recursive: true, force: true, dereference: true });
    }
    console.log(`Collected static files into ${root}`);
  }
}

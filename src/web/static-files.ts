import { dirname, join } from 'node:path';
import { PUBLIC_DIR } from '../paths';

/**
 * Where each URL prefix under /static/ comes from, as the web process serves them
 * (src/web/web-app.ts) and collectstatic copies them (src/cli/collectstatic.command.ts).
 */
export function staticSources(): { urlPrefix: string; dir: string }[] {
  return [
    { urlPrefix: '/static/', dir: PUBLIC_DIR },
    {
      urlPrefix: '/static/vendor/pico/',
      dir: join(dirname(require.resolve('@picocss/pico/package.json')), 'css'),
    },
    {
      // The browser half of passkeys (src/accounts/mfa/), served from here rather than a CDN. The
      // package exports no package.json: its CommonJS entry is script/index.js.
      urlPrefix: '/static/vendor/simplewebauthn/',
      dir: join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle'),
    },
    {
      // The admin dashboard's charts (its UMD build: one file, no dependencies).
      urlPrefix: '/static/vendor/chart.js/',
      // Its exports name no package.json: the CommonJS entry is dist/chart.cjs, beside the UMD file.
      dir: dirname(require.resolve('chart.js')),
    },
  ];
}

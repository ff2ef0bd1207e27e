// Builds data/common-passwords.txt, the list the CommonPasswordValidator checks (like Django's
// common-passwords.txt.gz): the 20,000 most frequent leaked passwords from
// @zxcvbn-ts/language-common (ordered by frequency), lower-cased and de-duplicated.
// The output is committed; rerun only to refresh it: `node scripts/build-common-passwords.js`.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { dictionary } = require('@zxcvbn-ts/language-common');

const COUNT = 20000;
const seen = new Set();
for (const password of dictionary['passwords-common']) {
  const value = String(password).trim().toLowerCase();
  if (value) seen.add(value);
  if (seen.size === COUNT) break;
}
const target = join(__dirname, '..', 'data', 'common-passwords.txt');
writeFileSync(target, [...seen].join('\n') + '\n');
console.log(`wrote ${seen.size} passwords to ${target}`);

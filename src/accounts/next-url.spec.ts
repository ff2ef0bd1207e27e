import { loginUrl, safeNextPath } from './next-url';

/**
 * After Django's tests of url_has_allowed_host_and_scheme (tests/utils_tests/test_http.py), for a
 * policy that accepts same-site paths only: every URL that could leave the site is refused, before
 * or after the browser's resolution of dot segments, escapes, backslashes, tabs and newlines.
 */
describe('safeNextPath: only same-site paths survive', () => {
  const leavesTheSite = [
    // Other hosts and schemes.
    'http://example.com',
    'http:///example.com',
    'https://example.com',
    'HTTPS://example.com',
    'ftp://example.com',
    'javascript:alert("XSS")',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'http:999999999',
    'ftp:9999999999',
    'http://[2001:cdba:0000:0000:0000:0000:3257:9652/',
    'http://2001:cdba:0000:0000:0000:0000:3257:9652]/',
    'http://testserver\\@example.com',
    'http:\\\\testserver\\confirm\\me@example.com',
    // Protocol-relative, with slashes and backslashes, as written.
    '//example.com',
    '///example.com',
    '\\\\example.com',
    '\\\\\\example.com',
    '/\\\\/example.com',
    '\\\\//example.com',
    '/\\/example.com',
    '\\/example.com',
    '/\\example.com',
    // Protocol-relative once the browser resolves dot segments (the reported open redirect).
    '/..//evil.example',
    '/..//evil.example/path',
    '/.//evil.example',
    '/a/..//evil.example',
    '/a/b/../..//evil.example',
    '/%2e%2e//evil.example',
    '/%2E//evil.example',
    // Escaped slashes and backslashes (decoded by some proxies and servers).
    '/%2F%2Fevil.example',
    '/%2f/evil.example',
    '/%5Cevil.example',
    '/%5c%5cevil.example',
    // Tabs, newlines and other control characters (browsers drop tabs and newlines).
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '\njavascript:alert(x)',
    '\x08//example.com',
    '/\u0000/evil.example',
    '\n',
    // Not a path at all.
    '',
    'evil.example',
    'view/?param=//example.com',
  ];

  it.each(leavesTheSite)('refuses %j', (next) => {
    expect(safeNextPath(next)).toBeUndefined();
    expect(loginUrl(next)).toBe('/accounts/login');
  });

  it.each([
    ['/view/?param=http://example.com', '/view/?param=http://example.com'],
    ['/view/?param=https://example.com', '/view/?param=https://example.com'],
    ['/view?param=ftp://example.com', '/view?param=ftp://example.com'],
    ['/view?next=//example.com', '/view?next=//example.com'],
    ['/url%20with%20spaces/', '/url%20with%20spaces/'],
    ['/events?page=2#top', '/events?page=2#top'],
    ['/events/../my/rsvps', '/my/rsvps'],
    ['/events/./1', '/events/1'],
    ['/%0d%0aSet-Cookie:x', '/%0d%0aSet-Cookie:x'],
    ['/path/http:2222222222', '/path/http:2222222222'],
    ['/', '/'],
  ])('keeps %j as %j (resolved)', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it('refuses what is not a string, and overlong values', () => {
    for (const next of [undefined, null, 42, ['/events'], { path: '/events' }, `/${'a'.repeat(2000)}`]) {
      expect(safeNextPath(next)).toBeUndefined();
    }
  });
});

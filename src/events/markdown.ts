import { LRUCache } from 'lru-cache';
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * Event descriptions are Markdown written by any signed-up user, shown to everyone: rendered by
 * markdown-it with raw HTML off (`<script>` stays text) and URLs auto-linked, then passed through
 * sanitize-html with a short allow-list as a second, independent wall (only the tags and the
 * http/https/mailto links Markdown itself produces survive). Images are off: they would load from
 * other sites (a tracking pixel in every visitor's browser; the CSP refuses them anyway).
 */
const markdown = new MarkdownIt('default', { html: false, linkify: true, typographer: false, breaks: true });
markdown.disable(['image']);
// "www.example.org" and "example.org" too, not only addresses with a scheme (known TLDs only).
markdown.linkify.set({ fuzzyLink: true });

/** What links from user content say to browsers and search engines (as Django sites do). */
export const USER_LINK_REL = 'noopener nofollow ugc';

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'em',
    's',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'rel'], ol: ['start'], th: ['style'], td: ['style'] },
  // Table alignment is all markdown-it puts in a style attribute.
  allowedStyles: { '*': { 'text-align': [/^(left|right|center)$/] } },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: USER_LINK_REL } }),
  },
};

/**
 * Descriptions are shown far more often than they change, and rendering plus sanitising one costs
 * more than the rest of its event page: the HTML is remembered by source text (a changed
 * description is another key), bounded by size.
 */
const rendered = new LRUCache<string, string>({
  maxSize: 8 * 1024 * 1024,
  sizeCalculation: (html, source) => html.length + source.length + 1,
});

/** A description as safe HTML: Markdown rendered, no raw HTML, links marked as user content. */
export function renderMarkdown(source: string): string {
  if (!source.trim()) return '';
  let html = rendered.get(source);
  if (html === undefined) {
    html = sanitizeHtml(markdown.render(source), SANITIZE);
    rendered.set(source, html);
  }
  return html;
}

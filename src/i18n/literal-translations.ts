import Handlebars from 'handlebars';
import { translate } from './translator';
import type { Language } from './languages';

type Mustache = hbs.AST.MustacheStatement;

/** `{{t "key"}}` (or `{{{t "key"}}}`): the helper with one literal key and nothing else. */
function literalKeyOf(node: Mustache): string | undefined {
  const { path, params, hash } = node;
  const isT = path.type === 'PathExpression' && (path as hbs.AST.PathExpression).original === 't';
  if (!isT || params.length !== 1 || params[0].type !== 'StringLiteral') return undefined;
  if (hash && hash.pairs.length) return undefined;
  return (params[0] as hbs.AST.StringLiteral).value;
}

/**
 * Rewrites a parsed template for one language: each `{{t "key"}}` with a literal key and no
 * parameters becomes its text, as the `t` helper would have printed it (escaped, unless the key
 * ends in `_html` or the mustache is triple-stashed). `program` must come from
 * `handlebars.parse`, whitespace control already applied; compiling applies it again, which
 * changes nothing that was there (it is idempotent) and, since a text with no space at either end
 * cannot be taken for whitespace, nothing around the new texts (texts with such spaces stay calls).
 *
 * Why: a page calls `t` with a literal key dozens of times (the list page ~30), and each call is a
 * helper call through Handlebars' runtime — an options object with its source location, the
 * helper wrapper, the translation lookup, then escaping — for a text that never changes while the
 * process runs (the catalogues are loaded once). Handlebars has no compile-time helpers, so this
 * is ours; it is exact because the text is the helper's own (`translate`, escaped the same way).
 */
export function translateLiteralKeys(program: hbs.AST.Program, language: Language): hbs.AST.Program {
  // Each node a method returns replaces the one visited (`undefined` keeps it). Handlebars' typings
  // lack `mutating`, and type a content's `original` as strip flags: it is the source text.
  const visitor = Object.assign(new Handlebars.Visitor(), { mutating: true });
  const visitChildren = visitor.MustacheStatement.bind(visitor);
  // eslint-disable-next-line no-restricted-syntax -- once per template compiled, not per request
  visitor.MustacheStatement = (node: Mustache) => {
    const key = literalKeyOf(node);
    if (key === undefined) return visitChildren(node);
    const text = translate(language, key, {});
    if (text.trim() !== text) return undefined;
    const html = node.escaped && !key.endsWith('_html') ? Handlebars.escapeExpression(text) : text;
    const content = { type: 'ContentStatement', value: html, original: html, loc: node.loc };
    return content as unknown as hbs.AST.ContentStatement;
  };
  visitor.accept(program);
  return program;
}

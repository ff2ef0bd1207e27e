import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import hbs from 'hbs';
import { AppConfig } from '../config/app-config';
import { registerI18nHelpers } from '../i18n/handlebars-i18n';
import { languageOr } from '../i18n/languages';
import { VIEWS_DIR } from '../paths';

export const EMAIL_VIEWS_DIR = join(VIEWS_DIR, 'emails');

/** `welcome`, `accounts/verify-email`: lower-case words, no dots, so a name never leaves views/emails. */
const TEMPLATE_NAME = /^[a-z0-9]+(?:[-_/][a-z0-9]+)*$/;

type Compiled = (context: Record<string, unknown>, options?: { data?: object }) => string;

interface EmailTemplate {
  subject: Compiled;
  html: Compiled;
  text: Compiled;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** The QR codes the HTML shows (`{{qrCode value}}`), each to attach under its Content-ID. */
  qrCodes: InlineQrCode[];
}

/** A QR code the HTML refers to as `cid:<cid>`: the sender attaches it as an inline PNG. */
export interface InlineQrCode {
  cid: string;
  value: string;
}

/** Render-time data (Handlebars' `@data`) through which `qrCode` collects what to attach. */
interface RenderData {
  qrCodes: InlineQrCode[];
}

/**
 * E-mail templates: `views/emails/<name>.subject.hbs`, `<name>.html.hbs` and `<name>.text.hbs`, the
 * bodies wrapped in `layout.html.hbs` / `layout.text.hbs`. A Handlebars instance of its own, so page
 * helpers and partials do not leak into mail (and the other way round). Text and subject are not
 * HTML-escaped (they are not HTML); the HTML part is.
 */
@Injectable()
export class MailTemplates {
  private readonly html = hbs.create().handlebars;
  private readonly text = hbs.create().handlebars;
  private readonly cache = new Map<string, EmailTemplate>();
  private layouts?: { html: Compiled; text: Compiled };

  constructor(private readonly config: AppConfig) {
    for (const instance of [this.html, this.text]) {
      instance.registerHelper('absoluteUrl', (path: unknown) => this.absoluteUrl(String(path ?? '')));
    }
    // In the recipient's language: `lang` of the message's context (the sender records it).
    registerI18nHelpers(this.html);
    registerI18nHelpers(this.text, false);
    // `<img src="{{qrCode value}}">`: a Content-ID the sender attaches the QR code under (an inline
    // image: mail clients block data: URLs and remote images, but show related parts).
    this.html.registerHelper('qrCode', (value: unknown, options: { data?: Partial<RenderData> }) => {
      const qrCodes = options.data?.qrCodes;
      if (!qrCodes) return '';
      const cid = `qr-${qrCodes.length + 1}@${new URL(config.values.APP_URL).hostname}`;
      qrCodes.push({ cid, value: String(value ?? '') });
      return `cid:${cid}`;
    });
  }

  /** APP_URL joined with a path (see AppConfig.absoluteUrl). */
  absoluteUrl(path: string): string {
    return this.config.absoluteUrl(path);
  }

  isValidName(name: string): boolean {
    return TEMPLATE_NAME.test(name) && !name.startsWith('layout');
  }

  /** Every template's name (a `<name>.subject.hbs` in views/emails), sorted. */
  names(): string[] {
    return readdirSync(EMAIL_VIEWS_DIR)
      .map((file) => /^(.+)\.subject\.hbs$/.exec(file)?.[1])
      .filter((name): name is string => name !== undefined && this.exists(name))
      .sort();
  }

  exists(name: string): boolean {
    return this.isValidName(name) && this.load(name) !== undefined;
  }

  renderSubject(name: string, context: Record<string, unknown>): string {
    const template = this.require(name);
    // Header injection and folding are the transport's business; a subject is one line.
    return template.subject(this.contextFor(context)).replace(/\s+/g, ' ').trim();
  }

  /**
   * The message's parts. `subject`: the one recorded when the message was sent (its Subject header),
   * for the HTML part's title, so the two never differ (a template changed by a deploy in between)
   * and the worker does not render it a second time.
   */
  render(name: string, context: Record<string, unknown>, options: { subject?: string } = {}): RenderedEmail {
    const template = this.require(name);
    const layouts = this.loadLayouts();
    const full = this.contextFor(context);
    const subject = options.subject ?? template.subject(full).replace(/\s+/g, ' ').trim();
    const data: RenderData = { qrCodes: [] };
    const body = template.html(full, { data });
    return {
      subject,
      html: layouts.html({ ...full, subject, body }),
      text: layouts.text({ ...full, subject, body: template.text(full) }),
      qrCodes: data.qrCodes,
    };
  }

  private contextFor(context: Record<string, unknown>): Record<string, unknown> {
    // `lang`: the recipient's language, recorded by the sender (English when absent or unknown).
    return { ...context, lang: languageOr(context.lang), appUrl: this.config.values.APP_URL };
  }

  private require(name: string): EmailTemplate {
    const template = this.isValidName(name) ? this.load(name) : undefined;
    if (!template) throw new Error(`Unknown e-mail template "${name}"`);
    return template;
  }

  private load(name: string): EmailTemplate | undefined {
    // Development re-reads files so template edits show without a restart.
    const cached = this.config.isDevelopment ? undefined : this.cache.get(name);
    if (cached) return cached;
    const files = ['subject', 'html', 'text'].map((part) => join(EMAIL_VIEWS_DIR, `${name}.${part}.hbs`));
    if (!files.every((file) => existsSync(file))) return undefined;
    const [subject, html, text] = files.map((file) => readFileSync(file, 'utf8'));
    const template: EmailTemplate = {
      subject: this.text.compile(subject, { noEscape: true, strict: false }),
      html: this.html.compile(html),
      text: this.text.compile(text, { noEscape: true }),
    };
    this.cache.set(name, template);
    return template;
  }

  private loadLayouts(): { html: Compiled; text: Compiled } {
    if (this.layouts && !this.config.isDevelopment) return this.layouts;
    this.layouts = {
      html: this.html.compile(readFileSync(join(EMAIL_VIEWS_DIR, 'layout.html.hbs'), 'utf8')),
      text: this.text.compile(readFileSync(join(EMAIL_VIEWS_DIR, 'layout.text.hbs'), 'utf8'), {
        noEscape: true,
      }),
    };
    return this.layouts;
  }
}

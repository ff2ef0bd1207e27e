import type { Request } from 'express';
import Handlebars from 'handlebars';
import { promotedByYoungGcs } from '../../test/support/young-generation';
import { PendingFlash, type FlashMessage } from './flash';

function requestWith(flash?: FlashMessage[]): Request {
  return { session: flash ? { flash } : {} } as unknown as Request;
}

describe('PendingFlash (res.locals.flash)', () => {
  it('takes the messages from the session only when iterated, then gives the same ones', () => {
    const req = requestWith([{ level: 'info', message: 'Saved.' }]);
    const pending = new PendingFlash(req);
    expect(req.session.flash).toHaveLength(1);
    expect([...pending]).toEqual([{ level: 'info', message: 'Saved.' }]);
    expect(req.session.flash).toBeUndefined();
    expect([...pending]).toEqual([{ level: 'info', message: 'Saved.' }]);
  });

  it("is what Handlebars' each iterates", () => {
    const template = Handlebars.compile('{{#each flash}}<p class="flash-{{level}}">{{message}}</p>{{/each}}');
    const req = requestWith([{ level: 'error', message: 'Nope.' }]);
    expect(template({ flash: new PendingFlash(req) })).toBe('<p class="flash-error">Nope.</p>');
    expect(template({ flash: new PendingFlash(requestWith()) })).toBe('');
  });

  // Why it is an object and not a getter defined on res.locals for each request: V8 keeps accessor
  // pairs in its old generation, so a per-request getter (a closure over the request) kept every
  // request it was defined for alive through young-generation collections until a full one.
  it('lets a finished request be collected by a young-generation GC, unlike a getter per request', async () => {
    const fiftyRequests = (setFlash: (locals: Record<string, unknown>, req: Request) => void) => () => {
      for (let request = 0; request < 50; request++) {
        // A request's worth of objects (~30 KB), as the headers, streams and locals of a page are.
        const req = Object.assign(requestWith(), {
          payload: Array.from({ length: 2_000 }, (_, i) => ({ i })),
        });
        setFlash(Object.create(null) as Record<string, unknown>, req);
      }
    };
    const withGetter = (locals: Record<string, unknown>, req: Request) => {
      Object.defineProperty(locals, 'flash', { enumerable: true, get: () => req.session });
    };
    const withPendingFlash = (locals: Record<string, unknown>, req: Request) => {
      locals.flash = new PendingFlash(req);
    };
    // Ours first: once the getter's requests were promoted, V8 may allocate the payload's objects
    // straight in the old generation (allocation-site pretenuring), and so anyone's after them.
    const pending = await promotedByYoungGcs(fiftyRequests(withPendingFlash));
    const perRequestGetter = await promotedByYoungGcs(fiftyRequests(withGetter));
    // 50 requests of ~30 KB: the getter's were all promoted (~1.5 MB and more), ours were not.
    expect(perRequestGetter).toBeGreaterThan(1_000_000);
    expect(pending).toBeLessThan(200_000);
  });
});

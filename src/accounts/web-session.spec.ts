import type { Request, Response } from 'express';
import { promotedByYoungGcs } from '../../test/support/young-generation';
import { deferredStart } from './web-session';

/** 50 requests' worth of objects (~30 KB each), each given a `startSession` by `give`. */
const fiftyRequests = (give: (req: Request, res: Response) => void) => () => {
  for (let request = 0; request < 50; request++) {
    const req = { payload: Array.from({ length: 2_000 }, (_, i) => ({ i })) } as unknown as Request;
    give(req, { req } as unknown as Response);
  }
};

describe('deferredStart (req.startSession)', () => {
  it('starts the session once, with the request and response', () => {
    const req = {} as Request;
    const res = {} as Response;
    const start = jest.fn();
    req.startSession = deferredStart(req, res, start);
    req.startSession();
    expect(start).toHaveBeenCalledWith(req, res, expect.any(Function));
    expect(req.startSession).toBeUndefined();
  });

  // Why the closure is made by a function and not written into the property: V8 allocates a
  // function literal assigned straight to a property in its old generation, and that closure then
  // kept every anonymous request alive through young-generation collections.
  it('lets a finished request be collected by a young-generation GC, unlike a literal in the property', async () => {
    const start = () => undefined;
    const ours = await promotedByYoungGcs(
      fiftyRequests((req, res) => {
        req.startSession = deferredStart(req, res, start);
      }),
    );
    const literal = await promotedByYoungGcs(
      fiftyRequests((req, res) => {
        // eslint-disable-next-line no-restricted-syntax -- the pattern the rule is there for
        req.startSession = () => start.call(res);
      }),
    );
    // 50 requests of ~30 KB: all promoted (~1.5 MB and more) with the literal, none with ours.
    expect(literal).toBeGreaterThan(1_000_000);
    expect(ours).toBeLessThan(200_000);
  });
});

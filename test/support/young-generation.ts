import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

const oldSpaceUsed = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')!.space_used_size;

/**
 * How many bytes what `run` allocates adds to V8's old generation once it is garbage and two
 * young-generation collections have run: ~0 when it all dies young, as a finished request's objects
 * should; their whole size when something in the old generation keeps them. The least of a few
 * rounds: whatever else the process does meanwhile (the first round compiles the code, whose
 * bytecode and feedback live in the old generation too) only adds.
 */
export async function promotedByYoungGcs(run: () => unknown, rounds = 4): Promise<number> {
  const promoted: number[] = [];
  for (let round = 0; round < rounds; round++) {
    gc();
    const before = oldSpaceUsed();
    await run();
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    promoted.push(oldSpaceUsed() - before);
  }
  return Math.min(...promoted);
}

// Preloaded into a CLI child (NODE_OPTIONS=--require) to run it under a wrong clock: Date.now() and
// new Date() read FAKE_CLOCK_OFFSET_MS ahead (negative: behind) of the real clock. Timers are left
// alone, so waits still take real time; only what the process believes the time is changes.
'use strict';
const offset = Number(process.env.FAKE_CLOCK_OFFSET_MS || 0);
if (offset) {
  const RealDate = Date;
  class FakeDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = FakeDate;
}

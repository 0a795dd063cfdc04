import { exclusivePerHost, sharedPerHost } from "../../provider/transport/host-queue";

/** A task that records when it starts and ends, and finishes when told to. */
function task(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return {
    fn: async () => {
      log.push(`${name}+`);
      await done;
      log.push(`${name}-`);
    },
    finish: () => finish(),
  };
}
const tick = () => new Promise((r) => setImmediate(r));

test("shared changes run side by side; an exclusive one waits for them and runs alone", async () => {
  const log: string[] = [];
  const a = task(log, "a");
  const b = task(log, "b");
  const x = task(log, "x");
  const c = task(log, "c");
  const runs = [
    sharedPerHost("h", a.fn),
    sharedPerHost("h", b.fn),
    exclusivePerHost("h", x.fn),
    sharedPerHost("h", c.fn),
  ];
  await tick();
  expect(log).toEqual(["a+", "b+"]);
  a.finish();
  await tick();
  expect(log).toEqual(["a+", "b+", "a-"]);
  b.finish();
  await tick();
  await tick();
  expect(log).toEqual(["a+", "b+", "a-", "b-", "x+"]);
  x.finish();
  await tick();
  await tick();
  expect(log.slice(-2)).toEqual(["x-", "c+"]);
  c.finish();
  await Promise.all(runs);
});

test("a failed change does not block the next one; other hosts are independent", async () => {
  const failed = exclusivePerHost("h2", async () => {
    throw new Error("boom");
  });
  await expect(failed).rejects.toThrow("boom");
  await expect(exclusivePerHost("h2", async () => 1)).resolves.toBe(1);
  const log: string[] = [];
  const x = task(log, "x");
  const running = exclusivePerHost("h3", x.fn);
  await expect(sharedPerHost("h4", async () => 2)).resolves.toBe(2);
  x.finish();
  await running;
});

/**
 * The batched read script, run by a real shell against a stand-in `virsh` on PATH: one script
 * reads several networks and keeps each one's result, absence or failure apart.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { batchReadScript, parseReadOutput, splitBatchOutput } from "../../provider/libvirt/virsh";

const FAKE_VIRSH = `#!/bin/sh
# net-info NAME | net-dumpxml [--inactive] NAME
# Like the real one, it would answer in another language or from a user's session daemon if the
# script did not set the C locale and the system instance.
[ "$LC_ALL" = C ] && [ "$LIBVIRT_DEFAULT_URI" = qemu:///system ] || { echo "wrong environment" >&2; exit 3; }
cmd=$1; shift
[ "$1" = "--inactive" ] && shift
case "$cmd:$1" in
  net-info:up) printf 'Name:           up\\nUUID:           11111111-2222-4333-8444-555555555555\\nActive:         yes\\nPersistent:     yes\\nAutostart:      no\\nBridge:         virbr4\\n' ;;
  net-dumpxml:up) printf "<network connections='2'>\\n  <name>up</name>\\n</network>\\n" ;;
  net-info:gone) echo "error: failed to get network 'gone'" >&2; echo "error: Network not found: no network with matching name 'gone'" >&2; exit 1 ;;
  net-info:broken) echo "error: failed to connect to the hypervisor" >&2; exit 1 ;;
  *) echo "unexpected $cmd $1" >&2; exit 2 ;;
esac
`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-virsh-"));
  fs.writeFileSync(path.join(dir, "virsh"), FAKE_VIRSH, { mode: 0o755 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("several networks in one script: present, absent and unreadable stay apart", () => {
  const names = ["up", "gone", "broken"];
  const stdout = execFileSync("bash", ["-c", batchReadScript(names)], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
  });
  const [up, gone, broken] = splitBatchOutput(stdout, names.length);

  expect(up.status).toBe(0);
  const live = parseReadOutput("up", up.out)!;
  expect(live).toMatchObject({
    uuid: "11111111-2222-4333-8444-555555555555",
    active: true,
    autostart: false,
    bridgeName: "virbr4",
    connections: 2,
  });
  expect(live.live?.root.name).toBe("network");

  expect(gone.status).toBe(0);
  expect(parseReadOutput("gone", gone.out)).toBeUndefined();

  expect(broken.status).toBe(1);
  expect(broken.err).toMatch(/failed to connect to the hypervisor/);
});

test("output that does not hold every network is an error, not a silent absence", () => {
  expect(() => splitBatchOutput("@@network 0\n@@status 0\n@@stderr\n", 2)).toThrow(
    /expected 2 network reads, got 1/,
  );
});

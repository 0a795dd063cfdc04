/**
 * Benchmark: N host bridges with two veth ports each on one lab host, created, read and deleted
 * through the BridgeInterface engine (all resources in parallel, as Pulumi schedules independent
 * resources), side by side with the floor: the same nmcli work as ONE plain `ssh … sh` script per
 * phase over one connection. Prints wall times, their ratio, SSH handshakes and round trips per op.
 *
 * Usage: npm run bench [-- --bridges 20]
 */
import { bridgeInterfaceEngine as engine } from "../provider/resources/bridge-interface/engine";
import { argValue, floorPhase, labExec, printTable, run, timed, withLab } from "./support";

const ports = (i: number): string[] => [`n${i}a`, `n${i}b`];

async function main(): Promise<void> {
  const n = argValue("--bridges", 20);
  await withLab("brbench", async (lab) => {
    const connection = lab.connection;
    const ids = Array.from({ length: n }, (_, i) => i);
    // Two veth "NICs" per bridge, managed by NetworkManager.
    labExec(
      lab,
      ids
        .map((i) =>
          ports(i)
            .map((p) => `ip link add ${p} type veth peer name ${p}x && ip link set ${p}x up`)
            .join(" && "),
        )
        .join(" && ") +
        ` && for t in $(seq 100); do [ $(nmcli -g DEVICE,STATE device | grep -c ':disconnected$') -ge ${2 * n} ] && break; sleep 0.2; done`,
    );
    // Floor: the same nmcli work, one script per phase.
    const floorCreate = floorPhase(
      lab,
      ids
        .map((i) =>
          [
            `nmcli connection add type bridge con-name fb${i} ifname fb${i} bridge.stp no ipv4.method disabled ipv6.method disabled >/dev/null`,
            ...ports(i).map(
              (p) =>
                `nmcli connection add type ethernet con-name fb${i}-${p} ifname ${p} master fb${i} slave-type bridge >/dev/null`,
            ),
            `nmcli connection up fb${i} >/dev/null`,
            ...ports(i).map((p) => `nmcli connection up fb${i}-${p} >/dev/null`),
          ].join("\n"),
        )
        .join("\n"),
    );
    const floorRead = floorPhase(
      lab,
      ids
        .map(
          (i) =>
            [`fb${i}`, ...ports(i).map((p) => `fb${i}-${p}`)]
              .map((c) => `nmcli -t connection show ${c} >/dev/null`)
              .join("\n") + "\nnmcli -t device status >/dev/null\nip -d -j link show >/dev/null",
        )
        .join("\n"),
    );
    const floorDelete = floorPhase(
      lab,
      ids
        .map(
          (i) =>
            `nmcli connection delete ${ports(i)
              .map((p) => `fb${i}-${p}`)
              .join(" ")} fb${i} >/dev/null`,
        )
        .join("\n"),
    );

    // Provider: every resource in parallel (changes to one host's NetworkManager are serialized).
    const created = await timed(() =>
      Promise.all(
        ids.map(async (i) =>
          engine.create(
            (await engine.check({}, { connection, name: `pb${i}`, ports: ports(i), stp: false })).inputs,
          ),
        ),
      ),
    );
    const read = await timed(() => Promise.all(created.result.map((c) => engine.read(c.id, c.outs))));
    const deleted = await timed(() => Promise.all(created.result.map((c) => engine.delete(c.id, c.outs))));

    printTable(
      `BridgeInterface benchmark: ${n} bridges with 2 veth ports each on one lab host (${lab.host})`,
      n,
      [
        { operation: "create", provider: created, floorMs: floorCreate },
        { operation: "read", provider: read, floorMs: floorRead },
        { operation: "delete", provider: deleted, floorMs: floorDelete },
      ],
      ["floor: one `ssh … sh` per phase (1 handshake, 1 round trip for all bridges)"],
    );
  });
}

run(main);

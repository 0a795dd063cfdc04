/**
 * The provider operations of a resource made of NetworkManager profiles (BridgeInterface,
 * BondedLink): one implementation, parameterised by what differs per resource (validation, the
 * declared profiles, the kernel values to compare). Profiles are found by the UUIDs kept in state.
 */
import { randomUUID } from "node:crypto";
import { safeApply } from "../../networkmanager/checkpoint";
import { exclusivePerHost, sharedPerHost } from "../../transport/host-queue";
import {
  NmSnapshot,
  NmStepError,
  deleteProfilesCommand,
  deleteProfilesQuietly,
  readSnapshot,
  runNmSteps,
} from "../../networkmanager/nmcli";
import { CheckFailure } from "../../schema/validate";
import type { RemoteHost } from "../../transport";
import { getHost } from "../../transport";
import {
  DiffResult,
  ResourceEngine,
  changedKeys,
  hasUnknowns,
  plainJson,
  replacementKeys,
} from "../common/engine";
import { activeWith, planProfiles, planRemoval } from "./plan";
import {
  DEFAULT_ROLLBACK_TIMEOUT_S,
  DesiredProfile,
  MAIN,
  ProfileCommonInputs,
  ProfileOutputs,
  portKey,
} from "./types";
import { deviceProblems, deviceState } from "./verify";

export interface ProfileResourceSpec<I extends ProfileCommonInputs> {
  /** "bridge", "bond": for messages. */
  kind: string;
  validate(news: Record<string, unknown>): CheckFailure[];
  withDefaults(news: Record<string, unknown>): I;
  /** The main profile (key MAIN) first, then one per port. */
  profiles(inputs: I): DesiredProfile[];
  /** Kernel values of the active main device that differ from the declared ones. */
  kernelDrift(inputs: I, snapshot: NmSnapshot): string[];
  /** Advice appended to a failure message. */
  hint(failure: string): string;
}

/** Inputs that only change what is recorded, never the host. */
const RECORD_ONLY = ["connection", "adopt", "rollbackTimeout"];

type Outputs<I> = I & ProfileOutputs;

function recordedUuids(olds: Partial<ProfileOutputs>): Record<string, string> {
  const out: Record<string, string> = {};
  if (olds.uuid) out[MAIN] = olds.uuid;
  for (const [device, uuid] of Object.entries(olds.portUuids ?? {})) out[portKey(device)] = uuid;
  return out;
}

function outputsOf<I extends ProfileCommonInputs>(
  inputs: I,
  profiles: DesiredProfile[],
  uuids: Record<string, string>,
  snapshot: NmSnapshot,
): Outputs<I> {
  const portUuids: Record<string, string> = {};
  for (const p of profiles) if (p.key !== MAIN && uuids[p.key]) portUuids[p.device] = uuids[p.key];
  return plainJson({
    ...inputs,
    uuid: uuids[MAIN] ?? "",
    portUuids,
    deviceState: deviceState(snapshot, inputs.name),
  });
}

export function profileEngine<I extends ProfileCommonInputs>(spec: ProfileResourceSpec<I>): ResourceEngine {
  const hintFor = (message: string): string => spec.hint(message);

  async function converge(
    host: RemoteHost,
    inputs: I,
    recorded: Record<string, string>,
    snapshot: NmSnapshot,
  ): Promise<Outputs<I>> {
    const profiles = spec.profiles(inputs);
    const activate = inputs.activate ?? true;
    const main = profiles[0];
    const kernelDrift =
      activate && recorded[MAIN] && activeWith(snapshot, main.device, recorded[MAIN])
        ? spec.kernelDrift(inputs, snapshot)
        : [];
    const plan = planProfiles({
      profiles,
      recorded,
      snapshot,
      activate,
      kernelDrift,
      newUuid: () => randomUUID(),
    });
    if (plan.steps.length === 0) return outputsOf(inputs, profiles, plan.uuids, snapshot);
    const readAfter = Object.values(plan.uuids);
    const verify = (after: NmSnapshot): string[] => [
      ...deviceProblems(profiles, plan.uuids, after, activate),
      ...(activate ? spec.kernelDrift(inputs, after) : []),
    ];
    const what = `${spec.kind} ${inputs.name}`;
    const inTurn = plan.touchesActiveDevice ? exclusivePerHost : sharedPerHost;
    const after = await inTurn(host.label, async () => {
      if (plan.touchesActiveDevice) {
        return safeApply({
          conn: inputs.connection,
          host,
          steps: plan.steps,
          readAfter,
          rollbackTimeoutS: inputs.rollbackTimeout ?? DEFAULT_ROLLBACK_TIMEOUT_S,
          verify,
          what,
          hint: hintFor,
        });
      }
      // No active device is touched: a plain batch; a failed create deletes what it added.
      const cleanup = plan.added.length ? deleteProfilesCommand(plan.added) : "";
      let result: NmSnapshot;
      try {
        result = await runNmSteps(host, plan.steps, { readAfter, onFailure: cleanup });
      } catch (err) {
        if (err instanceof NmStepError) {
          throw new Error(
            `${err.message}${hintFor(err.message)}` +
              (plan.added.length ? `\nThe profiles this change added were deleted again.` : ""),
            { cause: err },
          );
        }
        throw err;
      }
      const problems = verify(result);
      if (problems.length) {
        await deleteProfilesQuietly(host, plan.added);
        throw new Error(
          `${host.label}: ${what}: the devices are not as declared after the change: ${problems.join("; ")}` +
            (cleanup ? `\nThe profiles this change added were deleted again.` : ""),
        );
      }
      return result;
    });
    return outputsOf(inputs, profiles, plan.uuids, after);
  }

  return {
    async check(_olds, news) {
      const failures = spec.validate(news);
      return {
        inputs: failures.length ? news : (spec.withDefaults(news) as unknown as Record<string, unknown>),
        failures,
      };
    },

    async diff(_id, olds, news): Promise<DiffResult> {
      // A new interface name is a new device (and profile).
      const replaces = replacementKeys(olds, news, ["name"]);
      if (replaces.length) return { changes: true, replaces, deleteBeforeReplace: true };
      if (hasUnknowns(news)) return { changes: true };
      const recorded = changedKeys(olds, news, RECORD_ONLY).length > 0;
      const inputs = spec.withDefaults(news);
      const uuids = recordedUuids(olds as Partial<ProfileOutputs>);
      const snapshot = await readSnapshot(getHost(inputs.connection), Object.values(uuids));
      const profiles = spec.profiles(inputs);
      const activate = inputs.activate ?? true;
      const drift =
        activate && activeWith(snapshot, profiles[0].device, uuids[MAIN] ?? "")
          ? spec.kernelDrift(inputs, snapshot)
          : [];
      const plan = planProfiles({
        profiles,
        recorded: uuids,
        snapshot,
        activate,
        kernelDrift: drift,
        newUuid: () => "(new)",
      });
      return { changes: recorded || plan.steps.length > 0 };
    },

    async create(news) {
      const inputs = spec.withDefaults(news);
      const host = getHost(inputs.connection);
      const profiles = spec.profiles(inputs);
      let snapshot = await readSnapshot(host, []);
      const taken = profiles.flatMap((p) =>
        snapshot.all.filter((s) => s.name === p.settings["connection.id"]).map((s) => ({ key: p.key, ...s })),
      );
      const deviceExists = snapshot.links.has(inputs.name);
      const recorded: Record<string, string> = {};
      if (taken.length || deviceExists) {
        if (!inputs.adopt) {
          const what = [
            ...taken.map((t) => `profile "${t.name}" (${t.uuid})`),
            ...(deviceExists ? [`device ${inputs.name}`] : []),
          ].join(", ");
          throw new Error(
            `${host.label}: ${what} already exist(s). Nothing was changed. Set adopt: true to take ` +
              `it over (the profiles are then managed, and deleted with this resource), or choose another name.`,
          );
        }
        for (const t of taken) recorded[t.key] ??= t.uuid;
        snapshot = await readSnapshot(host, Object.values(recorded));
      }
      const outs = await converge(host, inputs, recorded, snapshot);
      return { id: outs.uuid, outs: outs as unknown as Record<string, unknown> };
    },

    async read(id, props) {
      const olds = props as unknown as Outputs<I>;
      const uuids = recordedUuids(olds);
      const snapshot = await readSnapshot(getHost(olds.connection), Object.values(uuids));
      if (!snapshot.profiles.has(uuids[MAIN] ?? id)) return { id: "", props: {} };
      const live: Record<string, string> = {};
      for (const [key, uuid] of Object.entries(uuids)) if (snapshot.profiles.has(uuid)) live[key] = uuid;
      return {
        id,
        props: outputsOf(olds, spec.profiles(olds), live, snapshot) as unknown as Record<string, unknown>,
      };
    },

    async update(_id, olds, news) {
      const inputs = spec.withDefaults(news);
      const host = getHost(inputs.connection);
      const uuids = recordedUuids(olds as Partial<ProfileOutputs>);
      const snapshot = await readSnapshot(host, Object.values(uuids));
      return { outs: (await converge(host, inputs, uuids, snapshot)) as unknown as Record<string, unknown> };
    },

    async delete(_id, props) {
      const olds = props as unknown as Outputs<I>;
      const host = getHost(olds.connection);
      const uuids = recordedUuids(olds);
      const snapshot = await readSnapshot(host, Object.values(uuids));
      const owned = Object.entries(uuids).map(([key, uuid]) => {
        const live = snapshot.profiles.get(uuid);
        return {
          uuid,
          main: key === MAIN,
          name: live?.["connection.id"] ?? uuid,
          device: live?.["connection.interface-name"] ?? "",
        };
      });
      const removal = planRemoval(owned, snapshot);
      if (removal.steps.length === 0) return;
      const gone = (after: NmSnapshot): string[] =>
        owned.filter((p) => after.profiles.has(p.uuid)).map((p) => `profile ${p.name} is still there`);
      const inTurn = removal.touchesActiveDevice ? exclusivePerHost : sharedPerHost;
      await inTurn(host.label, async () => {
        if (removal.touchesActiveDevice) {
          await safeApply({
            conn: olds.connection,
            host,
            steps: removal.steps,
            readAfter: Object.values(uuids),
            rollbackTimeoutS: olds.rollbackTimeout ?? DEFAULT_ROLLBACK_TIMEOUT_S,
            verify: gone,
            what: `deleting ${spec.kind} ${olds.name}`,
            hint: hintFor,
          });
        } else {
          await runNmSteps(host, removal.steps, { readAfter: [] });
        }
      });
    },
  };
}

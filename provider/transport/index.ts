/** The SSH transport: pooled connections, host key checking, shell quoting, errors. */
export type { ConnectionArgs } from "./connection";
export { ConnectionError, RemoteCommandError, redact, truncateMiddle } from "./errors";
export {
  assertSafeName,
  INTERFACE_NAME_RULE,
  NAME_PATTERN,
  shellCommand,
  shellQuote,
  type SafeNameRule,
} from "./shell";
export {
  checkKnownHosts,
  defaultKnownHostsPaths,
  describeKey,
  fingerprintSha256,
  knownHostsName,
  parseHostKeyPin,
  parseKnownHosts,
  parsePublicKey,
  type KnownHostsEntry,
  type PublicKeyInfo,
} from "./host-key";
export {
  closeAllHosts,
  getHost,
  hostLabel,
  openFreshHost,
  remoteCommand,
  setTransportLogger,
  transportStats,
  type ExecOptions,
  type ExecResult,
  type HostChannelStats,
  type RemoteHost,
  type TransportLogger,
} from "./ssh-pool";

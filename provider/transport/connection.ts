/**
 * How to reach a host over SSH. Mirrors `@pulumi/command`'s `remote.Connection` so Pulumi users
 * recognise it, plus `sudo` for non-root users.
 */
export interface ConnectionArgs {
  /** Address or name of the host. */
  host: string;
  /** SSH port. Default 22. */
  port?: number;
  /** Login user. Default "root". */
  user?: string;
  /** Private key in OpenSSH or PEM format (the key text, not a path). */
  privateKey?: string;
  /** Passphrase of `privateKey`, if it is encrypted. */
  privateKeyPassword?: string;
  /** Password authentication. */
  password?: string;
  /** Path of an ssh-agent socket. Default: the `SSH_AUTH_SOCK` environment variable. */
  agentSocketPath?: string;
  /**
   * Pinned host key, as in known_hosts ("ssh-ed25519 AAAA…"), or its SHA256 fingerprint
   * ("SHA256:…"). When absent, `~/.ssh/known_hosts` must know the host.
   */
  hostKey?: string;
  /** Explicit opt-out of host key checking (warns on every connection). */
  insecureIgnoreHostKey?: boolean;
  /** A jump host to connect through, with the same fields. */
  proxy?: ConnectionArgs;
  /** Run privileged commands with `sudo -n` (for a non-root `user`). */
  sudo?: boolean;
  /** Seconds to wait for the SSH handshake. Default 20. */
  dialTimeout?: number;
  /**
   * known_hosts file to check the host key against, instead of the defaults (`~/.ssh/known_hosts`,
   * `~/.ssh/known_hosts2`, `/etc/ssh/ssh_known_hosts`, `/etc/ssh/ssh_known_hosts2`). Not used when
   * `hostKey` is set.
   */
  knownHostsPath?: string;
  /**
   * Maximum number of commands run at the same time over the one shared connection to this host;
   * more wait in a queue. Default 8 (OpenSSH's sshd allows `MaxSessions` 10 by default).
   */
  maxChannels?: number;
}

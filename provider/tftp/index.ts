/** TFTP driver: what a TFTP root on the host holds, changes to it, and reads over TFTP. */
export * from "./root-probe";
export * from "./root-files";
export * from "./fetch";

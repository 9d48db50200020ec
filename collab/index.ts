export { RoomManager, type RoomManagerOptions } from "./room-manager.js";
export { Connection, type Access, type Role } from "./connection.js";
export { Room, DOC_RECORDS, DOC_RUNS, FROM_STORE } from "./room.js";
export { CloseCode } from "./close-codes.js";
export type { DocStore } from "./doc-store.js";
export type { Transport } from "./transport.js";
export type { ConnectionLimits, RoomLimits, PersistenceOptions } from "./limits.js";
export type { LogSink } from "./update-log.js";

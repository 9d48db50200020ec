/**
 * What server processes tell each other about a board over the bus. Pure
 * encode/decode (lib0 varints, like y-protocols).
 *
 *   update        a Yjs update one process accepted (from its client or job),
 *                 with that process's sequence number for it (0: not sequenced,
 *                 e.g. what a sync exchange sends, which nobody will confirm)
 *   stored        "every update I published on this board up to `throughSeq`
 *                 is in the database": peers stop holding them (see HeldUpdates)
 *   awareness     an awareness update (presence) of one process's clients
 *   sync-request  "here is my state vector and my presence": sent by a process
 *                 that just loaded the board or lost messages (Redis outage)
 *   sync-reply    sent to the requester alone: what it lacks, our state
 *                 vector (so it can send back what *we* lack) and our presence
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

export type PeerMessage =
  | { kind: "update"; boardId: string; update: Uint8Array; seq: number }
  | { kind: "stored"; boardId: string; throughSeq: number }
  | { kind: "awareness"; boardId: string; update: Uint8Array }
  | { kind: "sync-request"; boardId: string; stateVector: Uint8Array; awareness: Uint8Array }
  | { kind: "sync-reply"; boardId: string; update: Uint8Array; stateVector: Uint8Array; awareness: Uint8Array };

const KINDS = ["update", "awareness", "sync-request", "sync-reply", "stored"] as const;

export function encodePeerMessage(message: PeerMessage): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, KINDS.indexOf(message.kind));
  encoding.writeVarString(enc, message.boardId);
  switch (message.kind) {
    case "update":
      encoding.writeVarUint8Array(enc, message.update);
      encoding.writeVarUint(enc, message.seq);
      break;
    case "awareness":
      encoding.writeVarUint8Array(enc, message.update);
      break;
    case "stored":
      encoding.writeVarUint(enc, message.throughSeq);
      break;
    case "sync-request":
      encoding.writeVarUint8Array(enc, message.stateVector);
      encoding.writeVarUint8Array(enc, message.awareness);
      break;
    case "sync-reply":
      encoding.writeVarUint8Array(enc, message.update);
      encoding.writeVarUint8Array(enc, message.stateVector);
      encoding.writeVarUint8Array(enc, message.awareness);
      break;
  }
  return encoding.toUint8Array(enc);
}

/** Throws on anything that is not exactly one well-formed message. */
export function decodePeerMessage(data: Uint8Array): PeerMessage {
  const dec = decoding.createDecoder(data);
  const kind = KINDS[decoding.readVarUint(dec)];
  const boardId = decoding.readVarString(dec);
  let message: PeerMessage;
  switch (kind) {
    case "update":
      message = { kind, boardId, update: decoding.readVarUint8Array(dec), seq: decoding.readVarUint(dec) };
      break;
    case "awareness":
      message = { kind, boardId, update: decoding.readVarUint8Array(dec) };
      break;
    case "stored":
      message = { kind, boardId, throughSeq: decoding.readVarUint(dec) };
      break;
    case "sync-request":
      message = { kind, boardId, stateVector: decoding.readVarUint8Array(dec), awareness: decoding.readVarUint8Array(dec) };
      break;
    case "sync-reply":
      message = { kind, boardId, update: decoding.readVarUint8Array(dec), stateVector: decoding.readVarUint8Array(dec), awareness: decoding.readVarUint8Array(dec) };
      break;
    default:
      throw new Error("unknown peer message kind");
  }
  if (decoding.hasContent(dec)) throw new Error("trailing bytes after peer message");
  return message;
}

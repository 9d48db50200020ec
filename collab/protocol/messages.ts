/**
 * The y-websocket wire format, as the official client speaks it.
 *
 *   frame   = varuint messageType, payload
 *   sync    = messageType 0, varuint syncType (0 step1 | 1 step2 | 2 update), varUint8Array data
 *   aware   = messageType 1, varUint8Array awarenessUpdate
 *   query   = messageType 3 (asks for every awareness state)
 *
 * Handshake: each side sends step1 (its state vector); the other answers step2
 * (the update the sender is missing). Afterwards both sides send `update`s.
 * Decoding here only splits the frame; the payload validators check the inside.
 */
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import { MalformedFrameError } from "./errors.js";

export const MessageType = { Sync: 0, Awareness: 1, Auth: 2, QueryAwareness: 3 } as const;
export const SyncType = { Step1: 0, Step2: 1, Update: 2 } as const;

export type ClientFrame =
  | { kind: "sync-step1"; stateVector: Uint8Array }
  | { kind: "sync-step2"; update: Uint8Array }
  | { kind: "sync-update"; update: Uint8Array }
  | { kind: "awareness"; update: Uint8Array }
  | { kind: "query-awareness" };

/** Splits a client frame into its tagged parts; throws MalformedFrameError on anything else. */
export function decodeClientFrame(frame: Uint8Array): ClientFrame {
  const decoder = decoding.createDecoder(frame);
  const type = readVarUint(decoder);
  let result: ClientFrame;
  switch (type) {
    case MessageType.Sync: {
      const syncType = readVarUint(decoder);
      const data = readBytes(decoder);
      if (syncType === SyncType.Step1) result = { kind: "sync-step1", stateVector: data };
      else if (syncType === SyncType.Step2) result = { kind: "sync-step2", update: data };
      else if (syncType === SyncType.Update) result = { kind: "sync-update", update: data };
      else throw new MalformedFrameError(`unknown sync message type ${syncType}`);
      break;
    }
    case MessageType.Awareness:
      result = { kind: "awareness", update: readBytes(decoder) };
      break;
    case MessageType.QueryAwareness:
      result = { kind: "query-awareness" };
      break;
    default:
      throw new MalformedFrameError(`unknown message type ${type}`);
  }
  if (decoder.pos !== frame.length) throw new MalformedFrameError("trailing bytes after message");
  return result;
}

function readVarUint(decoder: decoding.Decoder): number {
  try {
    return decoding.readVarUint(decoder);
  } catch {
    throw new MalformedFrameError("truncated varuint");
  }
}

/** Reads a length-prefixed byte array; the length is checked against this frame, not the pooled buffer behind it. */
function readBytes(decoder: decoding.Decoder): Uint8Array {
  const length = readVarUint(decoder);
  if (length > decoder.arr.length - decoder.pos) throw new MalformedFrameError("declared length exceeds frame");
  const bytes = decoder.arr.subarray(decoder.pos, decoder.pos + length);
  decoder.pos += length;
  return bytes;
}

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

function syncFrame(syncType: number) {
  return (payload: Uint8Array) =>
    frame((e) => {
      encoding.writeVarUint(e, MessageType.Sync);
      encoding.writeVarUint(e, syncType);
      encoding.writeVarUint8Array(e, payload);
    });
}

/** Our state vector: "tell me what I am missing". */
export const encodeSyncStep1 = syncFrame(SyncType.Step1);
/** The answer to a step 1: everything the asker is missing. */
export const encodeSyncStep2 = syncFrame(SyncType.Step2);
/** A live change. */
export const encodeSyncUpdate = syncFrame(SyncType.Update);

export const encodeAwareness = (update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.Awareness);
    encoding.writeVarUint8Array(e, update);
  });

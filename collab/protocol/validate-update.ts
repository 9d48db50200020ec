/**
 * Strict structural validation of client frames before they reach Yjs.
 *
 * Yjs V1 update layout (integers are lib0 varuints unless noted):
 *
 *   update      = clientCount clientBlock*  deleteSet
 *   clientBlock = structCount client startClock struct*
 *   struct      = info:u8 body            (info & 0x1f is the ref)
 *     ref 0  GC    len
 *     ref 10 Skip  len
 *     ref 1-9 Item [origin: client clock]       if info & 0x80
 *                  [rightOrigin: client clock]  if info & 0x40
 *                  if neither origin is present:
 *                    parentInfo (1 → root type name: string | 0 → parent ID: client clock)
 *                    [parentSub: string]        if info & 0x20
 *                  content (by ref, see CONTENT_SKIPPERS)
 *   deleteSet   = clientCount (client rangeCount (clock len)*)*
 *
 * Strings are varuint byte length + UTF-8. "Any" values use lib0's tagged
 * encoding (see skipAny). Nothing is materialised except JSON texts (parsed,
 * because Yjs would throw on them mid-decode) and subdoc option keys. Beyond
 * framing, a few checks reject shapes Yjs never writes but would choke on.
 */
import { BoundedReader, decodeUtf8, malformed, utf16Length } from "./bounded-reader.js";

export interface ValidateUpdateOptions {
  /** Deepest nesting of arrays/objects allowed inside an "any" value. */
  maxAnyDepth?: number;
}

export interface ValidateAwarenessOptions {
  /** Largest allowed encoded state (UTF-8 bytes of the JSON text). */
  maxStateBytes: number;
  /** Most entries (client ids) one update may carry: refused before any is read. */
  maxClients?: number;
}

const DEFAULT_MAX_ANY_DEPTH = 32;
const REF_GC = 0;
const REF_SKIP = 10;
const HAS_ORIGIN = 0x80;
const HAS_RIGHT_ORIGIN = 0x40;
const HAS_PARENT_SUB = 0x20;
const REF_MASK = 0x1f;
/** Y.Array, Y.Map, Y.Text, Y.XmlElement, Y.XmlFragment, Y.XmlHook, Y.XmlText. */
const TYPE_REF_COUNT = 7;
const TYPE_REFS_WITH_NAME = new Set([3, 5]);
/** Keys ContentDoc writes, plus shouldLoad which createDocFromOpts reads. */
const SUBDOC_OPTION_KEYS = new Set(["gc", "autoLoad", "shouldLoad", "meta"]);

interface UpdateContext {
  reader: BoundedReader;
  maxAnyDepth: number;
}

export function validateUpdate(update: Uint8Array, opts: ValidateUpdateOptions = {}): void {
  const ctx: UpdateContext = {
    reader: new BoundedReader(update),
    maxAnyDepth: opts.maxAnyDepth ?? DEFAULT_MAX_ANY_DEPTH,
  };
  // Each block is at least structCount + client + clock.
  const clientCount = ctx.reader.readCount(3, "client block");
  for (let i = 0; i < clientCount; i++) validateClientBlock(ctx);
  validateDeleteSet(ctx.reader);
  ctx.reader.expectEnd("update");
}

export function validateStateVector(sv: Uint8Array): void {
  const reader = new BoundedReader(sv);
  const count = reader.readCount(2, "state vector entry");
  for (let i = 0; i < count; i++) {
    reader.readVarUint();
    reader.readVarUint();
  }
  reader.expectEnd("state vector");
}

/** Returns the number of entries, so callers can cap clients per frame. */
export function validateAwarenessUpdate(update: Uint8Array, opts: ValidateAwarenessOptions): number {
  const reader = new BoundedReader(update);
  // clientID + clock + string length + at least one byte of JSON.
  const count = reader.readCount(4, "awareness entry");
  if (opts.maxClients !== undefined && count > opts.maxClients) throw malformed(`awareness update for ${count} clients; at most ${opts.maxClients}`);
  for (let i = 0; i < count; i++) {
    reader.readVarUint();
    reader.readVarUint();
    const state = reader.readVarStringBytes();
    if (state.length > opts.maxStateBytes) {
      throw malformed(`awareness state of ${state.length} bytes exceeds ${opts.maxStateBytes}`);
    }
    requireJson(decodeUtf8(state), "awareness state");
  }
  reader.expectEnd("awareness update");
  return count;
}

function validateClientBlock(ctx: UpdateContext): void {
  const { reader } = ctx;
  // Every struct costs at least an info byte and one more byte.
  const structCount = reader.readCount(2, "struct");
  const client = reader.readVarUint();
  let clock = reader.readVarUint();
  for (let i = 0; i < structCount; i++) {
    clock = advanceClock(clock, validateStruct(ctx, client, clock));
  }
}

/** Returns the struct's length in clock units. */
function validateStruct(ctx: UpdateContext, client: number, clock: number): number {
  const info = ctx.reader.readUint8();
  const ref = info & REF_MASK;
  if (ref === REF_GC || ref === REF_SKIP) {
    // Yjs only ever writes the bare ref here; other bits would be silently ignored.
    if (info !== ref) throw malformed(`unexpected flags 0x${info.toString(16)} on GC/Skip`);
    return requireNonEmpty(ctx.reader.readVarUint(), "GC/Skip");
  }
  const skipContent = CONTENT_SKIPPERS[ref];
  if (skipContent === undefined) throw malformed(`unknown content ref ${ref}`);
  validateItemHeader(ctx.reader, info, client, clock);
  return requireNonEmpty(skipContent(ctx), "item content");
}

function validateItemHeader(reader: BoundedReader, info: number, client: number, clock: number): void {
  if (info & HAS_ORIGIN) validateEarlierId(reader, client, clock, "origin");
  if (info & HAS_RIGHT_ORIGIN) validateEarlierId(reader, client, clock, "right origin");
  if (info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) return; // parent is inherited from the origins
  const parentInfo = reader.readVarUint();
  if (parentInfo === 1) reader.skipVarString();
  else if (parentInfo === 0) validateEarlierId(reader, client, clock, "parent");
  else throw malformed(`parent info ${parentInfo} is neither 0 nor 1`);
  if (info & HAS_PARENT_SUB) reader.skipVarString();
}

/**
 * Yjs integrates a client's structs in clock order and then looks referenced
 * IDs of that same client up without a missing-check, so a reference to its
 * own or a later clock makes it throw halfway through applying the update.
 */
function validateEarlierId(reader: BoundedReader, client: number, clock: number, what: string): void {
  const refClient = reader.readVarUint();
  const refClock = reader.readVarUint();
  if (refClient === client && refClock >= clock) {
    throw malformed(`${what} ${refClient}:${refClock} is not before item ${client}:${clock}`);
  }
}

type ContentSkipper = (ctx: UpdateContext) => number;

/** Indexed by content ref; each returns the content length in clock units. */
const CONTENT_SKIPPERS: readonly (ContentSkipper | undefined)[] = [
  undefined, // 0 is GC
  skipContentDeleted, // 1
  refuseContentJson, // 2
  skipContentBinary, // 3
  skipContentString, // 4
  skipContentEmbed, // 5
  skipContentFormat, // 6
  skipContentType, // 7
  skipContentAny, // 8
  skipContentDoc, // 9
];

function skipContentDeleted({ reader }: UpdateContext): number {
  return reader.readVarUint();
}

/**
 * Legacy ContentJSON: current Yjs reads it but never writes it (values go in
 * ContentAny). It is refused because it is the costliest thing to check (a
 * JSON.parse per element, ~50 ms per MB) and no client of ours sends it.
 */
function refuseContentJson(): number {
  throw malformed("legacy JSON content is not accepted");
}

function skipContentBinary({ reader }: UpdateContext): number {
  reader.skipVarUint8Array();
  return 1;
}

function skipContentString({ reader }: UpdateContext): number {
  return utf16Length(reader.readVarStringBytes());
}

function skipContentEmbed({ reader }: UpdateContext): number {
  requireJson(reader.readVarString(), "embed");
  return 1;
}

function skipContentFormat({ reader }: UpdateContext): number {
  reader.skipVarString();
  requireJson(reader.readVarString(), "format value");
  return 1;
}

function skipContentType({ reader }: UpdateContext): number {
  const typeRef = reader.readVarUint();
  if (typeRef >= TYPE_REF_COUNT) throw malformed(`unknown type ref ${typeRef}`);
  if (TYPE_REFS_WITH_NAME.has(typeRef)) reader.skipVarString();
  return 1;
}

function skipContentAny(ctx: UpdateContext): number {
  const count = ctx.reader.readCount(1, "any element");
  for (let i = 0; i < count; i++) skipAny(ctx, ctx.maxAnyDepth);
  return count;
}

/** Subdoc: guid string, then an options object that is spread into `new Doc()`. */
function skipContentDoc(ctx: UpdateContext): number {
  ctx.reader.skipVarString();
  if (ctx.reader.readUint8() !== ANY.object) throw malformed("subdoc options must be an object");
  skipAnyObject(ctx, ctx.maxAnyDepth - 1, SUBDOC_OPTION_KEYS);
  return 1;
}

// lib0 `writeAny` tags.
const ANY = {
  undefined: 127, null: 126, int: 125, float32: 124, float64: 123, bigint: 122,
  false: 121, true: 120, string: 119, object: 118, array: 117, bytes: 116,
} as const;

/** `depthLeft` is how many more arrays/objects may be opened. */
function skipAny(ctx: UpdateContext, depthLeft: number): void {
  const { reader } = ctx;
  const tag = reader.readUint8();
  switch (tag) {
    case ANY.undefined:
    case ANY.null:
    case ANY.false:
    case ANY.true:
      return;
    case ANY.int:
      reader.readVarInt();
      return;
    case ANY.float32:
      return reader.skipFloat32();
    case ANY.float64:
      return reader.skipFloat64();
    case ANY.bigint:
      return reader.skipBigInt64();
    case ANY.string:
      reader.skipVarString();
      return;
    case ANY.bytes:
      reader.skipVarUint8Array();
      return;
    case ANY.object:
      return skipAnyObject(ctx, depthLeft - 1);
    case ANY.array:
      return skipAnyArray(ctx, depthLeft - 1);
    default:
      throw malformed(`unknown any tag ${tag}`);
  }
}

function skipAnyObject(ctx: UpdateContext, depthLeft: number, allowedKeys?: ReadonlySet<string>): void {
  if (depthLeft < 0) throw malformed("any value nested too deeply");
  // Each entry is at least a key length byte and a value tag.
  const count = ctx.reader.readCount(2, "object entry");
  for (let i = 0; i < count; i++) {
    if (allowedKeys !== undefined) requireAllowedKey(ctx.reader.readVarString(), allowedKeys);
    else if (ctx.reader.skipVarString() === PROTO_KEY.length) refuseProtoKey(ctx.reader);
    skipAny(ctx, depthLeft);
  }
}

function skipAnyArray(ctx: UpdateContext, depthLeft: number): void {
  if (depthLeft < 0) throw malformed("any value nested too deeply");
  const count = ctx.reader.readCount(1, "array element");
  for (let i = 0; i < count; i++) skipAny(ctx, depthLeft);
}

const PROTO_KEY = new TextEncoder().encode("__proto__");

/** lib0 decodes objects by assignment, so a `__proto__` key would replace the value's prototype. */
function refuseProtoKey(reader: BoundedReader): void {
  const key = reader.readBytesBehind(PROTO_KEY.length);
  if (key.every((b, i) => b === PROTO_KEY[i])) throw malformed("object key __proto__ is not accepted");
}

function requireAllowedKey(key: string, allowed: ReadonlySet<string>): void {
  if (!allowed.has(key)) throw malformed(`unexpected key ${JSON.stringify(key)}`);
}

/**
 * Yjs writes each client of a delete set once, in descending order, and its
 * ranges sorted and merged; anything else is refused. Every range is a walk
 * over the structs it covers (in the server-owned check and in Yjs' own
 * apply), so 20,000 ranges naming the same 10,000 records (60 KB) cost
 * seconds of event loop; in order and apart, the walks together cover each
 * struct at most once. Checking the order needs no memory of earlier clients.
 */
function validateDeleteSet(reader: BoundedReader): void {
  // client + rangeCount per client, clock + len per range.
  const clientCount = reader.readCount(2, "delete set client");
  let previousClient = Infinity;
  for (let i = 0; i < clientCount; i++) {
    const client = reader.readVarUint();
    if (client >= previousClient) throw malformed(`delete set client ${client} after ${previousClient}: clients must be listed once each, in descending order`);
    previousClient = client;
    const rangeCount = reader.readCount(2, "delete range");
    let end = 0;
    for (let j = 0; j < rangeCount; j++) {
      const clock = reader.readVarUint();
      if (clock < end) throw malformed(`delete range ${client}:${clock} starts before the one before it ends (${end})`);
      end = advanceClock(clock, requireNonEmpty(reader.readVarUint(), "delete range"));
    }
  }
}

/** Yjs does clock arithmetic in doubles; past 2^53 IDs silently collide. */
function advanceClock(clock: number, len: number): number {
  const next = clock + len;
  if (next > Number.MAX_SAFE_INTEGER) throw malformed("clock exceeds MAX_SAFE_INTEGER");
  return next;
}

/**
 * Yjs never writes empty structs or delete ranges, and chokes on them later
 * (transaction cleanup, re-encoding), after part of the update is applied.
 */
function requireNonEmpty(len: number, what: string): number {
  if (len === 0) throw malformed(`empty ${what}`);
  return len;
}

function requireJson(text: string, what: string): void {
  try {
    JSON.parse(text);
  } catch {
    throw malformed(`${what} is not valid JSON`);
  }
}

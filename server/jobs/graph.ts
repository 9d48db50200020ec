import type * as Y from "yjs";
import { readNode, type GenNode } from "../nodes/node-record.js";

interface ArrowBinding {
  typeName: "binding";
  type: "arrow";
  fromId: string;
  toId: string;
  props: { terminal: "start" | "end" };
}

function isArrowBinding(value: unknown): value is ArrowBinding {
  const b = value as ArrowBinding | null;
  return !!b && b.typeName === "binding" && b.type === "arrow" && typeof b.fromId === "string" && typeof b.toId === "string";
}

/**
 * The nodes wired into `nodeId`: for every arrow whose end is bound to it, the
 * node its start is bound to. Ordered left to right, so "messages upstream"
 * and "the first image in" mean what the canvas shows.
 */
export function upstreamNodes(records: Y.Map<unknown>, nodeId: string): GenNode[] {
  const starts = new Map<string, string>();
  const arrowsIn: string[] = [];
  for (const value of records.values()) {
    if (!isArrowBinding(value)) continue;
    if (value.props.terminal === "start") starts.set(value.fromId, value.toId);
    else if (value.props.terminal === "end" && value.toId === nodeId) arrowsIn.push(value.fromId);
  }
  const upstream = arrowsIn
    .map((arrow) => starts.get(arrow))
    .filter((id): id is string => !!id && id !== nodeId)
    .map((id) => readNode(records.get(id)))
    .filter((n): n is GenNode => n !== null);
  const unique = [...new Map(upstream.map((n) => [n.id, n])).values()];
  return unique.sort((a, b) => xOf(records, a.id) - xOf(records, b.id));
}

const xOf = (records: Y.Map<unknown>, id: string) => ((records.get(id) as { x?: number } | undefined)?.x ?? 0);

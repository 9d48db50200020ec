import { atom } from "tldraw";

/** Who this browser is on every board: kept in localStorage, asked for once. */
export interface LocalUser {
  id: string;
  name: string;
  color: string;
  /** False until the person has chosen a name (then we stop asking). */
  named: boolean;
}

const KEY = "genboard:user";

/** Distinct on a light and a dark canvas; picked by a hash of the user id so a person keeps their colour. */
const PALETTE = ["#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#e8590c", "#5f3dc4", "#c2255c", "#66a80f", "#1098ad", "#d9480f"];

export function colorFor(id: string): string {
  let hash = 2166136261;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 16777619);
  return PALETTE[(hash >>> 0) % PALETTE.length];
}

function load(): LocalUser {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "null") as Partial<LocalUser> | null;
    if (saved && typeof saved.id === "string" && typeof saved.name === "string") {
      return { id: saved.id, name: saved.name, color: saved.color ?? colorFor(saved.id), named: saved.named === true };
    }
  } catch {
    /* storage blocked: a fresh identity for this page */
  }
  const id = crypto.randomUUID();
  return { id, name: `Guest ${id.slice(0, 4).toUpperCase()}`, color: colorFor(id), named: false };
}

/** The local user as a signal, so tldraw and our chrome both follow a rename. */
export const localUser = atom<LocalUser>("genboard user", typeof window === "undefined" ? { id: "server", name: "", color: "#000", named: false } : load());

export function updateLocalUser(patch: Partial<Omit<LocalUser, "id">>): void {
  const next = { ...localUser.get(), ...patch };
  localUser.set(next);
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    /* storage blocked: the name lasts for this page only */
  }
}

import { useCallback, useEffect, useState } from "react";
import type { ShareProps } from "./ShareButton";

type Kind = "edit" | "view" | "embed";
interface LiveLink {
  kind: Kind;
  link: string | null;
}

const LABELS: Record<Kind, { title: string; hint: string }> = {
  edit: { title: "Edit link", hint: "Anyone with it can change the board." },
  view: { title: "View link", hint: "Anyone with it can watch, not change." },
  embed: { title: "Embed", hint: "A read-only view for other sites, without Genboard's chrome." },
};

const absolute = (path: string) => new URL(path, location.origin).href;
const iframeSnippet = (path: string) => `<iframe src="${absolute(path)}" width="800" height="600" style="border:0" allow="clipboard-write" title="Genboard"></iframe>`;

/** Copy the board's links and its <iframe> snippet; the owner can also replace or turn off each link. */
export function ShareDialog({ boardId, isOwner, role, ownLink, onClose }: ShareProps & { onClose: () => void }) {
  const [links, setLinks] = useState<LiveLink[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const api = useCallback(
    async (method: string, path = "") => {
      const response = await fetch(`/api/boards/${encodeURIComponent(boardId)}${path}`, { method, credentials: "same-origin" });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
      return body;
    },
    [boardId],
  );
  const reload = useCallback(async () => {
    if (!isOwner) return setLinks(ownLink ? [{ kind: role, link: ownLink }] : []);
    const board = await api("GET");
    const live = board.links as LiveLink[];
    setLinks((["edit", "view", "embed"] as Kind[]).map((kind) => live.find((l) => l.kind === kind) ?? { kind, link: null }));
  }, [api, isOwner, ownLink, role]);
  useEffect(() => {
    reload().catch((e: Error) => setError(e.message));
  }, [reload]);

  const act = (method: string, path: string) => async () => {
    setBusy(true);
    setError(null);
    try {
      await api(method, path);
      await reload();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="gb-dialog-backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="gb-dialog" role="dialog" aria-modal="true" aria-labelledby="gb-share-title" data-testid="share-dialog" onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <h2 id="gb-share-title">Share this board</h2>
        {!isOwner && <p className="gb-hint">Only the board's owner can see every link and turn links off. This is the link you opened it with:</p>}
        {error && <p className="gb-error" role="alert">{error}</p>}
        {links === null && !error && <p>Loading links…</p>}
        {links?.map(({ kind, link }) => (
          <section key={kind} className="gb-share-row" data-kind={kind}>
            <h3>{LABELS[kind].title}</h3>
            <p className="gb-hint">{LABELS[kind].hint}</p>
            {link ? (
              <>
                <CopyField label={`${LABELS[kind].title} URL`} value={absolute(link)} />
                {kind === "embed" && <CopyField label="iframe snippet" value={iframeSnippet(link)} />}
              </>
            ) : (
              <p className="gb-hint">{isOwner ? "Turned off. Create a new one to share again." : "Not available."}</p>
            )}
            {isOwner && (
              <div className="gb-actions">
                <button type="button" disabled={busy} onClick={act("POST", `/links/${kind}/rotate`)} data-testid={`rotate-${kind}`}>
                  {link ? "Replace link" : "Create link"}
                </button>
                {link && (
                  <button type="button" disabled={busy} className="gb-danger" onClick={act("DELETE", `/links/${kind}`)} data-testid={`revoke-${kind}`}>
                    Turn off
                  </button>
                )}
              </div>
            )}
          </section>
        ))}
        <div className="gb-actions gb-actions--end">
          <button type="button" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    </div>
  );
}

function CopyField({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      /* clipboard refused (insecure context): the field is selectable */
    }
  };
  return (
    <div className="gb-copy">
      <input readOnly aria-label={label} value={value} onFocus={(e) => e.target.select()} onKeyDown={(e) => e.stopPropagation()} />
      <button type="button" onClick={copy}>
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}

import type { TLAssetStore } from "tldraw";

/**
 * Files dropped on the canvas go to the server's content-addressed asset store;
 * the document keeps only the URL (never base64 bytes). Board pages authenticate
 * with this browser's cookie, embeds with their token.
 */
export function uploadingAssetStore(boardId: string, token: string | undefined): TLAssetStore {
  return {
    async upload(_asset, file, signal) {
      const response = await fetch(`/api/boards/${encodeURIComponent(boardId)}/assets`, {
        method: "POST",
        body: file,
        signal,
        credentials: "same-origin",
        headers: { "Content-Type": file.type || "application/octet-stream", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      });
      const body = (await response.json().catch(() => null)) as { url?: string; error?: { message?: string } } | null;
      if (!response.ok || !body?.url) throw new Error(body?.error?.message ?? `Upload failed (HTTP ${response.status}).`);
      return { src: body.url };
    },
    resolve(asset) {
      return asset.props.src;
    },
  };
}

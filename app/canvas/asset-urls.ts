import { version } from "@tldraw/assets/package.json";
import { getAssetUrls } from "@tldraw/assets/selfHosted";

/**
 * tldraw's fonts, icons and translations, served from our own build
 * (scripts/copy-tldraw-assets.mjs copies them under a versioned path, cached as
 * immutable), so a board needs no third-party request: offline, on a closed
 * network, inside embeds.
 */
export const assetUrls = getAssetUrls({ baseUrl: `/tldraw-assets/${version}` });

/** What a board or embed page hands the canvas (from its loader). */
export interface CanvasProps {
  boardId: string;
  title: string;
  role: "edit" | "view";
  isOwner: boolean;
  /** Embeds: the link token, since third-party iframes get no cookies. */
  token?: string;
  embed: boolean;
  /** The link this browser opened the board with (not the owner: the owner's share dialog lists all links). */
  ownLink?: string;
  licenseKey?: string;
}

import { useState } from "react";
import { ShareDialog } from "./ShareDialog";

export interface ShareProps {
  boardId: string;
  isOwner: boolean;
  role: "edit" | "view";
  ownLink?: string;
}

export function ShareButton(props: ShareProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="gb-share-button" data-testid="share-button" onClick={() => setOpen(true)}>
        Share
      </button>
      {open && <ShareDialog {...props} onClose={() => setOpen(false)} />}
    </>
  );
}

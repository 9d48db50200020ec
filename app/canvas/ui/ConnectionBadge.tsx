import { useValue } from "tldraw";
import { useBoardSession } from "./session-context";

const LABELS = { connecting: "Connecting…", connected: "Live", reconnecting: "Reconnecting…", offline: "Offline — edits are kept", refused: "Disconnected" };

/** Connected / reconnecting / offline, in words and colour. */
export function ConnectionBadge() {
  const session = useBoardSession();
  const state = useValue("connection", () => session.connection.get(), [session]);
  return (
    <span className={`gb-status gb-status--${state.kind}`} data-testid="connection-status" data-status={state.kind} role="status" title={LABELS[state.kind]}>
      <span className="gb-status__dot" aria-hidden="true" />
      {LABELS[state.kind]}
    </span>
  );
}

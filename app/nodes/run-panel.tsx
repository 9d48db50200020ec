import { useState } from "react";
import { useNodeBoard } from "./board-context";
import { keepInCard } from "./node-settings";
import { cancelRun, startRun } from "./run-api";
import { isActive, type RunView } from "./use-run";

const STATUS_TEXT = { queued: "Queued", running: "Running", succeeded: "Done", failed: "Failed", canceled: "Canceled" } as const;

/** Run / Re-run / Cancel, the progress bar, the status and a readable error. */
export function RunPanel({ nodeId, run, canEdit }: { nodeId: string; run: RunView | null; canEdit: boolean }) {
  const board = useNodeBoard();
  const [requestError, setRequestError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const send = (request: () => Promise<unknown>) => {
    setSending(true);
    setRequestError(null);
    request()
      .catch((error: Error) => setRequestError(error.message))
      .finally(() => setSending(false));
  };
  const active = isActive(run?.status);
  const error = requestError ?? (run?.status === "failed" ? run.error : null);

  return (
    <div className="gb-node__run">
      <div className="gb-node__actions">
        {canEdit && !active && (
          <button type="button" data-testid="node-run" disabled={sending} onClick={() => send(() => startRun(board, nodeId))} {...keepInCard}>
            Run
          </button>
        )}
        {canEdit && !active && run && (
          <button type="button" data-testid="node-rerun" disabled={sending} onClick={() => send(() => startRun(board, nodeId, true))} {...keepInCard}>
            Re-run
          </button>
        )}
        {canEdit && active && run && (
          <button type="button" data-testid="node-cancel" disabled={sending} onClick={() => send(() => cancelRun(board, run.jobId))} {...keepInCard}>
            Cancel
          </button>
        )}
        <span className={`gb-node__status gb-node__status--${run?.status ?? "idle"}`} data-testid="node-status" data-status={run?.status ?? "idle"}>
          {run ? STATUS_TEXT[run.status] ?? run.status : "Not run yet"}
        </span>
      </div>
      {active && (
        <div className="gb-node__progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round((run?.progress ?? 0) * 100)}>
          <div style={{ width: `${Math.round((run?.progress ?? 0) * 100)}%` }} />
        </div>
      )}
      {error && (
        <p className="gb-node__error" role="alert" data-testid="node-error">
          {error}
        </p>
      )}
    </div>
  );
}

import { useState } from "react";
import { useNodeBoard } from "./board-context";
import { keepInCard } from "./node-settings";
import { selectOutput } from "./run-api";
import { isActive, type RunHistoryEntry, type RunView } from "./use-run";

const SHOWN = 5;

/**
 * The node's succeeded runs, newest first, with the model, seed and cost of
 * each. Editors pick which one is current: its output is what the card shows
 * and what nodes downstream receive.
 */
export function RunHistory({ nodeId, run, canEdit }: { nodeId: string; run: RunView | null; canEdit: boolean }) {
  const board = useNodeBoard();
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  if (!run || run.history.length === 0) return null;
  const choose = (jobId: string) => {
    setSending(true);
    setError(null);
    selectOutput(board, nodeId, jobId)
      .catch((e: Error) => setError(e.message))
      .finally(() => setSending(false));
  };
  const canChoose = canEdit && !isActive(run.status) && !sending;

  return (
    <details className="gb-node__history" {...keepInCard}>
      <summary>History ({run.history.length})</summary>
      <ol>
        {run.history
          .slice(-SHOWN)
          .reverse()
          .map((entry) => {
            const current = entry.jobId === run.currentJobId;
            return (
              <li key={entry.jobId} data-testid="node-history-entry" data-job-id={entry.jobId} data-current={current}>
                {describe(entry)}
                {current ? (
                  <strong className="gb-node__current"> · current</strong>
                ) : (
                  canEdit && (
                    <button type="button" data-testid="node-history-use" disabled={!canChoose} onClick={() => choose(entry.jobId)} {...keepInCard}>
                      Use
                    </button>
                  )
                )}
              </li>
            );
          })}
      </ol>
      {error && (
        <p className="gb-node__error" role="alert">
          {error}
        </p>
      )}
    </details>
  );
}

const describe = (entry: RunHistoryEntry) =>
  `${entry.model} · seed ${entry.seed} · $${entry.costUsd.toFixed(entry.costUsd > 0 && entry.costUsd < 0.01 ? 4 : 2)}`;

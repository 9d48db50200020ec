/** What a board page shows before the canvas code arrives: same box as the canvas, so nothing moves when it does. */
export function BoardSkeleton({ title, status }: { title: string; status?: string }) {
  return (
    <div className="gb-skeleton" aria-busy="true">
      <div className="gb-skeleton__title">{title}</div>
      <div className="gb-skeleton__status" role="status">
        {status ?? "Loading board…"}
      </div>
    </div>
  );
}

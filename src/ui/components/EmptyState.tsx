/** A view that has nothing to show yet: what will appear and how to get there. */
import type { ReactNode } from 'react';

export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty-state">
      <div className="empty-state-body">
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

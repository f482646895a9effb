/** One figure of the memory area: a title, the headline number, a bar and its legend. */
import type { ReactNode } from 'react';

interface Props {
  title: string;
  headline: ReactNode;
  children: ReactNode;
  pending?: boolean;
}

export function MemoryCard({ title, headline, children, pending }: Props) {
  return (
    <section className={`memory-card${pending ? ' memory-card-pending' : ''}`} aria-label={title}>
      <header className="memory-card-head">
        <h3>{title}</h3>
        <span className="memory-card-headline num">{headline}</span>
      </header>
      {children}
    </section>
  );
}

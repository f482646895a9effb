/** A titled group of label/value pairs in the properties panel. */
import type { ReactNode } from 'react';

export function PropertySection({ title, children }: { title: ReactNode; children: ReactNode }) {
  return (
    <section className="prop-section">
      <h3>{title}</h3>
      <dl className="prop-list">{children}</dl>
    </section>
  );
}

export function Prop({ label, children, title }: { label: string; children: ReactNode; title?: string }) {
  return (
    <>
      <dt title={title}>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

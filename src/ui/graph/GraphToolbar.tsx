/** The strip over a graph: what it shows, its own options, find and export. */
import type { ReactNode } from 'react';

interface Props {
  caption: ReactNode;
  children?: ReactNode;
  onFind(): void;
  onExport(kind: 'svg' | 'png'): void;
}

export function GraphToolbar({ caption, children, onFind, onExport }: Props) {
  return (
    <div className="graph-toolbar">
      <span className="graph-caption">{caption}</span>
      <span className="graph-toolbar-spacer" />
      {children}
      <button type="button" className="button button-small" onClick={onFind} title="Find a node (Ctrl+F)">
        Find <kbd>Ctrl F</kbd>
      </button>
      <button type="button" className="button button-small" onClick={() => onExport('svg')} title="Download the whole graph as SVG">SVG</button>
      <button type="button" className="button button-small" onClick={() => onExport('png')} title="Download the whole graph as PNG">PNG</button>
    </div>
  );
}

/** Links that appear on the first Tab: straight to each panel, past the toolbar and the graph's nodes. */
const TARGETS = [
  { id: 'graph-area', label: 'Skip to the graph and tabs' },
  { id: 'memory-panel', label: 'Skip to the memory panel' },
  { id: 'properties-panel', label: 'Skip to the properties' },
];

export function SkipLinks() {
  return (
    <nav className="skip-links" aria-label="Skip links">
      {TARGETS.map((t) => (
        <a key={t.id} href={`#${t.id}`} className="skip-link"
          onClick={(e) => {
            // The URL's hash carries the shared project: move the focus without touching it.
            e.preventDefault();
            const el = document.getElementById(t.id);
            el?.focus();
            el?.scrollIntoView({ block: 'nearest' });
          }}>
          {t.label}
        </a>
      ))}
    </nav>
  );
}

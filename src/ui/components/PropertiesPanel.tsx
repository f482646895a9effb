/** The right panel: the selected layer's details, or the model's when no layer is selected. */
import { useSelectedLayer } from '../store/selectors.ts';
import { useStudio } from '../store/index.ts';
import { LayerProperties } from './LayerProperties.tsx';
import { ModelOverview } from './ModelOverview.tsx';

export function PropertiesPanel() {
  const selected = useSelectedLayer();
  const selectLayer = useStudio((s) => s.selectLayer);
  return (
    <aside className="side-panel" id="properties-panel" aria-label="Properties" tabIndex={-1}>
      <div className="panel-header">
        <h2>{selected ? 'Layer properties' : 'Model properties'}</h2>
        {selected && (
          <button type="button" className="button button-ghost button-small" onClick={() => selectLayer(null)}>
            Show model
          </button>
        )}
      </div>
      <div className="panel-body" tabIndex={0}>
        {selected ? <LayerProperties layer={selected} /> : <ModelOverview />}
      </div>
    </aside>
  );
}

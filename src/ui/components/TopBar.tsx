/** The top bar: product and project, what defines the model (architecture or file, input size, classes), the scheme, history, firmware export, open file. */
import { useStudio } from '../store/index.ts';
import { BrandMark } from './BrandMark.tsx';
import { ExportFirmwareButton } from './ExportFirmwareButton.tsx';
import { HistoryButtons } from './HistoryButtons.tsx';
import { ModelPicker } from './ModelPicker.tsx';
import { OpenModelButton } from './OpenModelButton.tsx';
import { ProjectMenu } from './ProjectMenu.tsx';
import { SchemePicker } from './SchemePicker.tsx';
import { ShapeField } from './ShapeField.tsx';

export function TopBar() {
  return (
    <header className="topbar">
      <div className="brand">
        <BrandMark />
        <h1 className="brand-name">TinyTrain Studio</h1>
      </div>
      <ProjectMenu />
      <div className="topbar-sep" aria-hidden="true" />
      <div className="topbar-controls" role="group" aria-label="Model settings">
        <ModelPicker />
        <ShapeField field="resolution" label="Resolution" unit="px" min={8} max={1024} step={16} />
        <ShapeField field="classes" label="Classes" min={2} max={10000} step={1} />
        <SchemePicker />
      </div>
      <div className="topbar-spacer" />
      <HistoryButtons />
      <GlossaryButton />
      <ExportFirmwareButton />
      <OpenModelButton />
    </header>
  );
}

function GlossaryButton() {
  const open = useStudio((s) => s.openGlossary);
  return (
    <button type="button" className="button button-icon" onClick={() => open('')} title="Glossary: every term explained, and the tour" aria-label="Glossary and tour">?</button>
  );
}

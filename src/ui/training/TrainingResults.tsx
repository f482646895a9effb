/**
 * What a finished run did on the validation images, as the worker measured it: the confusion matrix,
 * the accuracy of each class, and examples it got right and wrong (the image the model saw, its
 * label, its prediction and confidence). Renders only.
 */
import type { JobResult, ValidationExample } from '../../engine/train/train-job.ts';
import { ImageThumb } from './ImageThumb.tsx';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function ConfusionMatrix({ confusion, names }: { confusion: number[][]; names: string[] }) {
  const max = Math.max(1, ...confusion.flat());
  return (
    <figure className="confusion" aria-label="Confusion matrix">
      <figcaption>Confusion matrix <span className="muted">(rows: true class · columns: predicted · cells: images)</span></figcaption>
      <div className="confusion-scroll">
        <table className="confusion-table" data-testid="confusion-matrix">
          <thead>
            <tr>
              <th scope="col"><span className="sr-only">true class</span></th>
              {names.map((n, j) => <th key={j} scope="col" title={`predicted ${n}`}><span className="confusion-col">{n}</span></th>)}
            </tr>
          </thead>
          <tbody>
            {confusion.map((row, i) => (
              <tr key={i}>
                <th scope="row">{names[i]}</th>
                {row.map((v, j) => {
                  const a = v / max;
                  return (
                    <td key={j} className={i === j ? 'diag' : v ? 'off' : ''} data-count={v}
                      style={{ background: v ? (i === j ? `rgba(95, 209, 138, ${0.12 + 0.6 * a})` : `rgba(255, 123, 114, ${0.12 + 0.6 * a})`) : undefined }}
                      title={`${v} image${v === 1 ? '' : 's'} of ${names[i]} predicted as ${names[j]}`}>
                      {v || ''}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

function PerClass({ perClass, names }: { perClass: { count: number; correct: number }[]; names: string[] }) {
  return (
    <figure className="per-class" aria-label="Accuracy of each class">
      <figcaption>Accuracy of each class</figcaption>
      <ul className="per-class-list">
        {perClass.map((c, i) => {
          const acc = c.count ? c.correct / c.count : 0;
          return (
            <li key={i}>
              <span className="per-class-name">{names[i]}</span>
              <span className="per-class-bar" aria-hidden="true"><span style={{ width: `${acc * 100}%` }} /></span>
              <span className="num">{c.count ? pct(acc) : '–'}</span>
              <span className="muted num">{c.correct}/{c.count}</span>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}

function Examples({ title, items, names, right }: { title: string; items: ValidationExample[]; names: string[]; right: boolean }) {
  return (
    <figure className="examples" aria-label={title}>
      <figcaption>{title}</figcaption>
      {items.length === 0 ? <p className="muted">None.</p> : (
        <ul className="example-list" data-testid={right ? 'examples-right' : 'examples-wrong'}>
          {items.map((e) => (
            <li key={e.index} className={right ? 'right' : 'wrong'}>
              <ImageThumb image={e.image} size={56} label={`validation image ${e.index}: ${names[e.label]}`} />
              <span className="example-text">
                {right ? <><strong>{names[e.predicted]}</strong></> : <><strong>{names[e.predicted]}</strong> <span className="muted">was {names[e.label]}</span></>}
                <span className="muted num">{pct(e.confidence)} sure</span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

export function TrainingResults({ result }: { result: JobResult }) {
  const v = result.validation;
  if (!v) return <p className="muted">No validation result: the run stopped before its first evaluation.</p>;
  const names = result.classNames;
  return (
    <div className="training-results" data-testid="training-results">
      <ConfusionMatrix confusion={v.confusion} names={names} />
      <PerClass perClass={v.perClass} names={names} />
      {result.examples && (
        <div className="examples-pair">
          <Examples title="Right answers, across the classes" items={result.examples.right} names={names} right />
          <Examples title="Wrong: the most confident mistakes" items={result.examples.wrong} names={names} right={false} />
        </div>
      )}
    </div>
  );
}

/**
 * The tour's card: where it points (a ring round the target), what it says, Back / Next / Skip. It
 * does not block the window, so at the last stop the user toggles a conv for real; the card then
 * shows how the engine's peak SRAM moved, and Finish.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { formatBytes } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { finishTour, TOUR, tourConv } from './tour.ts';

const CARD_W = 340;

interface Box { left: number; top: number; width: number; height: number }

function targetOf(step: number, conv: number): string {
  return step === TOUR.length - 1 ? `[data-testid="fwd-node-conv${conv}"]` : TOUR[step].target;
}

export function Tour() {
  const step = useStudio((s) => s.tourStep);
  const peak = useStudio((s) => s.program.report.peakSramBytes);
  const scheme = useStudio((s) => s.doc.scheme);
  const [box, setBox] = useState<Box | null>(null);
  const [cardH, setCardH] = useState(180);
  const card = useRef<HTMLDivElement>(null);
  const last = step !== null && step === TOUR.length - 1;
  // The figure and scheme when the last stop opened, to show how the toggle moved the bar.
  const [before, setBefore] = useState<{ peak: number; scheme: unknown; conv: number } | null>(null);
  if (last && before === null) setBefore({ peak, scheme, conv: tourConv() });
  if (!last && before !== null) setBefore(null);

  // The last stop: the forward graph, with the conv to toggle selected (which brings it into view).
  useEffect(() => {
    if (!last) return;
    const s = useStudio.getState();
    s.setGraphTab('forward');
    s.selectLayer(`conv${tourConv()}`);
  }, [last]);
  const conv = before?.conv ?? tourConv();

  // Follow the target as the window lays out (it may move when a view opens or the graph pans).
  useLayoutEffect(() => {
    if (step === null) return;
    let frame = 0;
    const measure = () => {
      const el = document.querySelector(targetOf(step, conv));
      const r = el?.getBoundingClientRect();
      setBox((b) => {
        const next = r && r.width > 0 ? { left: r.left, top: r.top, width: r.width, height: r.height } : null;
        return b && next && b.left === next.left && b.top === next.top && b.width === next.width && b.height === next.height ? b : next;
      });
      frame = requestAnimationFrame(measure);
    };
    measure();
    return () => cancelAnimationFrame(frame);
  }, [step, conv]);

  useEffect(() => {
    if (step !== null) card.current?.focus();
  }, [step]);
  // The card's height (it grows when the result shows), to keep it inside the window.
  useLayoutEffect(() => {
    const h = card.current?.offsetHeight;
    if (h && h !== cardH) setCardH(h);
  }, [step, cardH, peak, scheme]);

  if (step === null) return null;
  const stop = TOUR[step];
  const toggled = last && before !== null && scheme !== before.scheme;
  const w = window.innerWidth, h = window.innerHeight;
  let left = w / 2 - CARD_W / 2, top = h / 3;
  if (box) {
    // Beside the target when there is room, else below or above it.
    if (box.left + box.width + 12 + CARD_W < w) {
      left = box.left + box.width + 12;
      top = box.top;
    } else if (box.left - 12 - CARD_W > 0) {
      left = box.left - 12 - CARD_W;
      top = box.top;
    } else {
      left = box.left;
      top = box.top + box.height + 12 + cardH < h ? box.top + box.height + 12 : box.top - cardH - 12;
    }
    left = Math.max(8, Math.min(w - CARD_W - 8, left));
    top = Math.max(8, Math.min(h - cardH - 8, top));
  }
  const delta = toggled ? peak - before!.peak : 0;

  return (
    <>
      {box && <div className="tour-ring" aria-hidden="true" style={{ left: box.left - 4, top: box.top - 4, width: box.width + 8, height: box.height + 8 }} />}
      <div ref={card} className="tour-card" role="dialog" aria-label={`Tour, ${step + 1} of ${TOUR.length}: ${stop.title}`} tabIndex={-1}
        data-testid="tour" data-step={step} style={{ left, top, width: CARD_W }}
        onKeyDown={(e) => e.key === 'Escape' && finishTour()}>
        <div className="tour-count muted">{step + 1} of {TOUR.length}</div>
        <h2>{stop.title}</h2>
        <p>{last ? `Click b (or a ratio) on conv ${conv}, highlighted, and watch the Peak SRAM bar and the timeline move.` : stop.text}</p>
        {toggled && (
          <p className="tour-result" role="status" data-testid="tour-result">
            Peak SRAM {formatBytes(before!.peak)} → <strong>{formatBytes(peak)}</strong>{' '}
            ({delta >= 0 ? '+' : '−'}{formatBytes(Math.abs(delta))}): the engine recompiled the training step for your change. Ctrl+Z undoes it.
          </p>
        )}
        <div className="tour-actions">
          <button type="button" className="button button-ghost button-small" onClick={finishTour}>{last && toggled ? 'Close' : 'Skip the tour'}</button>
          <span className="compare-spacer" />
          {step > 0 && <button type="button" className="button button-small" onClick={() => useStudio.getState().setTourStep(step - 1)}>Back</button>}
          {!last && <button type="button" className="button button-primary button-small" onClick={() => useStudio.getState().setTourStep(step + 1)}>Next</button>}
          {last && <button type="button" className="button button-primary button-small" disabled={!toggled} onClick={finishTour}>Finish</button>}
        </div>
      </div>
    </>
  );
}

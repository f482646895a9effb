/** A count as "469.2 K" with the exact figure beside it when the two differ. */
import { formatCount, formatInt } from '../format.ts';

export function CountValue({ n }: { n: number }) {
  const short = formatCount(n);
  return (
    <>
      <span className="num">{short}</span>
      {short !== String(n) && <span className="muted num"> {formatInt(n)}</span>}
    </>
  );
}

/** The scheme in the URL (for sharing): `#model=<zoo name>&scheme=<compact JSON>`. */
import { schemeToJson, type Scheme } from '../../engine/train/scheme.ts';

export interface SharedScheme {
  model: string | null;
  /** The scheme's JSON text, still to be parsed (it may be anything). */
  schemeText: string;
}

export function schemeHash(model: string | null, scheme: Scheme): string {
  const compact = JSON.stringify(JSON.parse(schemeToJson(scheme)));
  const parts = model ? [`model=${encodeURIComponent(model)}`] : [];
  parts.push(`scheme=${encodeURIComponent(compact)}`);
  return `#${parts.join('&')}`;
}

export function readSchemeHash(hash: string): SharedScheme | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const schemeText = params.get('scheme');
  return schemeText ? { model: params.get('model'), schemeText } : null;
}

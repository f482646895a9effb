/** The product's mark: a chip with a training loop, the same drawing as the favicon. */
export function BrandMark() {
  return (
    <svg className="brand-mark" viewBox="0 0 32 32" width="20" height="20" aria-hidden="true">
      <rect x="6" y="6" width="20" height="20" rx="4" fill="#2b6fd6" />
      <path d="M11 2v4M16 2v4M21 2v4M11 26v4M16 26v4M21 26v4M2 11h4M2 16h4M2 21h4M26 11h4M26 16h4M26 21h4"
        stroke="#7fb2ff" strokeWidth="2" strokeLinecap="round" />
      <path d="M11.5 17.5a4.5 4.5 0 1 0 1.3-4.3" fill="none" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
      <path d="M10.5 10.5v3.3h3.3" fill="none" stroke="#fff" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
